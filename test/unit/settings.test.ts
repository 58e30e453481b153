import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS, readSetting, restrictedSettings, settingProblem, settingsNeedingReload, type SettingKey } from "../../src/core/settings";

interface ContributedSetting {
  default?: unknown;
  scope?: string;
  type?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: ContributedSetting[];
  description?: string;
  markdownDescription?: string;
}

const packageJson = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8")) as {
  contributes: { configuration: { properties: Record<string, ContributedSetting> } };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations?: string[] } };
};
const contributed = packageJson.contributes.configuration.properties;
const readme = readFileSync(join(__dirname, "..", "..", "..", "README.md"), "utf8");

/** The integer schema of a setting: itself, or its integer branch (gpuLayers is "auto" or an integer). */
function integerSchema(entry: ContributedSetting): ContributedSetting | undefined {
  return entry.type === "integer" ? entry : entry.anyOf?.find((branch) => branch.type === "integer");
}

describe("settings registry", () => {
  it("declares exactly the settings that package.json contributes", () => {
    assert.deepEqual(Object.keys(SETTINGS).sort(), Object.keys(contributed).sort());
  });

  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    it(`${key}: same default and scope as package.json, and documented`, () => {
      const entry = contributed[key];
      assert.deepEqual(entry.default, SETTINGS[key].default);
      assert.equal(entry.scope, SETTINGS[key].scope);
      assert.ok((entry.description ?? entry.markdownDescription ?? "").length > 20, "needs a description");
      if (SETTINGS[key].reloadsModel) assert.match(entry.description ?? entry.markdownDescription ?? "", /reload|loads the new model/i);
    });
  }

  it("keeps model paths and folders machine-scoped so a workspace cannot set them", () => {
    for (const key of ["hearth.completion.modelPath", "hearth.chat.modelPath", "hearth.modelFolders"] as const) {
      assert.equal(SETTINGS[key].scope, "machine");
    }
  });

  it("bounds every integer setting, in the registry and in package.json alike", () => {
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const schema = integerSchema(contributed[key]);
      const range = SETTINGS[key].range;
      if (!schema) {
        assert.equal(range, undefined, `${key} has a range but no integer schema`);
        continue;
      }
      assert.ok(range, `${key} is an integer setting without a range`);
      assert.equal(schema.minimum, range.minimum, `${key} minimum`);
      assert.equal(schema.maximum, range.maximum, `${key} maximum`);
      const fallback = SETTINGS[key].default;
      if (typeof fallback === "number") assert.ok(fallback >= range.minimum && fallback <= range.maximum, `${key}: default within range`);
      // Whatever a user or a workspace writes, the value used stays within the range.
      for (const raw of [-1e12, -1, 0, 1, range.maximum + 1, 1e12, Number.MAX_SAFE_INTEGER]) {
        const used = readSetting(key, raw);
        assert.ok(typeof used === "number" && used >= range.minimum && used <= range.maximum, `${key}: ${raw} gave ${String(used)}`);
      }
    }
  });

  it("never passes a token budget of 0 (node-llama-cpp's \"unlimited\"): it is clamped to the minimum and logged", () => {
    assert.equal(readSetting("hearth.chat.maxTokens", 0), 64);
    assert.equal(readSetting("hearth.completion.maxTokens", 0), 16);
    assert.equal(readSetting("hearth.chat.maxTokens", 1_000_000), 8192);
    assert.equal(readSetting("hearth.chat.maxTokens", 1000), 1000);
    assert.equal(settingProblem("hearth.chat.maxTokens", 0), "hearth.chat.maxTokens: 0 is outside 64–8192; using 64.");
    assert.equal(settingProblem("hearth.chat.maxTokens", "lots"), 'hearth.chat.maxTokens: "lots" is not a valid value; using the default 512.');
    assert.equal(settingProblem("hearth.chat.maxTokens", 1000), undefined);
    assert.equal(settingProblem("hearth.chat.maxTokens", undefined), undefined);
  });

  it("lets a workspace set only how Hearth behaves in its editors: files, network, machine resources and vscode.lm are machine settings", () => {
    const workspaceSettable = (Object.keys(SETTINGS) as SettingKey[]).filter((key) => SETTINGS[key].scope !== "machine" && SETTINGS[key].scope !== "application");
    assert.deepEqual(workspaceSettable.sort(), [
      "hearth.chat.maxTokens", "hearth.completion.debounceMs", "hearth.completion.enabled", "hearth.completion.inComments", "hearth.completion.inStrings", "hearth.completion.languages",
      "hearth.completion.maxTokens", "hearth.context.indexWorkspace",
    ]);
    assert.deepEqual([...(packageJson.capabilities.untrustedWorkspaces.restrictedConfigurations ?? [])].sort(), restrictedSettings().sort());
    for (const key of ["hearth.completion.maxTokens", "hearth.completion.debounceMs", "hearth.chat.maxTokens"] as const) {
      assert.ok(restrictedSettings().includes(key), `${key}: an untrusted workspace's value is ignored`);
    }
  });

  it("README's settings table says, for each setting, whether a workspace may set it and its range", () => {
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${key}\``));
      assert.ok(row, `${key} has a row in README's settings table`);
      const cells = row.split(" | ");
      const workspaceCell = cells[2] ?? "";
      if (SETTINGS[key].scope === "machine") assert.match(workspaceCell, /^no\b/, `${key}: ${row}`);
      else if (restrictedSettings().includes(key)) assert.match(workspaceCell, /^trusted only\b/, `${key}: ${row}`);
      else assert.match(workspaceCell, /^yes\b/, `${key}: ${row}`);
      const range = SETTINGS[key].range;
      if (range) assert.ok(row.includes(`${range.minimum}–${range.maximum}`), `${key}: the row gives the range ${range.minimum}–${range.maximum}: ${row}`);
    }
  });

  it("falls back to the default for malformed values", () => {
    assert.equal(readSetting("hearth.engine.threads", -3), 0);
    assert.equal(readSetting("hearth.engine.threads", 1.5), 0);
    assert.equal(readSetting("hearth.engine.threads", "4"), 0);
    assert.equal(readSetting("hearth.engine.threads", 4), 4);
    assert.deepEqual(readSetting("hearth.modelFolders", ["a", 3]), []);
    assert.deepEqual(readSetting("hearth.modelFolders", ["/models"]), ["/models"]);
    assert.equal(readSetting("hearth.engine.gpuLayers", "auto"), "auto");
    assert.equal(readSetting("hearth.engine.gpuLayers", 12), 12);
    assert.equal(readSetting("hearth.engine.gpuLayers", "all"), "auto");
  });

  it("lists the settings whose change reloads the model", () => {
    const reload = settingsNeedingReload();
    assert.ok(reload.includes("hearth.completion.modelPath"));
    assert.ok(reload.includes("hearth.engine.threads"));
    assert.ok(!reload.includes("hearth.completion.debounceMs"));
  });
});
