/**
 * The extension's handle on the context worker: starts it on first need, sends typed
 * requests, restarts it after a crash or when it stops answering (callers reopen
 * documents on `onDidRestart`), and gathers completion context with a time budget per source.
 *
 * Every request has a deadline (`answerTimeoutMs`), except indexing, which may take
 * minutes: while it runs, pings check that the worker's thread still answers. A worker
 * that misses a deadline is blocked or stuck (a read that never returns, a parse that
 * does not end): it is terminated, its pending requests fail with a message naming what
 * it was asked, and the next request starts a fresh one. After `maxRestarts` crashes or
 * stalls within `restartWindowMs` the client stops restarting it (onDidGiveUp), so a file
 * that blocks the worker every time cannot cause a restart loop.
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
  /** Milliseconds a request (or, while the index is built, a ping) may wait for its answer; default 15 s. */
  answerTimeoutMs?: number;
  /** Crashes and stalls within `restartWindowMs` after which the worker is not restarted; default 3 in 5 minutes. */
  maxRestarts?: number;
  restartWindowMs?: number;
}

/** Why the worker was replaced: shown in the log, and to the user when it had stopped answering. */
export interface WorkerRestart {
  cause: "crash" | "stall";
  message: string;
}

const DEFAULT_ANSWER_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_RESTARTS = 3;
const DEFAULT_RESTART_WINDOW_MS = 5 * 60_000;
/** Requests that may run for minutes; they get no deadline of their own (pings watch the worker instead). */
const UNBOUNDED_METHODS: ReadonlySet<ContextMethod> = new Set(["indexFolders"]);
/** How long dispose() waits for a worker to stop: one blocked in a system call never does. */
const TERMINATE_WAIT_MS = 2000;

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
  /** The method and the file or document it concerns, for the message if the worker never answers. */
  what: string;
  unbounded: boolean;
  deadline: NodeJS.Timeout | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** `fileChanged /ws/src/zero.ts`: a request as the user can act on it (which file it was about). */
function describeRequest(method: ContextMethod, params: unknown): string {
  if (!isRecord(params)) return method;
  const subject = [params.path, params.newPath, params.filePath, params.uri, params.folders].find((value) => typeof value === "string" || Array.isArray(value));
  return subject === undefined ? method : `${method} ${Array.isArray(subject) ? subject.join(", ") : String(subject)}`;
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
  private readonly restartEmitter = new Emitter<WorkerRestart>();
  private readonly giveUpEmitter = new Emitter<string>();
  readonly onIndexProgress = this.progressEmitter.event;
  readonly onLog = this.logEmitter.event;
  /** The worker crashed or stopped answering and was replaced: open documents must be sent again. */
  readonly onDidRestart = this.restartEmitter.event;
  /** The worker failed too often and is not restarted any more (the message says so, and what to do). */
  readonly onDidGiveUp = this.giveUpEmitter.event;
  private readonly answerTimeoutMs: number;
  private readonly restarts: number[] = [];
  private gaveUp: string | undefined;
  /** Checks, while an unbounded request runs, that the worker still answers. */
  private pingTimer: NodeJS.Timeout | undefined;
  private pinging = false;

  constructor(private readonly options: ContextClientOptions) {
    this.answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    if (this.gaveUp) throw new Error(this.gaveUp);
    const worker = new Worker(this.options.workerPath);
    worker.on("message", (message: unknown) => this.receive(message));
    worker.on("error", (error) => this.logEmitter.fire({ level: "error", message: `Context worker failed: ${error.message}` }));
    worker.on("exit", (code) => {
      if (this.worker !== worker) return;
      this.replaceWorker({ cause: "crash", message: `The context worker stopped (code ${code}).` });
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
    this.settled(message.id, pending);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new Error(message.error));
  }

  request<M extends ContextMethod>(method: M, params: ContextMethods[M]["params"]): Promise<ResultOf<M>> {
    if (this.disposed) return Promise.reject(new Error("The context worker has been shut down."));
    let worker: Worker;
    try {
      worker = this.ensureWorker();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const id = this.nextId++;
    const what = describeRequest(method, params);
    const unbounded = UNBOUNDED_METHODS.has(method);
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const deadline = unbounded ? undefined : setTimeout(() => this.stalled(worker, what), this.answerTimeoutMs);
      // The worker's handler for `method` returns ResultOf<M> (ContextService.handlers is typed per method).
      this.pending.set(id, { resolve: (value) => resolve(value as ResultOf<M>), reject, what, unbounded, deadline });
      if (this.pending.size === 1) worker.ref();
      if (unbounded) this.watchWhileUnbounded();
      worker.postMessage({ id, method, params });
    });
  }

  private settled(id: number, pending: Pending): void {
    this.pending.delete(id);
    clearTimeout(pending.deadline);
    if (this.pending.size === 0) this.worker?.unref();
    if (![...this.pending.values()].some((other) => other.unbounded)) this.stopPings();
  }

  /** While an unbounded request is pending, a ping every half deadline: a blocked thread misses the ping's deadline. */
  private watchWhileUnbounded(): void {
    if (this.pingTimer) return;
    this.pingTimer = setInterval(() => {
      if (this.pinging) return;
      this.pinging = true;
      this.request("ping", {}).catch(() => undefined).finally(() => { this.pinging = false; });
    }, Math.max(1, Math.floor(this.answerTimeoutMs / 2)));
  }

  private stopPings(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  /** A request to `worker` went unanswered past its deadline: the worker is blocked and is replaced. */
  private stalled(worker: Worker, what: string): void {
    if (this.worker !== worker || this.disposed) return;
    const seconds = Math.round(this.answerTimeoutMs / 100) / 10;
    // A missed ping: what the worker was busy with is the long request the ping was watching.
    const busyWith = what === "ping" ? [...this.pending.values()].find((pending) => pending.unbounded)?.what : undefined;
    const message = busyWith
      ? `The context worker stopped answering during "${busyWith}" (no answer within ${seconds} s) and was restarted.`
      : `The context worker did not answer "${what}" within ${seconds} s and was restarted.`;
    this.replaceWorker({ cause: "stall", message });
    // Terminating interrupts JavaScript; a thread blocked in a system call stops only when the call
    // returns, and must not keep the extension host's process alive meanwhile.
    worker.unref();
    void worker.terminate().catch(() => undefined);
  }

  /** Fails what the old worker had pending, and lets the next request start a new one (or, too often, none). */
  private replaceWorker(restart: WorkerRestart): void {
    this.worker = undefined;
    this.stopPings();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) {
      clearTimeout(request.deadline);
      request.reject(new Error(restart.message));
    }
    if (this.disposed) return;
    const now = Date.now();
    const windowMs = this.options.restartWindowMs ?? DEFAULT_RESTART_WINDOW_MS;
    this.restarts.push(now);
    while (now - this.restarts[0] > windowMs) this.restarts.shift();
    if (this.restarts.length >= (this.options.maxRestarts ?? DEFAULT_MAX_RESTARTS)) {
      const last = restart.message.replace(/ and was restarted\.$/, "");
      this.gaveUp = `The context worker failed ${this.restarts.length} times within ${Math.round(windowMs / 60_000)} minutes (last: ${last}) and was not started again: ` +
        "completions and the chat go on without workspace context. Reload the window to try again.";
      this.logEmitter.fire({ level: "error", message: this.gaveUp });
      this.giveUpEmitter.fire(this.gaveUp);
      return;
    }
    this.logEmitter.fire({ level: "warn", message: restart.message });
    this.restartEmitter.fire(restart);
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
    this.stopPings();
    for (const pending of this.pending.values()) {
      clearTimeout(pending.deadline);
      pending.reject(new Error("The context worker has been shut down."));
    }
    this.pending.clear();
    this.progressEmitter.dispose();
    this.logEmitter.dispose();
    this.restartEmitter.dispose();
    this.giveUpEmitter.dispose();
    if (worker && this.started) await withinBudget(worker.terminate().then(() => undefined), TERMINATE_WAIT_MS, undefined);
  }
}

/** The answer if it comes within `ms`, else `fallback`; a late failure is swallowed. */
export function withinBudget<T>(answer: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), ms); });
  const settled = answer.then((value) => value, () => fallback);
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}
