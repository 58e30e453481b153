/**
 * The extension's handle on the context worker: starts it on first need, sends typed
 * requests, restarts it after a crash (callers reopen documents on `onDidRestart`),
 * and gathers completion context with a time budget per source.
 */
import { Worker } from "node:worker_threads";
import { Emitter } from "../core/emitter";
import type { CompletionSyntaxReport } from "./analysis/syntaxCheck";
import {
  isWorkerMessage, type ChangeDocumentParams, type CheckCompletionParams, type ContextMethod, type ContextMethods, type FileAccessParams, type FileChangedParams,
  type IndexFoldersParams, type OpenDocumentParams, type ParamsOf, type RecordRecentParams, type ResultOf, type WorkerStats,
} from "./contextProtocol";
import type { ContentChange, ContextChunk, FileOutline, LineRange, Scope } from "./contextTypes";
import type { IndexProgress, IndexSummary } from "./index/workspaceIndex";
import type { SymbolMatch } from "./retrieval/chatSources";
import type { CompletionSource } from "./retrieval/completionSources";

export interface ContextClientOptions {
  /** dist/contextWorker.js in the extension, out/src/context/worker.js in tests. */
  workerPath: string;
}

/** Milliseconds each completion source may take; 0 turns a source off. */
export interface CompletionBudgets {
  importSignatureMs: number;
  similarWindowMs: number;
  enclosingHeaderMs: number;
  recentMs: number;
  /** Most chunks from one source. */
  maxChunksPerSource: number;
}

export const DEFAULT_COMPLETION_BUDGETS: CompletionBudgets = {
  importSignatureMs: 40, similarWindowMs: 25, enclosingHeaderMs: 15, recentMs: 10, maxChunksPerSource: 4,
};

export interface CompletionContextRequest {
  uri: string;
  offset: number;
  /** Lines of the current file already in the prompt (prefix and suffix windows). */
  window: LineRange;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Sources in prompt order: the most stable first (DESIGN.md, prompt layout for cache reuse). */
const SOURCE_ORDER: readonly [CompletionSource, keyof CompletionBudgets][] = [
  ["import-signature", "importSignatureMs"],
  ["recent", "recentMs"],
  ["similar-window", "similarWindowMs"],
  ["enclosing-header", "enclosingHeaderMs"],
];

export class ContextClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;
  private started = false;
  /** Sent as the first message to every worker started (a restarted one included). */
  private fileAccess: FileAccessParams | undefined;
  private readonly progressEmitter = new Emitter<IndexProgress>();
  private readonly logEmitter = new Emitter<{ level: "info" | "warn" | "error"; message: string }>();
  private readonly restartEmitter = new Emitter<void>();
  readonly onIndexProgress = this.progressEmitter.event;
  readonly onLog = this.logEmitter.event;
  /** The worker was restarted after a crash: open documents must be sent again. */
  readonly onDidRestart = this.restartEmitter.event;

  constructor(private readonly options: ContextClientOptions) {}

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.workerPath);
    worker.on("message", (message: unknown) => this.receive(message));
    worker.on("error", (error) => this.logEmitter.fire({ level: "error", message: `Context worker failed: ${error.message}` }));
    worker.on("exit", (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const pending of this.pending.values()) pending.reject(new Error(`The context worker stopped (code ${code}).`));
      this.pending.clear();
      if (!this.disposed) this.restartEmitter.fire();
    });
    // Idle, the worker must not keep the process alive; with requests pending it must (see track()).
    worker.unref();
    this.worker = worker;
    this.started = true;
    // Before any document or request reaches it: an untrusted workspace must never be read by a fresh worker.
    if (this.fileAccess) this.notify("setFileAccess", this.fileAccess);
    return worker;
  }

  get isRunning(): boolean {
    return this.worker !== undefined;
  }

  private receive(message: unknown): void {
    if (!isWorkerMessage(message)) return;
    if ("event" in message) {
      if (message.event === "indexProgress") this.progressEmitter.fire(message.data);
      else this.logEmitter.fire(message.data);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new Error(message.error));
  }

  request<M extends ContextMethod>(method: M, params: ContextMethods[M]["params"]): Promise<ResultOf<M>> {
    if (this.disposed) return Promise.reject(new Error("The context worker has been shut down."));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      // The worker's handler for `method` returns ResultOf<M> (ContextService.handlers is typed per method).
      this.pending.set(id, { resolve: (value) => resolve(value as ResultOf<M>), reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, method, params });
    });
  }

  /** Sends a request whose answer nobody waits for (document sync); failures are logged. */
  private notify<M extends ContextMethod>(method: M, params: ParamsOf<M>): void {
    void this.request(method, params).catch((error: unknown) => this.logEmitter.fire({ level: "warn", message: `${method}: ${String(error)}` }));
  }

  openDocument(params: OpenDocumentParams): Promise<ResultOf<"openDocument">> {
    return this.request("openDocument", params);
  }

  changeDocument(uri: string, version: number, changes: ContentChange[]): void {
    const params: ChangeDocumentParams = { uri, version, changes };
    this.notify("changeDocument", params);
  }

  closeDocument(uri: string): void {
    this.notify("closeDocument", { uri });
  }

  syntaxTree(uri: string): Promise<string | null> {
    return this.request("syntaxTree", { uri });
  }

  scopesAt(uri: string, offset: number): Promise<Scope[]> {
    return this.request("scopesAt", { uri, offset });
  }

  outline(uri: string): Promise<FileOutline | null> {
    return this.request("outline", { uri });
  }

  identifiersNear(uri: string, offset: number, linesAbove = 20, linesBelow = 5): Promise<string[]> {
    return this.request("identifiersNear", { uri, offset, linesAbove, linesBelow });
  }

  /**
   * Context chunks for a completion. Each source gets its own budget; a source that is
   * late is skipped (its answer, when it comes, is dropped), never awaited.
   */
  async gatherForCompletion(request: CompletionContextRequest, budgets: CompletionBudgets = DEFAULT_COMPLETION_BUDGETS): Promise<ContextChunk[]> {
    const sentAt = Date.now();
    const results = await Promise.all(SOURCE_ORDER.map(([source, budgetKey]) => {
      const budgetMs = budgets[budgetKey];
      if (budgetMs <= 0) return Promise.resolve([]);
      const answer = this.request("completionSource", { ...request, source, budgetMs, sentAt, maxChunks: budgets.maxChunksPerSource });
      return withinBudget(answer, budgetMs, []);
    }));
    return results.flat();
  }

  recordRecent(params: RecordRecentParams): void {
    this.notify("recordRecent", params);
  }

  checkCompletion(params: CheckCompletionParams): Promise<CompletionSyntaxReport> {
    return this.request("checkCompletion", params);
  }

  searchSymbols(query: string, limit = 20): Promise<SymbolMatch[]> {
    return this.request("searchSymbols", { query, limit });
  }

  indexedFiles(limit: number): Promise<ResultOf<"indexedFiles">> {
    return this.request("indexedFiles", { limit });
  }

  definitionForSelection(uri: string, startOffset: number, endOffset: number): Promise<ContextChunk | null> {
    return this.request("definitionForSelection", { uri, startOffset, endOffset });
  }

  filesNamedIn(question: string, limit = 3): Promise<ContextChunk[]> {
    return this.request("filesNamedIn", { question, limit });
  }

  indexFolders(params: IndexFoldersParams): Promise<IndexSummary> {
    return this.request("indexFolders", params);
  }

  cancelIndexing(): Promise<null> {
    return this.request("cancelIndexing", {});
  }

  fileChanged(path: string, change: FileChangedParams["change"]): Promise<null> {
    return this.request("fileChanged", { path, change });
  }

  fileRenamed(oldPath: string, newPath: string): Promise<null> {
    return this.request("fileRenamed", { oldPath, newPath });
  }

  /**
   * Whether the worker may read files the user has not opened (false in an untrusted
   * workspace). Remembered and sent first to any worker started later.
   */
  setFileAccess(readUnopenedFiles: boolean): Promise<null> {
    this.fileAccess = { readUnopenedFiles };
    return this.worker ? this.request("setFileAccess", this.fileAccess) : Promise.resolve(null);
  }

  flushIndex(): Promise<null> {
    return this.request("flushIndex", {});
  }

  stats(): Promise<WorkerStats> {
    return this.request("stats", {});
  }

  /** Writes the index and stops the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.worker) await this.flushIndex().catch(() => undefined);
    this.disposed = true;
    const worker = this.worker;
    this.worker = undefined;
    for (const pending of this.pending.values()) pending.reject(new Error("The context worker has been shut down."));
    this.pending.clear();
    this.progressEmitter.dispose();
    this.logEmitter.dispose();
    this.restartEmitter.dispose();
    if (worker && this.started) await worker.terminate();
  }
}

/** The answer if it comes within `ms`, else `fallback`; a late failure is swallowed. */
export function withinBudget<T>(answer: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), ms); });
  const settled = answer.then((value) => value, () => fallback);
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}
