import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS, type SettingKey } from "../../src/core/settings";
import { ALL_HEARTH_SETTINGS, settingsEditorCommand } from "../../src/core/settingsLocation";

const repoRoot = join(__dirname, "..", "..", "..");

describe("where a setting is opened (settingsEditorCommand)", () => {
  it("in a remote window, machine settings open on the Remote tab, searched for", () => {
    for (const remoteName of ["ssh-remote", "wsl", "dev-container", "127.0.0.1:8080"]) {
      assert.deepEqual(settingsEditorCommand("hearth.network.allowModelDownload", remoteName),
        { command: "workbench.action.openRemoteSettings", args: { query: "hearth.network.allowModelDownload" } });
    }
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      if (SETTINGS[key].scope === "machine") assert.equal(settingsEditorCommand(key, "wsl").command, "workbench.action.openRemoteSettings", key);
    }
  });

  it("in a remote window, window settings open on the User tab; all of Hearth's on the Remote tab (it lists both)", () => {
    assert.equal(settingsEditorCommand("hearth.completion.debounceMs", "wsl").command, "workbench.action.openSettings");
    assert.deepEqual(settingsEditorCommand(ALL_HEARTH_SETTINGS, "wsl"), { command: "workbench.action.openRemoteSettings", args: { query: "@ext:hearth.hearth" } });
  });

  it("in a local window, everything opens on the User tab", () => {
    for (const remoteName of [undefined, ""]) {
      assert.deepEqual(settingsEditorCommand("hearth.completion.modelPath", remoteName),
        { command: "workbench.action.openSettings", args: { query: "hearth.completion.modelPath" } });
      assert.equal(settingsEditorCommand(ALL_HEARTH_SETTINGS, remoteName).command, "workbench.action.openSettings");
    }
  });

  it("no adapter opens the Settings editor except through settingsEditorCommand", () => {
    const dir = join(repoRoot, "src", "adapters");
    const offenders = readdirSync(dir).filter((name) => /workbench\.action\.open(Remote)?Settings/.test(readFileSync(join(dir, name), "utf8")));
    assert.deepEqual(offenders, []);
    assert.doesNotMatch(readFileSync(join(repoRoot, "src", "extension.ts"), "utf8"), /workbench\.action\.open(Remote)?Settings/);
  });
});
