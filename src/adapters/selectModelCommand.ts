import * as vscode from "vscode";
import { findModelFiles, formatBytes } from "../core/models/modelFiles";
import type { ModelController } from "../core/models/modelController";
import { modelConfiguration, modelFolders, setMachineSetting } from "./configuration";

interface ModelPick extends vscode.QuickPickItem {
  modelPath?: string;
  browse?: boolean;
}

/** "Hearth: Select Model…": GGUF files of the model folders, or any file picked on disk. */
export async function selectModel(models: ModelController, log: vscode.LogOutputChannel): Promise<void> {
  const folders = modelFolders();
  const files = await findModelFiles(folders);
  const current = modelConfiguration().completionModelPath;
  const picks: ModelPick[] = files.map((file) => ({
    label: file.name,
    description: `${formatBytes(file.sizeBytes)}${file.path === current ? " · current" : ""}`,
    detail: file.path,
    modelPath: file.path,
  }));
  if (files.length === 0) {
    picks.push({ label: "No GGUF files found", kind: vscode.QuickPickItemKind.Separator });
  }
  picks.push({ label: "$(folder-opened) Browse for a GGUF file…", browse: true, alwaysShow: true });
  const picked = await vscode.window.showQuickPick(picks, {
    title: "Hearth: Select Model",
    placeHolder: folders.length ? "Choose a model (from hearth.modelFolders) or browse" : "No model folders set (hearth.modelFolders): browse for a GGUF file",
    matchOnDetail: true,
  });
  if (!picked) return;
  let modelPath = picked.modelPath;
  if (picked.browse) {
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: "Use Model",
      filters: { "GGUF models": ["gguf"] },
      title: "Choose a GGUF model file",
    });
    modelPath = uris?.[0]?.fsPath;
  }
  if (!modelPath) return;
  log.info(`model selected: ${modelPath}`);
  // The setting is the source of truth: the configuration listener loads it.
  await setMachineSetting("hearth.completion.modelPath", modelPath);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Hearth: loading ${modelPath.replace(/^.*[\\/]/, "")}…` },
    () => models.ensure("completion"),
  );
}

export async function showModelError(message: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(`Hearth: ${message}`, "Select Model…", "Show Log");
  if (choice === "Select Model…") await vscode.commands.executeCommand("hearth.selectModel");
  if (choice === "Show Log") await vscode.commands.executeCommand("hearth.showLog");
}
