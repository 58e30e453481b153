import * as vscode from "vscode";
import { EngineRequestError } from "../core/engine/engineClient";
import type { CompletionPipeline } from "../core/completion/completionPipeline";
import { IdlePrefill } from "../core/completion/idlePrefill";
import { documentOffset, type DocumentSnapshot } from "../core/completion/documentSnapshot";
import type { ProcessedSuggestion } from "../core/completion/postProcess";
import { getSetting } from "./configuration";
import { inNotebook, NOTEBOOK_CELL_SCHEME, notebookCellOf } from "./notebookCells";
import type { ModelStatusBar } from "./statusBar";

/** Documents larger than this are cut around the cursor before the pipeline sees them. */
const MAX_SNAPSHOT_CHARS = 200_000;
/** A cut document starts this many lines (or up to twice as many) above the cursor; a multiple of the prompt's window step. */
const SNAPSHOT_LINE_STEP = 1024;
const SNAPSHOT_LINES_AFTER = 256;

/** A selection change this soon after an edit is the edit's own cursor move. */
const EDIT_SELECTION_MS = 100;
/**
 * Only real files and untitled editors get suggestions, and the code cells of notebooks that
 * are such files: never output, git, diff or settings views, nor notebooks of other schemes.
 */
const SCHEMES: ReadonlySet<string> = new Set(["file", "untitled"]);

export class HearthInlineCompletionProvider implements vscode.InlineCompletionItemProvider, vscode.Disposable {
  private paused = false;
  private readonly disposables: vscode.Disposable[] = [];
  /** Evaluates the next request's prompt while the user pauses, opens or switches a file, or saves. */
  private readonly idlePrefill = new IdlePrefill((signal) => this.prefillActiveEditor(signal));
  private lastEditAt = 0;

  constructor(
    private readonly pipeline: CompletionPipeline,
    private readonly statusBar: ModelStatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.contentChanges.length === 0 || event.document !== vscode.window.activeTextEditor?.document) return;
      this.pipeline.debounce.recordKeystroke();
      this.pipeline.cancelSpeculation();
      this.lastEditAt = Date.now();
      this.idlePrefill.typed();
    }),
    vscode.window.onDidChangeTextEditorSelection((event) => {
      if (event.textEditor !== vscode.window.activeTextEditor) return;
      // Typing moves the cursor too: only a move of its own (no edit just before) is one.
      if (Date.now() - this.lastEditAt > EDIT_SELECTION_MS) {
        this.pipeline.debounce.recordMove();
        this.idlePrefill.moved();
      }
    }),
    vscode.window.onDidChangeActiveTextEditor(() => this.idlePrefill.soon()),
    vscode.workspace.onDidSaveTextDocument(() => {
      this.pipeline.documentSaved();
      this.idlePrefill.soon();
    }),
    this.idlePrefill);
  }

  /** The pipeline asks for a prefill (a request left context out to answer in time). */
  requestPrefill(): void {
    this.idlePrefill.contextLeftOut();
  }

  private async prefillActiveEditor(signal: AbortSignal): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !this.isEnabledFor(editor.document) || editor.selections.length !== 1 || !editor.selection.isEmpty) return;
    const result = await this.pipeline.prefill(toSnapshot(editor.document, editor.selection.active, editor.options), signal);
    if (result?.ran && result.evaluatedTokens > 0) {
      this.log.debug(`prefill: ${result.evaluatedTokens} tokens evaluated (${result.reusedTokens} reused) in ${Math.round(result.promptMs)} ms${result.complete ? "" : ", preempted"}`);
    }
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) this.pipeline.cancelSpeculation();
    void vscode.commands.executeCommand("setContext", "hearth.completionsPaused", paused);
    this.statusBar.setPaused(paused);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  isEnabledFor(document: vscode.TextDocument): boolean {
    if (this.paused || !getSetting("hearth.completion.enabled")) return false;
    if (document.uri.scheme === NOTEBOOK_CELL_SCHEME) {
      const cell = notebookCellOf(document);
      if (cell?.kind !== vscode.NotebookCellKind.Code || !SCHEMES.has(cell.notebook.uri.scheme)) return false;
    } else if (!SCHEMES.has(document.uri.scheme)) {
      return false;
    }
    const languages = getSetting("hearth.completion.languages");
    return languages[document.languageId] ?? languages["*"] ?? true;
  }

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionList | undefined> {
    // No request is ever sent while paused or disabled (llama.vscode #66).
    if (!this.isEnabledFor(document) || token.isCancellationRequested) return undefined;
    // The suggest widget is open: leave the choice to it.
    if (context.selectedCompletionInfo) return undefined;
    const manual = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    const controller = new AbortController();
    const cancellation = token.onCancellationRequested(() => controller.abort());
    let endSpinner: (() => void) | undefined;
    try {
      const snapshot = toSnapshot(document, position, vscode.window.activeTextEditor?.options);
      const started = Date.now();
      const resultPromise = this.pipeline.provide(snapshot, { manual, signal: controller.signal, alternatives: manual ? 3 : 1 });
      endSpinner = this.statusBar.beginRequest();
      const result = await resultPromise;
      if (!result || token.isCancellationRequested) return undefined;
      if (result.request) this.statusBar.showRequest(result.request);
      this.log.debug(`completion (${result.source}, ${result.mode}) in ${Date.now() - started} ms`);
      if (result.request) {
        const { stats } = result.request;
        this.log.info(`completion: ${stats.promptTokens} prompt tokens (${stats.reusedTokens} reused, ${stats.evaluatedTokens} evaluated), ` +
          `prompt ${Math.round(stats.promptMs)} ms, ${stats.generatedTokens} tokens in ${Math.round(stats.generationMs)} ms, ${result.request.stopReason}, model ${result.request.model}`);
      } else {
        this.log.info(`completion served from ${result.source} with no model time`);
      }
      return new vscode.InlineCompletionList(result.suggestions.map((suggestion) => this.toItem(document, snapshot, suggestion)));
    } catch (error) {
      if (!(error instanceof EngineRequestError && error.code === "aborted")) {
        this.log.warn(`completion failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      return undefined;
    } finally {
      cancellation.dispose();
      endSpinner?.();
    }
  }

  private toItem(document: vscode.TextDocument, snapshot: DocumentSnapshot, suggestion: ProcessedSuggestion): vscode.InlineCompletionItem {
    const start = document.positionAt(documentOffset(snapshot, snapshot.offset));
    const end = document.positionAt(documentOffset(snapshot, suggestion.replaceEnd));
    return new vscode.InlineCompletionItem(suggestion.text, new vscode.Range(start, end), {
      command: "hearth.completionAccepted",
      title: "Completion accepted",
      arguments: [suggestion.text.length],
    });
  }

  /** Called by VS Code where the partial-accept API is available; the typed-ahead cache covers it elsewhere. */
  handleDidPartiallyAcceptCompletionItem(item: vscode.InlineCompletionItem, acceptedLength: number): void {
    this.log.debug(`partial accept: ${acceptedLength} of ${typeof item.insertText === "string" ? item.insertText.length : 0} characters`);
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}

/**
 * What the pipeline sees of a document: the whole text when it is small, else lines around the
 * cursor. The window starts at a multiple of SNAPSHOT_LINE_STEP lines (a multiple of the prompt
 * layout's 32-line step), so the prompt's start stays put while the user types; and it is read
 * with getText(range), because copying a multi-megabyte document per keystroke stalls the
 * extension host.
 */
function toSnapshot(document: vscode.TextDocument, position: vscode.Position, options: vscode.TextEditorOptions | undefined): DocumentSnapshot {
  const cursor = document.offsetAt(position);
  const lastLine = document.lineAt(document.lineCount - 1);
  const length = document.offsetAt(lastLine.range.end);
  let windowStart = 0;
  let text: string;
  if (length <= MAX_SNAPSHOT_CHARS) {
    text = document.getText();
  } else {
    const startLine = Math.max(0, Math.floor((position.line - SNAPSHOT_LINE_STEP) / SNAPSHOT_LINE_STEP) * SNAPSHOT_LINE_STEP);
    const endLine = Math.min(document.lineCount - 1, position.line + SNAPSHOT_LINES_AFTER);
    windowStart = document.offsetAt(new vscode.Position(startLine, 0));
    let windowEnd = document.offsetAt(document.lineAt(endLine).range.end);
    if (windowEnd - windowStart > MAX_SNAPSHOT_CHARS) {
      // Very long lines (minified code): a window of characters around the cursor instead.
      windowStart = Math.max(0, cursor - MAX_SNAPSHOT_CHARS * 0.75);
      windowEnd = Math.min(length, windowStart + MAX_SNAPSHOT_CHARS);
    }
    text = document.getText(new vscode.Range(document.positionAt(windowStart), document.positionAt(windowEnd)));
  }
  const tabSize = typeof options?.tabSize === "number" ? options.tabSize : 4;
  const snapshot: DocumentSnapshot = {
    // A cell's uri names the cell, not only its notebook: cache entries stay per cell.
    uri: document.uri.toString(),
    languageId: document.languageId,
    filePath: vscode.workspace.asRelativePath(document.uri),
    text,
    offset: cursor - windowStart,
    windowStart,
    indent: { useTabs: options?.insertSpaces === false, size: tabSize },
  };
  // A notebook cell is read after the notebook's earlier cells, when the whole cell fits.
  const cell = length <= MAX_SNAPSHOT_CHARS ? notebookCellOf(document) : undefined;
  return cell ? inNotebook(snapshot, cell) : snapshot;
}
