import * as vscode from "vscode";
import { readSetting, type SettingKey, type SettingValue } from "../core/settings";
import type { ModelConfiguration } from "../core/models/modelController";
import { ALL_HEARTH_SETTINGS, settingsEditorCommand } from "../core/settingsLocation";

export function getSetting<K extends SettingKey>(key: K): SettingValue<K> {
  const section = key.slice(0, key.lastIndexOf("."));
  const name = key.slice(key.lastIndexOf(".") + 1);
  return readSetting(key, vscode.workspace.getConfiguration(section).get(name));
}

export async function setMachineSetting(key: SettingKey, value: unknown): Promise<void> {
  const section = key.slice(0, key.lastIndexOf("."));
  const name = key.slice(key.lastIndexOf(".") + 1);
  await vscode.workspace.getConfiguration(section).update(name, value, vscode.ConfigurationTarget.Global);
}

export function modelConfiguration(): ModelConfiguration {
  const adapters = getSetting("hearth.engine.loraAdapters");
  return {
    loraAdaptersFor: (modelPath) => {
      const name = modelPath.replace(/^.*[\\/]/, "");
      return (adapters[modelPath] ?? adapters[name] ?? []).map((filePath) => ({ filePath: expandHome(filePath) }));
    },
    completionModelPath: expandHome(getSetting("hearth.completion.modelPath")),
    chatModelPath: expandHome(getSetting("hearth.chat.modelPath")),
    load: {
      threads: getSetting("hearth.engine.threads"),
      contextSize: getSetting("hearth.engine.contextSize"),
      gpuLayers: getSetting("hearth.engine.gpuLayers"),
      gpu: "auto",
    },
  };
}

export function modelFolders(): string[] {
  return getSetting("hearth.modelFolders").map(expandHome);
}

function expandHome(path: string): string {
  const home = process.env.HOME ?? process.env.USERPROFILE ?? "";
  return path.startsWith("~/") && home ? home + path.slice(1) : path;
}

/**
 * Opens the Settings editor on the tab where `target` lives (the Remote tab for machine
 * settings in a remote window), searched for it.
 */
export async function openSettings(target: SettingKey | typeof ALL_HEARTH_SETTINGS = ALL_HEARTH_SETTINGS): Promise<void> {
  const { command, args } = settingsEditorCommand(target, vscode.env.remoteName);
  await vscode.commands.executeCommand(command, args);
}
