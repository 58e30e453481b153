// User settings of the test workbench and the Hearth-specific ones.
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Settings that keep the workbench quiet and predictable in tests (the recipe's, plus a few). */
export const BASE_SETTINGS = {
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "git.enabled": false,
  "git.openRepositoryInParentFolders": "never",
  // The suggest widget would hide ghost text.
  "editor.quickSuggestions": { other: "off", comments: "off", strings: "off" },
  "editor.suggestOnTriggerCharacters": false,
  "editor.acceptSuggestionOnEnter": "off",
  "editor.wordBasedSuggestions": "off",
  "editor.parameterHints.enabled": false,
  "editor.inlineSuggest.enabled": true,
  "editor.autoClosingBrackets": "never",
  "editor.autoClosingQuotes": "never",
  "editor.formatOnType": false,
  "files.autoSave": "off",
  "files.hotExit": "off",
};

/**
 * Writes `<dir>/User/settings.json` = BASE_SETTINGS + settings, and the same into
 * `<dir>/Machine/settings.json`: code-server is a remote window, where settings with
 * `"scope": "machine"` (hearth.completion.modelPath, hearth.modelFolders, …) are read only from the
 * remote machine's settings and ignored in the user's. Returns the User settings file path.
 */
export function writeUserSettings(dir, settings = {}, { base = true } = {}) {
  const content = JSON.stringify({ ...(base ? BASE_SETTINGS : {}), ...settings }, null, 2) + "\n";
  let userFile;
  for (const scope of ["User", "Machine"]) {
    mkdirSync(path.join(dir, scope), { recursive: true });
    const file = path.join(dir, scope, "settings.json");
    writeFileSync(file, content);
    if (scope === "User") userFile = file;
  }
  return userFile;
}

export const TEST_MODEL_FILE = "stories260K.gguf";
export const ALIAS_NAMES = ["tiny-stories-a.gguf", "tiny-stories-b.gguf"];

/** Checks that the models folder has stories260K.gguf; throws a message saying what to provide. */
export function requireTestModel(modelsDir) {
  const file = path.join(modelsDir, TEST_MODEL_FILE);
  if (!existsSync(file)) {
    throw new Error(
      `Test model missing: ${file}. Provide ${TEST_MODEL_FILE} (Karpathy's llama2.c stories260K converted to GGUF, ` +
        `sha256 270cba1b…256d) in ../shared/models/ next to the repository, or set HEARTH_TEST_MODELS to a folder holding it.`,
    );
  }
  return file;
}

/** A folder holding stories260K.gguf under two other names (symlinks, else copies). */
export function createModelFolder(modelFile, folder) {
  mkdirSync(folder, { recursive: true });
  for (const name of ALIAS_NAMES) {
    const target = path.join(folder, name);
    if (existsSync(target)) continue;
    try {
      symlinkSync(modelFile, target);
    } catch {
      copyFileSync(modelFile, target);
    }
  }
  return folder;
}

/** Hearth settings of the e2e and integration runs. */
export function hearthTestSettings({ modelFile, modelFolder }) {
  return {
    "hearth.completion.modelPath": modelFile,
    "hearth.modelFolders": [modelFolder],
    "hearth.engine.threads": 1,
    "hearth.engine.contextSize": 2048,
  };
}

/** GGUF files directly inside a folder, sorted by name. */
export function ggufFilesIn(dir) {
  try {
    return readdirSync(dir)
      .filter((n) => n.toLowerCase().endsWith(".gguf"))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}
