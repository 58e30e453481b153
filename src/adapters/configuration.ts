import * as vscode from "vscode";
import { readSetting, settingProblem, SETTINGS, type SettingKey, type SettingValue } from "../core/settings";
import type { ModelConfiguration } from "../core/models/modelController";
import { ALL_HEARTH_SETTINGS, settingsEditorCommand } from "../core/settingsLocation";

function rawSetting(key: SettingKey): unknown {
  const section = key.slice(0, key.lastIndexOf("."));
  const name = key.slice(key.lastIndexOf(".") + 1);
  return vscode.workspace.getConfiguration(section).get(name);
}

/** A setting as Hearth uses it: VS Code's value for this window (scopes applied), checked and clamped to its range. */
export function getSetting<K extends SettingKey>(key: K): SettingValue<K> {
  return readSetting(key, rawSetting(key));
}

/** Logs, now and after each change, the settings whose value is not used as written (out of range or malformed). */
export function logSettingProblems(warn: (message: string) => void): vscode.Disposable {
  const reported = new Set<string>();
  const check = () => {
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const problem = settingProblem(key, rawSetting(key));
      if (problem && !reported.has(problem)) {
        reported.add(problem);
        warn(problem);
      }
    }
  };
  check();
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration("hearth")) check();
  });
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
