import type * as vscode from "vscode";
import type { ReadOnlyDocuments } from "./readOnlyDocuments";
import type { CompletionRequestRecord } from "../core/completion/completionPipeline";

/** "Hearth: Show Last Completion Prompt": the exact prompt, its sources, token counts and timings, read-only. */
export function showLastPrompt(documents: ReadOnlyDocuments, lastRequest: () => CompletionRequestRecord | undefined): Promise<vscode.Uri> {
  return documents.show("Last Completion Prompt", () => {
    const record = lastRequest();
    return record ? renderRecord(record) : "# No completion request yet\n\nType in an editor with a completion model loaded, then run this command again.\n";
  });
}

export function renderRecord(record: CompletionRequestRecord): string {
  const { stats } = record;
  const fence = "`".repeat(Math.max(3, longestBacktickRun(record.prompt) + 1));
  const lines = [
    `# Last completion prompt`,
    ``,
    `- File: ${record.filePath}`,
    `- Model: ${record.model} (${record.fimFormat ? `FIM format ${record.fimFormat}` : "no FIM tokens: prefix-only prompt"})`,
    `- Sent: ${record.at.toLocaleTimeString()}`,
    `- Tokens: ${stats.promptTokens} in the prompt, ${stats.reusedTokens} reused from the cache, ${stats.evaluatedTokens} evaluated; ${stats.generatedTokens} generated (${record.stopReason})`,
    `- Timings: prompt ${Math.round(stats.promptMs)} ms, first token ${Math.round(stats.firstTokenMs)} ms, total ${Math.round(stats.generationMs)} ms`,
    ``,
    `## Context chunks (${record.chunks.length})`,
    ...record.chunks.map((chunk) => `- ${chunk.filePath}`),
    ``,
    `## Exact prompt (special tokens written out)`,
    ``,
    fence,
    record.prompt,
    fence,
    ``,
    `## Raw model output`,
    ``,
    fence,
    record.raw,
    fence,
    ``,
  ];
  return lines.join("\n");
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}
