import { stat } from "node:fs/promises";
import * as vscode from "vscode";
import type { ModelCatalog } from "../core/models/modelCatalog";
import type { ModelController } from "../core/models/modelController";
import { formatBytes } from "../core/models/modelFiles";
import { countOf } from "../core/plural";
import type { EngineClient } from "../core/engine/engineClient";
import type { LoadedModelInfo, ModelDescription } from "../protocol/engineProtocol";
import type { ReadOnlyDocuments } from "./readOnlyDocuments";

/** "Hearth: Show Model Info": what is running, from where, under which license, with its hash. */
export async function showModelInfo(documents: ReadOnlyDocuments, models: ModelController, engine: EngineClient, catalog: ModelCatalog): Promise<void> {
  const loaded = (["completion", "chat"] as const).map((role) => models.serving(role)).filter((info): info is LoadedModelInfo => info !== undefined);
  const unique = [...new Map(loaded.map((info) => [info.modelPath, info])).values()];
  if (unique.length === 0) {
    void vscode.window.showInformationMessage("Hearth: no model is loaded.", "Select Model…").then((choice) => {
      if (choice) void vscode.commands.executeCommand("hearth.selectModel");
    });
    return;
  }
  const descriptions = new Map<string, ModelDescription>();
  const sizes = new Map<string, number>();
  for (const info of unique) sizes.set(info.modelPath, (await stat(info.modelPath).catch(() => undefined))?.size ?? 0);
  const hashes = new Map<string, string>();
  for (const info of unique) descriptions.set(info.modelPath, await engine.request("describeModel", { path: info.modelPath }));
  const render = () => unique.map((info) => renderModel(info, loaded, descriptions.get(info.modelPath), hashes.get(info.modelPath), sizes.get(info.modelPath))).join("\n---\n\n");
  const uri = await documents.show("Model Info", render);
  for (const info of unique) {
    if (hashes.has(info.modelPath)) continue;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Hearth: sha256 of ${info.displayName}`, cancellable: true }, async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      const digest = await catalog.hash(info.modelPath, (step) => {
        const percent = Math.floor((step.bytesRead / Math.max(1, step.totalBytes)) * 100);
        progress.report({ increment: percent - reported, message: `${percent}%` });
        reported = percent;
      }, controller.signal).catch((error: Error) => `not computed: ${error.message}`);
      hashes.set(info.modelPath, digest);
      documents.refresh(uri);
    });
  }
}

function renderModel(info: LoadedModelInfo, loaded: readonly LoadedModelInfo[], description: ModelDescription | undefined, sha256: string | undefined, sizeBytes: number | undefined): string {
  const roles = loaded.filter((other) => other.modelPath === info.modelPath).map((other) => other.role).join(" and ");
  const fim = info.fim
    ? `${info.fim.name}: prefix \`${info.fim.tokens.prefix}\`, suffix \`${info.fim.tokens.suffix}\`, middle \`${info.fim.tokens.middle}\`` +
      (info.fim.tokens.fileSep ? `, file separator \`${info.fim.tokens.fileSep}\`` : "")
    : "none (completions use the text before the cursor only)";
  const lines = [
    `# ${info.displayName}`,
    ``,
    `Used for: ${roles}.`,
    ``,
    `| Property | Value |`,
    `| --- | --- |`,
    `| Path | ${info.modelPath} |`,
    `| Size | ${sizeBytes ? `${formatBytes(sizeBytes)} (${sizeBytes.toLocaleString("en-US")} bytes)` : "unknown"} |`,
    `| SHA-256 | ${sha256 ?? "computing…"} |`,
    `| License | ${description?.license ?? "not stated in the file"} |`,
    `| Architecture | ${info.architecture} |`,
    `| Parameters | ${description?.parameterCount?.toLocaleString("en-US") ?? "unknown"}${description?.sizeLabel ? ` (${description.sizeLabel})` : ""} |`,
    `| Quantization | ${description?.quantization ?? "unknown"} |`,
    `| Trained context | ${countOf(info.trainedContextSize, "token")} |`,
    `| Chat template | ${info.chatWrapperType} (${info.chatWrapper}) |`,
    `| FIM tokens | ${fim} |`,
    `| LoRA adapters | ${info.loraAdapters.length ? info.loraAdapters.map((adapter) => adapter.filePath).join(", ") : "none"} |`,
    `| Memory estimate | ${formatBytes(info.memoryEstimate.ramBytes)} RAM${info.memoryEstimate.vramBytes > 0 ? `, ${formatBytes(info.memoryEstimate.vramBytes)} GPU memory` : ""} (node-llama-cpp's estimate) |`,
    `| Load settings | ${countOf(info.threads, "thread")}, ${countOf(info.gpuLayers, "GPU layer")}, context ${countOf(info.contextSize, "token")}, loaded in ${info.loadMs} ms |`,
    `| Tensors | ${description?.tensorCount ?? "unknown"} |`,
    ``,
  ];
  if (description?.chatTemplate) lines.push("## Chat template", "", "```jinja", description.chatTemplate, "```", "");
  return lines.join("\n");
}
