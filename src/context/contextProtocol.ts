/**
 * The one protocol between the extension host and the context worker. Each method
 * maps to exactly one params type and one result type; the worker also sends events.
 */
import type { CompletionSyntaxReport } from "./analysis/syntaxCheck";
import type { ContentChange, ContextChunk, FileOutline, LineRange, Scope } from "./contextTypes";
import type { IndexProgress, IndexSummary } from "./index/workspaceIndex";
import type { SymbolMatch } from "./retrieval/chatSources";
import type { CompletionSource } from "./retrieval/completionSources";
import type { RecentKind } from "./retrieval/recentChunks";

export interface DocumentRef {
  uri: string;
}

export interface OpenDocumentParams extends DocumentRef {
  /** Absolute file-system path (used to resolve imports and to find the index entry). */
  filePath: string;
  languageId: string;
  version: number;
  text: string;
}

export interface ChangeDocumentParams extends DocumentRef {
  version: number;
  changes: ContentChange[];
}

export interface CompletionSourceParams extends DocumentRef {
  source: CompletionSource;
  offset: number;
  /** The prompt's prefix/suffix window in the current file, not to be repeated. */
  window: LineRange;
  /** Milliseconds this source may take, counted from when the client sent the request. */
  budgetMs: number;
  /** Date.now() when sent: time the request spent queued counts against the budget. */
  sentAt: number;
  maxChunks: number;
}

export interface RecordRecentParams {
  kind: RecentKind;
  filePath: string;
  range: LineRange;
  text: string;
}

export interface CheckCompletionParams {
  languageId: string;
  /** The document's text; omitted when the worker has the open document `uri` at `version` (it fails with STALE_DOCUMENT otherwise). */
  text?: string;
  offset: number;
  completion: string;
  /** The completion replaces the text from `offset` to here (text after the cursor it repeats); default `offset`. */
  replaceEnd?: number;
  /** Offset in the completion of the line its block starts on; 0: the cursor's line. */
  headerOffset?: number;
  /** An open document whose tree at `version` may be reused instead of a full parse. */
  uri?: string;
  version?: number;
}

/** checkCompletion without text for a document the worker does not have at that version. */
export const STALE_DOCUMENT = "the worker does not have this version of the document";

export interface IndexFoldersParams {
  folders: string[];
  storageDir: string;
  excludes: string[];
  /** Analyzer threads besides the worker; left out, one per spare core (tests and the benchmark set it). */
  analyzerThreads?: number;
}

export interface FileChangedParams {
  path: string;
  change: "changed" | "created" | "deleted";
}

export interface FileAccessParams {
  /** False in an untrusted workspace: only open documents are analyzed (src/context/workspaceAccess.ts). */
  readUnopenedFiles: boolean;
}

export interface WorkerStats {
  /** Parses so far, analyzer threads' included. */
  parses: number;
  /** Of those, the parses analyzer threads ran while indexing. */
  analyzerParses: number;
  openDocuments: number;
  trees: number;
  indexedFiles: number;
  heapUsed: number;
}

export interface ContextMethods {
  openDocument: { params: OpenDocumentParams; result: { verdict: string; hasTree: boolean } };
  changeDocument: { params: ChangeDocumentParams; result: null };
  closeDocument: { params: DocumentRef; result: null };
  /** The tree as an S-expression (tests compare incremental and fresh parses). */
  syntaxTree: { params: DocumentRef; result: string | null };
  scopesAt: { params: DocumentRef & { offset: number }; result: Scope[] };
  outline: { params: DocumentRef; result: FileOutline | null };
  identifiersNear: { params: DocumentRef & { offset: number; linesAbove: number; linesBelow: number }; result: string[] };
  completionSource: { params: CompletionSourceParams; result: ContextChunk[] };
  recordRecent: { params: RecordRecentParams; result: null };
  checkCompletion: { params: CheckCompletionParams; result: CompletionSyntaxReport };
  searchSymbols: { params: { query: string; limit: number }; result: SymbolMatch[] };
  /** Absolute paths of indexed files (the `@` picker's file list), at most `limit`, and how many there are. */
  indexedFiles: { params: { limit: number }; result: { paths: string[]; total: number } };
  definitionForSelection: { params: DocumentRef & { startOffset: number; endOffset: number }; result: ContextChunk | null };
  filesNamedIn: { params: { question: string; limit: number }; result: ContextChunk[] };
  indexFolders: { params: IndexFoldersParams; result: IndexSummary };
  cancelIndexing: { params: Record<string, never>; result: null };
  fileChanged: { params: FileChangedParams; result: null };
  fileRenamed: { params: { oldPath: string; newPath: string }; result: null };
  flushIndex: { params: Record<string, never>; result: null };
  setFileAccess: { params: FileAccessParams; result: null };
  stats: { params: Record<string, never>; result: WorkerStats };
  /** Answers at once: the client's check that the worker's thread is not blocked while a long request runs. */
  ping: { params: Record<string, never>; result: null };
}

export type ContextMethod = keyof ContextMethods;
export type ParamsOf<M extends ContextMethod> = ContextMethods[M]["params"];
export type ResultOf<M extends ContextMethod> = ContextMethods[M]["result"];

export interface ContextEvents {
  indexProgress: IndexProgress;
  log: { level: "info" | "warn" | "error"; message: string };
}

export type ContextEvent = keyof ContextEvents;

export type ClientToWorker = { [M in ContextMethod]: { id: number; method: M; params: ParamsOf<M> } }[ContextMethod];

export type WorkerEvent = { [E in ContextEvent]: { event: E; data: ContextEvents[E] } }[ContextEvent];

export type WorkerToClient =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | WorkerEvent;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Checks the envelope of a message from the worker (its payload is typed by the request that asked for it). */
export function isWorkerMessage(value: unknown): value is WorkerToClient {
  if (!isRecord(value)) return false;
  if (typeof value.id === "number") return typeof value.ok === "boolean";
  return value.event === "indexProgress" || value.event === "log";
}
