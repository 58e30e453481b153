import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS, readSetting, settingsNeedingReload, type SettingKey } from "../../src/core/settings";

interface ContributedSetting {
  default?: unknown;
  scope?: string;
  description?: string;
  markdownDescription?: string;
}

const packageJson = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8")) as {
  contributes: { configuration: { properties: Record<string, ContributedSetting> } };
};
const contributed = packageJson.contributes.configuration.properties;

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

  it("falls back to the default for malformed values", () => {
    assert.equal(readSetting("hearth.engine.threads", -3), 0);
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
