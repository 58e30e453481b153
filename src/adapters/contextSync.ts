/**
 * Keeps the context worker in step with VS Code: open documents and their edits,
 * file events for the workspace index, exclude settings, workspace trust (untrusted:
 * only opened documents are analyzed; the index starts when trust is granted), a
 * status bar item while indexing, and the calls the completion provider and the chat make.
 */
import * as vscode from "vscode";
import type { CompletionSyntaxReport } from "../context/analysis/syntaxCheck";
import { ContextClient, DEFAULT_COMPLETION_BUDGETS, type CompletionBudgets } from "../context/contextClient";
import type { ContextChunk } from "../context/contextTypes";
import { STALE_DOCUMENT } from "../context/contextProtocol";
import type { IndexProgress } from "../context/index/workspaceIndex";
import type { SymbolMatch } from "../context/retrieval/chatSources";
import { workspaceAccess, type WorkspaceAccess } from "../context/workspaceAccess";

/** A completion's place: it replaces this many characters after the cursor; its block's header line starts at this offset in it. */
export interface SyntaxQuery {
  replaceLength: number;
  headerOffset: number;
}

/** The prompt window, as laid out by src/core/completion/promptLayout.ts (DEFAULT_LAYOUT). */
export interface CompletionWindow {
  prefixLines: number;
  suffixLines: number;
  windowStep: number;
}

export type CompletionContextBudgets = Partial<CompletionBudgets> & Partial<CompletionWindow>;

const DEFAULT_WINDOW: CompletionWindow = { prefixLines: 96, suffixLines: 24, windowStep: 32 };
const SYNCED_SCHEMES: ReadonlySet<string> = new Set(["file", "untitled"]);
const VISIT_LINES = 16;
const SETTING_SECTION = "hearth.context";
const SETTING_NAME = "indexWorkspace";

function excludeGlobs(section: "files" | "search"): string[] {
  const value: unknown = vscode.workspace.getConfiguration(section).get("exclude");
  if (typeof value !== "object" || value === null) return [];
  // Only plain `true` entries: `{ when: … }` entries depend on sibling files, which the worker does not check.
  return Object.entries(value).filter(([, enabled]) => enabled === true).map(([glob]) => glob);
}

export class ContextSync implements vscode.Disposable {
  readonly client: ContextClient;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly statusItem = vscode.window.createStatusBarItem("hearth.contextIndex", vscode.StatusBarAlignment.Right, 98);
  private lastEditor: vscode.TextEditor | undefined;
  private reindexTimer: NodeJS.Timeout | undefined;
  private toldUntrusted = false;
  private toldStalled = false;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {
    this.client = new ContextClient({ workerPath: vscode.Uri.joinPath(context.extensionUri, "dist", "contextWorker.js").fsPath });
    this.statusItem.name = "Hearth: Workspace Index";
    const { client } = this;
    this.subscriptions.push(
      this.statusItem,
      { dispose: client.onLog((line) => log[line.level](`[context] ${line.message}`)).dispose },
      { dispose: client.onIndexProgress((progress) => this.showProgress(progress)).dispose },
      { dispose: client.onDidRestart((restart) => {
        log.warn("[context] The context worker restarted; reopening documents.");
        if (restart.cause === "stall") this.tellStalled(restart.message);
        this.openAll();
        this.scheduleReindex();
      }).dispose },
      { dispose: client.onDidGiveUp((message) => void this.offerLog(`Hearth: ${message}`)).dispose },
      vscode.workspace.onDidOpenTextDocument((document) => this.open(document)),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (this.synced(document)) client.closeDocument(document.uri.toString());
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (!this.synced(event.document) || event.contentChanges.length === 0) return;
        client.changeDocument(event.document.uri.toString(), event.document.version,
          event.contentChanges.map((change) => ({ rangeOffset: change.rangeOffset, rangeLength: change.rangeLength, text: change.text })));
      }),
      vscode.workspace.onDidSaveTextDocument((document) => this.fileEvent(document.uri, "changed")),
      vscode.workspace.onDidRenameFiles((event) => {
        if (!this.access().readUnopenedFiles) return;
        for (const file of event.files) {
          if (file.oldUri.scheme === "file" && file.newUri.scheme === "file") void client.fileRenamed(file.oldUri.fsPath, file.newUri.fsPath).catch((error: unknown) => this.warn(error));
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleReindex()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        log.info("[context] Workspace trusted: indexing its files.");
        void this.client.setFileAccess(true).catch((error: unknown) => this.warn(error));
        this.scheduleReindex(0);
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`${SETTING_SECTION}.${SETTING_NAME}`) || event.affectsConfiguration("files.exclude") || event.affectsConfiguration("search.exclude")) this.scheduleReindex();
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => this.visited(editor)),
    );
    // Files changed outside the editor (git checkout, code generators) and created or deleted ones.
    const watcher = vscode.workspace.createFileSystemWatcher("**/*");
    this.subscriptions.push(
      watcher,
      watcher.onDidCreate((uri) => this.fileEvent(uri, "created")),
      watcher.onDidChange((uri) => this.fileEvent(uri, "changed")),
      watcher.onDidDelete((uri) => this.fileEvent(uri, "deleted")),
    );
    this.lastEditor = vscode.window.activeTextEditor;
    // Stored by the client and sent before the first document reaches the worker.
    void this.client.setFileAccess(vscode.workspace.isTrusted);
    this.openAll();
    this.scheduleReindex(0);
  }

  private synced(document: vscode.TextDocument): boolean {
    return SYNCED_SCHEMES.has(document.uri.scheme);
  }

  private open(document: vscode.TextDocument): void {
    if (!this.synced(document)) return;
    void this.client.openDocument({
      uri: document.uri.toString(), filePath: document.uri.scheme === "file" ? document.uri.fsPath : document.uri.toString(),
      languageId: document.languageId, version: document.version, text: document.getText(),
    }).catch((error: unknown) => this.warn(error));
  }

  private openAll(): void {
    for (const document of vscode.workspace.textDocuments) this.open(document);
  }

  private fileEvent(uri: vscode.Uri, change: "changed" | "created" | "deleted"): void {
    if (uri.scheme !== "file" || this.access().index !== "index") return;
    void this.client.fileChanged(uri.fsPath, change).catch((error: unknown) => this.warn(error));
  }

  /** The region of the editor being left becomes a "recently visited" chunk. */
  private visited(editor: vscode.TextEditor | undefined): void {
    const previous = this.lastEditor;
    this.lastEditor = editor;
    if (!previous || previous.document.isClosed || !this.synced(previous.document)) return;
    const line = previous.selection.active.line;
    const startLine = Math.max(0, line - VISIT_LINES);
    const endLine = Math.min(previous.document.lineCount - 1, line + VISIT_LINES);
    const text = previous.document.getText(new vscode.Range(startLine, 0, endLine, previous.document.lineAt(endLine).text.length));
    this.client.recordRecent({ kind: "visit", filePath: previous.document.uri.fsPath, range: { startLine, endLine }, text });
  }

  private localFolders(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === "file").map((folder) => folder.uri.fsPath);
  }

  private access(): WorkspaceAccess {
    return workspaceAccess({
      trusted: vscode.workspace.isTrusted,
      indexSetting: vscode.workspace.getConfiguration(SETTING_SECTION).get<boolean>(SETTING_NAME, true),
      folderCount: this.localFolders().length,
    });
  }

  /** Re-indexes after settings or folders change; bursts of changes cause one run. */
  private scheduleReindex(delayMs = 1000): void {
    if (this.reindexTimer) clearTimeout(this.reindexTimer);
    this.reindexTimer = setTimeout(() => {
      this.reindexTimer = undefined;
      void this.reindex();
    }, delayMs);
  }

  private async reindex(): Promise<void> {
    const folders = this.localFolders();
    const access = this.access();
    if (access.index !== "index") {
      await this.client.cancelIndexing().catch(() => null);
      this.statusItem.hide();
      if (access.index === "off-untrusted" && !this.toldUntrusted) {
        this.toldUntrusted = true;
        this.log.info("[context] This workspace is not trusted: Hearth analyzes only the files you open. The workspace index starts when you trust the folder.");
      }
      return;
    }
    const storage = vscode.Uri.joinPath(this.context.storageUri ?? this.context.globalStorageUri, "context").fsPath;
    try {
      const summary = await this.client.indexFolders({ folders, storageDir: storage, excludes: [...excludeGlobs("files"), ...excludeGlobs("search")] });
      if (summary.cancelled) return;
      for (const folder of summary.folders) {
        this.log.info(`[context] Indexed ${folder.files} files of ${folder.folder} in ${Math.round(folder.ms)} ms (${folder.parsed} parsed, ${folder.reused} unchanged, ${folder.skipped} skipped).`);
      }
    } catch (error) {
      this.warn(error);
    }
  }

  private showProgress(progress: IndexProgress): void {
    if (progress.phase === "done" || progress.phase === "cancelled") {
      this.statusItem.hide();
      return;
    }
    const name = progress.folder.replace(/^.*[\\/]/, "");
    this.statusItem.text = progress.total > 0 ? `$(sync~spin) Hearth: indexing ${progress.done}/${progress.total}` : "$(sync~spin) Hearth: indexing…";
    this.statusItem.tooltip = `Hearth is indexing the symbols of ${name} for completion context.`;
    this.statusItem.show();
  }

  /** Once a session: the worker's log line says it each time, the notification says it once. */
  private tellStalled(message: string): void {
    if (this.toldStalled) return;
    this.toldStalled = true;
    void this.offerLog(`Hearth: ${message} Completions and the chat go on; "Hearth: Show Log" has the details.`);
  }

  private async offerLog(message: string): Promise<void> {
    if (await vscode.window.showWarningMessage(message, "Show Log") === "Show Log") await vscode.commands.executeCommand("hearth.showLog");
  }

  private warn(error: unknown): void {
    this.log.warn(`[context] ${error instanceof Error ? error.message : String(error)}`);
  }

  /**
   * Context chunks for a completion at `position`; each source has its own budget and
   * a late one is skipped. The window arguments must match the prompt layout so
   * chunks do not repeat the prefix and suffix.
   */
  gatherForCompletion(document: vscode.TextDocument, position: vscode.Position, budgets: CompletionContextBudgets = {}): Promise<ContextChunk[]> {
    if (!this.synced(document)) return Promise.resolve([]);
    const window = { ...DEFAULT_WINDOW, ...budgets };
    const firstAllowed = Math.max(0, position.line - window.prefixLines);
    const startLine = Math.floor(firstAllowed / window.windowStep) * window.windowStep;
    return this.client.gatherForCompletion(
      { uri: document.uri.toString(), offset: document.offsetAt(position), window: { startLine, endLine: position.line + window.suffixLines } },
      { ...DEFAULT_COMPLETION_BUDGETS, ...budgets },
    ).catch(() => []);
  }

  /**
   * Where the block a completion opened ends, and whether it adds syntax errors. The worker
   * already has a synced document's text: only a stale one is sent whole.
   */
  async checkCompletion(document: vscode.TextDocument, position: vscode.Position, completion: string, query: SyntaxQuery): Promise<CompletionSyntaxReport> {
    const offset = document.offsetAt(position);
    const params = {
      languageId: document.languageId, offset, completion, replaceEnd: offset + query.replaceLength, headerOffset: query.headerOffset,
      uri: document.uri.toString(), version: document.version,
    };
    if (this.synced(document)) {
      try {
        return await this.client.checkCompletion(params);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.includes(STALE_DOCUMENT)) throw error;
      }
    }
    return this.client.checkCompletion({ ...params, text: document.getText() });
  }

  searchSymbols(query: string, limit = 20): Promise<SymbolMatch[]> {
    return this.client.searchSymbols(query, limit);
  }

  definitionForSelection(document: vscode.TextDocument, selection: vscode.Range): Promise<ContextChunk | null> {
    return this.client.definitionForSelection(document.uri.toString(), document.offsetAt(selection.start), document.offsetAt(selection.end));
  }

  filesNamedIn(question: string, limit = 3): Promise<ContextChunk[]> {
    return this.client.filesNamedIn(question, limit);
  }

  dispose(): void {
    if (this.reindexTimer) clearTimeout(this.reindexTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    void this.client.dispose();
  }
}
