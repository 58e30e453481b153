import { SETTINGS, type SettingKey } from "./settings";

/** Every Hearth setting, as the Settings editor's search finds them. */
export const ALL_HEARTH_SETTINGS = "@ext:hearth.hearth";

export interface SettingsEditorCommand {
  command: "workbench.action.openSettings" | "workbench.action.openRemoteSettings";
  /** The Settings editor's search text. */
  args: { query: string };
}

/**
 * Which tab of the Settings editor a setting lives on. In a remote window (code-server,
 * Remote-SSH, WSL, a container: `vscode.env.remoteName` is set) machine-scoped settings exist
 * only on the Remote tab; the User tab does not list them ("No Settings Found"). The Remote tab
 * also lists every window-scoped setting, so a query for all of Hearth's settings goes there too.
 */
export function settingsEditorCommand(target: SettingKey | typeof ALL_HEARTH_SETTINGS, remoteName: string | undefined): SettingsEditorCommand {
  const remote = remoteName !== undefined && remoteName !== "";
  const onRemoteTab = remote && (target === ALL_HEARTH_SETTINGS || SETTINGS[target].scope === "machine");
  return { command: onRemoteTab ? "workbench.action.openRemoteSettings" : "workbench.action.openSettings", args: { query: target } };
}
