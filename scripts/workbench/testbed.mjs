// Temporary folders, settings and workspace shared by the e2e and integration runs.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT, defaultModelsDir } from "./paths.mjs";
import { createModelFolder, hearthTestSettings, requireTestModel, writeUserSettings } from "./settings.mjs";

/**
 * Creates a fresh temp root with: ext/ (extensions dir), user-data/ (settings written),
 * models/ (two names of stories260K.gguf), workspace/ (copy of sample-workspace/).
 * Throws with what to provide when the test model is missing.
 */
export function prepareTestbed({ prefix = "hearth-test-", extraSettings = {} } = {}) {
  const modelsDir = defaultModelsDir();
  const modelFile = requireTestModel(modelsDir);
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  const dirs = {
    root,
    extensionsDir: path.join(root, "ext"),
    userDataDir: path.join(root, "user-data"),
    modelFolder: path.join(root, "models"),
    workspace: path.join(root, "workspace"),
  };
  mkdirSync(dirs.extensionsDir, { recursive: true });
  createModelFolder(modelFile, dirs.modelFolder);
  cpSync(path.join(REPO_ROOT, "sample-workspace"), dirs.workspace, { recursive: true });
  const settings = { ...hearthTestSettings({ modelFile, modelFolder: dirs.modelFolder }), ...extraSettings };
  writeUserSettings(dirs.userDataDir, settings);
  return {
    ...dirs,
    modelsDir,
    modelFile,
    settings,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
