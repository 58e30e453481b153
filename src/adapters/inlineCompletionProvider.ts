import * as vscode from "vscode";
import { EngineRequestError, type EngineClient } from "../core/engine/engineClient";
import type { ModelController } from "../core/models/modelController";
import { firstLineOfSuggestion, plainCompletionPrompt } from "../core/completion/plainPrompt";
import type { FimInput } from "../core/fim/fimLayout";
import { abortSignalFor } from "./cancellation";
import { getSetting } from "./configuration";
import type { ModelStatusBar } from "./statusBar";

/** Plain (prefix-only) ghost-text completion from the completion model. */
export class HearthInlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  constructor(
    private readonly engine: EngineClient,
    private readonly models: ModelController,
    private readonly statusBar: ModelStatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (!getSetting("hearth.completion.enabled")) return undefined;
    if (document.uri.scheme !== "file" && document.uri.scheme !== "untitled") return undefined;
    const lineText = document.lineAt(position.line).text;
    if (lineText.slice(position.character).trim() !== "") return undefined;

    await delay(getSetting("hearth.completion.debounceMs"), token);
    if (token.isCancellationRequested) return undefined;
    const model = await this.models.ensure("completion");
    if (!model || token.isCancellationRequested) return undefined;

    const abort = abortSignalFor(token);
    const endRequest = this.statusBar.beginRequest();
    const sampling = { maxTokens: getSetting("hearth.completion.maxTokens"), temperature: 0, timeBudgetMs: 3000 };
    try {
      const result = model.fim
        ? await this.engine.request("infill", { ...fimInput(document, position), ...sampling }, { signal: abort.signal })
        : await this.engine.request("complete", {
          prompt: plainCompletionPrompt(document.getText(new vscode.Range(new vscode.Position(0, 0), position))),
          ...sampling,
        }, { signal: abort.signal });
      this.models.confirmServing("completion");
      const { stats } = result;
      this.log.info(`completion: ${stats.promptTokens} prompt tokens (${stats.reusedTokens} reused, ${stats.evaluatedTokens} evaluated), ` +
        `first token ${Math.round(stats.firstTokenMs)} ms, ${stats.generatedTokens} tokens in ${Math.round(stats.generationMs)} ms, ${result.stopReason}`);
      if (token.isCancellationRequested) return undefined;
      const text = firstLineOfSuggestion(result.text);
      if (text.trim() === "") return undefined;
      return [new vscode.InlineCompletionItem(text, new vscode.Range(position, position))];
    } catch (error) {
      if (error instanceof EngineRequestError && error.code === "aborted") return undefined;
      this.log.warn(`completion failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    } finally {
      abort.dispose();
      endRequest();
    }
  }
}

const PREFIX_LINES = 128;
const SUFFIX_LINES = 32;

/** Prefix window, current line and a short suffix around the cursor (the completion issue refines this). */
function fimInput(document: vscode.TextDocument, position: vscode.Position): FimInput {
  const windowStart = Math.max(0, position.line - PREFIX_LINES);
  const suffixEnd = Math.min(document.lineCount - 1, position.line + SUFFIX_LINES);
  return {
    prefix: document.getText(new vscode.Range(windowStart, 0, position.line, 0)),
    currentLine: document.lineAt(position.line).text.slice(0, position.character),
    suffix: document.getText(new vscode.Range(position, document.lineAt(suffixEnd).range.end)),
    filePath: vscode.workspace.asRelativePath(document.uri),
  };
}

function delay(ms: number, token: vscode.CancellationToken): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const listener = token.onCancellationRequested(done);
    function done() {
      clearTimeout(timer);
      listener.dispose();
      resolve();
    }
  });
}
