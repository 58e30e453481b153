import { join } from "node:path";
import * as vscode from "vscode";
import { formatBytes } from "../core/models/modelFiles";
import { RECOMMENDED_MODELS, downloadModel, resolveModelUri } from "../core/models/modelDownload";
import type { ModelController } from "../core/models/modelController";
import { OFFLINE_HELP } from "../core/models/offlineHelp";
import { getSetting, modelFolders, openSettings, setMachineSetting } from "./configuration";
import { switchModel } from "./selectModelCommand";

interface DownloadPick extends vscode.QuickPickItem {
  url?: string;
  fileName?: string;
  custom?: boolean;
}

/** "Hearth: Download a Model…": the one feature that may use the network, off unless allowed. */
export async function downloadModelCommand(storage: vscode.Uri, models: ModelController, log: vscode.LogOutputChannel): Promise<void> {
  if (!getSetting("hearth.network.allowModelDownload")) {
    const choice = await vscode.window.showInformationMessage(OFFLINE_HELP.message, { modal: true, detail: OFFLINE_HELP.detail }, "Open Setting", "Add Model Folder…");
    if (choice === "Open Setting") await openSettings("hearth.network.allowModelDownload");
    if (choice === "Add Model Folder…") await vscode.commands.executeCommand("hearth.addModelFolder");
    return;
  }
  const picks: DownloadPick[] = [
    ...RECOMMENDED_MODELS.map((model) => ({ label: model.label, detail: `${model.detail} · ${model.role}`, url: model.url, fileName: model.fileName })),
    { label: "$(link) Enter a Hugging Face URI (hf:org/repo/file.gguf) or an https URL…", custom: true, alwaysShow: true },
  ];
  const picked = await vscode.window.showQuickPick(picks, { title: "Hearth: Download a Model" });
  if (!picked) return;
  let url = picked.url;
  let fileName = picked.fileName;
  if (picked.custom) {
    const input = await vscode.window.showInputBox({
      title: "Model to download", prompt: "hf:org/repo/file.gguf or https://…/file.gguf",
      validateInput: (value) => {
        try {
          resolveModelUri(value);
          return undefined;
        } catch (error) {
          return error instanceof Error ? error.message : String(error);
        }
      },
    });
    if (!input) return;
    ({ url, fileName } = resolveModelUri(input));
  }
  if (!url || !fileName) return;
  const folder = modelFolders()[0] ?? join(storage.fsPath, "models");
  const target = join(folder, fileName);
  const confirm = await vscode.window.showWarningMessage(
    `Download ${fileName}?\n\nFrom: ${url}\nTo: ${target}\n\nThis is the only network access Hearth makes.`, { modal: true }, "Download");
  if (confirm !== "Download") return;
  log.info(`downloading ${url} to ${target}`);
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Hearth: downloading ${fileName}`, cancellable: true }, async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      await downloadModel({ url, targetPath: target }, (step) => {
        const percent = step.totalBytes ? Math.floor((step.receivedBytes / step.totalBytes) * 100) : 0;
        if (percent > reported) {
          progress.report({ increment: percent - reported, message: `${formatBytes(step.receivedBytes)}${step.totalBytes ? ` of ${formatBytes(step.totalBytes)}` : ""}` });
          reported = percent;
        }
      }, controller.signal);
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.warn(`download failed: ${message}`);
    void vscode.window.showErrorMessage(`Hearth: ${message}`);
    return;
  }
  if (!modelFolders().includes(folder)) await setMachineSetting("hearth.modelFolders", [...modelFolders(), folder]);
  const use = await vscode.window.showInformationMessage(`Hearth: ${fileName} downloaded.`, "Use for Completion", "Use for Chat");
  if (use === "Use for Completion") await switchModel("completion", target, models, log);
  if (use === "Use for Chat") await switchModel("chat", target, models, log);
}
