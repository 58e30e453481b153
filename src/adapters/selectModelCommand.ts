import { freemem } from "node:os";
import * as vscode from "vscode";
import { formatBytes, modelDisplayName } from "../core/models/modelFiles";
import { selectionOutcome } from "../core/models/modelSelection";
import type { CatalogEntry, ModelCatalog } from "../core/models/modelCatalog";
import type { ModelSource } from "../core/models/catalogSources";
import type { ModelController, SwitchResult } from "../core/models/modelController";
import type { ModelRole } from "../protocol/engineProtocol";
import { modelConfiguration, modelFolders, setMachineSetting } from "./configuration";

interface ModelPick extends vscode.QuickPickItem {
  entry?: CatalogEntry;
  browse?: boolean;
}

const SOURCE_LABELS: Record<ModelSource, string> = {
  folder: "Model folders (hearth.modelFolders)",
  lmstudio: "LM Studio",
  ollama: "Ollama",
  huggingface: "Hugging Face cache",
  "node-llama-cpp": "node-llama-cpp models",
};

function formatParameters(count: number | undefined, label: string | undefined): string | undefined {
  if (label) return label;
  if (!count) return undefined;
  return count >= 1e9 ? `${(count / 1e9).toFixed(1)}B` : count >= 1e6 ? `${Math.round(count / 1e6)}M` : `${Math.round(count / 1e3)}K`;
}

/** A rough fit check: the weights plus a fifth for the context must fit in free memory. */
function memoryWarning(entry: CatalogEntry): string | undefined {
  const needed = entry.sizeBytes * 1.2;
  const free = freemem();
  return needed > free ? `needs about ${formatBytes(needed)}, ${formatBytes(free)} free` : undefined;
}

export function catalogPick(entry: CatalogEntry, currentPath: string): ModelPick {
  const { description } = entry;
  const facts = [
    formatParameters(description.parameterCount, description.sizeLabel),
    description.quantization,
    formatBytes(entry.sizeBytes),
    description.architecture,
  ].filter((fact): fact is string => fact !== undefined);
  const badges = [
    description.fim ? `$(symbol-snippet) FIM (${description.fim.name})` : undefined,
    description.chatTemplate ? "$(comment-discussion) chat template" : undefined,
    entry.path === currentPath ? "$(check) current" : undefined,
  ].filter((badge): badge is string => badge !== undefined);
  const warning = memoryWarning(entry);
  return {
    label: `${entry.path === currentPath ? "$(check) " : ""}${entry.name}`,
    description: facts.join(" · "),
    detail: [...badges, warning ? `$(warning) may not fit in memory: ${warning}` : undefined, entry.path].filter(Boolean).join("   "),
    entry,
  };
}

/** "Hearth: Select Model…" and its per-role variants: every model the catalog found, grouped by source. */
export async function selectModel(
  role: ModelRole | "both",
  models: ModelController,
  catalog: ModelCatalog,
  log: vscode.LogOutputChannel,
  /** Told when the model chosen is the one already serving (no load follows). */
  onKeptModel?: () => void,
): Promise<void> {
  const quickPick = vscode.window.createQuickPick<ModelPick>();
  quickPick.title = role === "chat" ? "Hearth: Select Chat Model" : role === "completion" ? "Hearth: Select Completion Model" : "Hearth: Select Model";
  quickPick.placeholder = "Type to filter models found on this machine";
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.busy = true;
  const browse: ModelPick = { label: "$(folder-opened) Browse for a GGUF file…", browse: true, alwaysShow: true };
  quickPick.items = [browse];
  quickPick.show();
  const currentPath = models.configuredPath(role === "chat" ? "chat" : "completion");
  void catalog.list({ folders: modelFolders() }).then(({ entries, unreadable }) => {
    for (const item of unreadable) log.warn(`skipped ${item.file.path}: ${item.reason}`);
    const items: ModelPick[] = [];
    for (const source of Object.keys(SOURCE_LABELS) as ModelSource[]) {
      const group = entries.filter((entry) => entry.source === source).sort((a, b) => a.name.localeCompare(b.name));
      if (group.length === 0) continue;
      items.push({ label: SOURCE_LABELS[source], kind: vscode.QuickPickItemKind.Separator });
      items.push(...group.map((entry) => catalogPick(entry, currentPath)));
    }
    if (entries.length === 0) items.push({ label: "No GGUF models found (hearth.modelFolders, LM Studio, Ollama, Hugging Face cache)", kind: vscode.QuickPickItemKind.Separator });
    items.push(browse);
    quickPick.items = items;
    quickPick.busy = false;
  }, (error: Error) => {
    log.error(`model catalog failed: ${error.message}`);
    quickPick.busy = false;
  });
  const picked = await new Promise<ModelPick | undefined>((resolve) => {
    quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]));
    quickPick.onDidHide(() => resolve(undefined));
  });
  quickPick.dispose();
  if (!picked) return;
  let modelPath = picked.entry?.path;
  if (picked.browse) modelPath = await browseForModel();
  if (!modelPath) return;
  const modelRole: ModelRole = role === "chat" ? "chat" : "completion";
  const outcome = selectionOutcome(modelPath, models.configuredPath(modelRole), models.serving(modelRole)?.modelPath);
  if (outcome === "already-serving") {
    models.keepServing(modelRole);
    onKeptModel?.();
    log.info(`model selected for ${role} is already serving: ${modelPath}`);
    void vscode.window.showInformationMessage(`Hearth: ${modelDisplayName(modelPath)} is already the ${modelRole} model.`);
    return;
  }
  // Asked when switching to the model; the configured model again is loaded without asking twice.
  if (outcome === "switch" && modelRole === "completion" && picked.entry && !picked.entry.description.fim) {
    const choice = await vscode.window.showWarningMessage(
      `${picked.entry.name} has no fill-in-the-middle tokens: completions will only see the text before the cursor. Use it for completions anyway?`,
      { modal: true }, "Use It");
    if (choice !== "Use It") return;
  }
  await switchModel(role, modelPath, models, log, { saveSetting: outcome === "switch" });
}

export async function browseForModel(): Promise<string | undefined> {
  const uris = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: "Use Model",
    filters: { "GGUF models": ["gguf"] },
    title: "Choose a GGUF model file",
  });
  return uris?.[0]?.fsPath;
}

/**
 * Switches a role's model with progress. The setting is written only once the model has
 * loaded: a file that fails keeps the previous model serving and configured.
 */
export async function switchModel(
  role: ModelRole | "both",
  modelPath: string,
  models: ModelController,
  log: vscode.LogOutputChannel,
  { saveSetting = true }: { saveSetting?: boolean } = {},
): Promise<SwitchResult> {
  log.info(`model selected for ${role}: ${modelPath}`);
  const save = (key: "hearth.chat.modelPath" | "hearth.completion.modelPath") =>
    (path: string) => saveSetting ? setMachineSetting(key, path) : Promise.resolve();
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Hearth: loading ${modelDisplayName(modelPath)}…` }, async () => {
    if (role === "chat") return models.switchTo("chat", modelPath, save("hearth.chat.modelPath"));
    const result = await models.switchTo("completion", modelPath, save("hearth.completion.modelPath"));
    // The chat follows the completion model unless it has its own; it loads now only if it was in use.
    if (result.ok && role === "both" && !modelConfiguration().chatModelPath && models.inUse("chat")) await models.ensure("chat");
    return result;
  });
}

export async function addModelFolder(): Promise<void> {
  const uris = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: "Add Model Folder" });
  const folder = uris?.[0]?.fsPath;
  if (!folder) return;
  const folders = modelFolders();
  if (!folders.includes(folder)) await setMachineSetting("hearth.modelFolders", [...folders, folder]);
  void vscode.window.showInformationMessage(`Hearth: ${folder} added to the model folders.`, "Select Model…").then((choice) => {
    if (choice) void vscode.commands.executeCommand("hearth.selectModel");
  });
}

export async function showModelError(message: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(`Hearth: ${message}`, "Select Model…", "Show Log");
  if (choice === "Select Model…") await vscode.commands.executeCommand("hearth.selectModel");
  if (choice === "Show Log") await vscode.commands.executeCommand("hearth.showLog");
}
