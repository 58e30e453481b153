import * as vscode from "vscode";
import type { CompletionRequestRecord } from "../core/completion/completionPipeline";

const SCHEME = "hearth-inspector";

/** "Hearth: Show Last Completion Prompt": the exact prompt, its sources, token counts and timings, read-only. */
export class PromptInspector implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);
  private readonly uri = vscode.Uri.from({ scheme: SCHEME, path: "/Last Completion Prompt.md" });

  constructor(private readonly lastRequest: () => CompletionRequestRecord | undefined) {}

  async show(): Promise<void> {
    this.changed.fire(this.uri);
    const document = await vscode.workspace.openTextDocument(this.uri);
    await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }

  provideTextDocumentContent(): string {
    const record = this.lastRequest();
    return record ? renderRecord(record) : "# No completion request yet\n\nType in an editor with a completion model loaded, then run this command again.\n";
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
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
