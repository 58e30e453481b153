/**
 * The worker's side of the protocol: documents and their trees, the workspace
 * index, the recent-chunk ring and retrieval. Plain class, no worker_threads, so
 * tests and benchmarks can also run it in-process.
 */
import { checkCompletionText } from "./analysis/completionCheck";
import type { CompletionSyntaxReport } from "./analysis/syntaxCheck";
import { identifiersNear, scopesAt } from "./analysis/scopes";
import type { ContextChunk, LineRange } from "./contextTypes";
import { STALE_DOCUMENT, type ContextMethod, type ContextMethods, type ParamsOf, type ResultOf, type WorkerEvent } from "./contextProtocol";
import { WorkspaceIndex, type WorkspaceIndexOptions } from "./index/workspaceIndex";
import { DocumentStore, type DocumentState } from "./parsing/documentStore";
import { parseCounter } from "./parsing/parsers";
import { definitionForSelection, filesNamedIn, searchSymbols } from "./retrieval/chatSources";
import { enclosingHeaders, importSignatures, recentChunks, similarWindowChunks } from "./retrieval/completionSources";
import { RecentChunks } from "./retrieval/recentChunks";
import { WorkspaceView } from "./retrieval/workspaceView";

export type EventSink = (event: WorkerEvent) => void;

type Handlers = { [M in ContextMethod]: (params: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>> };

/** Edits closer than this many lines to the pending edit region extend it. */
const EDIT_REGION_GAP = 8;
const EDIT_CONTEXT_LINES = 4;

export class ContextService {
  private readonly documents = new DocumentStore();
  private readonly index: WorkspaceIndex;
  private readonly view: WorkspaceView;
  private readonly recent = new RecentChunks();
  /** Per document, the lines being edited; committed to the ring when editing moves elsewhere. */
  private readonly editRegions = new Map<string, LineRange>();

  constructor(emit: EventSink, indexOptions: WorkspaceIndexOptions = {}) {
    this.index = new WorkspaceIndex({
      progress: (progress) => emit({ event: "indexProgress", data: progress }),
      log: (level, message) => emit({ event: "log", data: { level, message } }),
    }, indexOptions);
    this.view = new WorkspaceView(this.documents, this.index);
  }

  readonly handlers: Handlers = {
    openDocument: async (params) => {
      const state = await this.documents.open(params);
      return { verdict: state.verdict, hasTree: state.tree !== undefined };
    },
    changeDocument: (params) => {
      const state = this.documents.get(params.uri);
      if (state) for (const change of params.changes) this.trackEdit(state, state.lines.lineAt(change.rangeOffset));
      this.documents.change(params.uri, params.version, params.changes);
      return null;
    },
    closeDocument: (params) => {
      const state = this.documents.get(params.uri);
      if (state) this.commitEdit(state);
      this.documents.close(params.uri);
      return null;
    },
    syntaxTree: (params) => this.documents.get(params.uri)?.tree?.rootNode.toString() ?? null,
    scopesAt: (params) => {
      const state = this.documents.get(params.uri);
      return state ? scopesAt(state, this.documents.definitionsAt(state, params.offset), params.offset) : [];
    },
    outline: (params) => {
      const state = this.documents.get(params.uri);
      return state ? this.documents.outline(state) : null;
    },
    identifiersNear: (params) => {
      const state = this.documents.get(params.uri);
      if (!state) return [];
      const line = state.lines.lineAt(params.offset);
      return identifiersNear(state, line - params.linesAbove, line + params.linesBelow, params.offset);
    },
    completionSource: (params) => this.completionSource(params),
    recordRecent: (params) => {
      this.recent.add({ ...params, filePath: this.view.displayPath(params.filePath) });
      return null;
    },
    checkCompletion: (params) => this.checkCompletion(params),
    searchSymbols: (params) => searchSymbols(this.view, params.query, params.limit),
    indexedFiles: (params) => {
      const paths: string[] = [];
      for (const entry of this.index.allFiles()) {
        if (paths.length >= params.limit) break;
        paths.push(entry.path);
      }
      return { paths, total: this.index.fileCount };
    },
    definitionForSelection: (params) => {
      const state = this.documents.get(params.uri);
      return state ? definitionForSelection(state, this.documents.outline(state), params.startOffset, params.endOffset, this.view) : null;
    },
    filesNamedIn: (params) => filesNamedIn(this.view, params.question, params.limit),
    indexFolders: (params) => {
      if (!this.view.readsUnopenedFiles) throw new Error("The workspace is not trusted: Hearth indexes it once you trust it.");
      this.view.setFolders(params.folders);
      return this.index.index(params);
    },
    cancelIndexing: () => {
      this.index.cancel();
      return null;
    },
    fileChanged: async (params) => {
      // Untrusted: a changed file is not read; a deleted one is still dropped.
      if (this.view.readsUnopenedFiles || params.change === "deleted") await this.index.fileChanged(params.path, params.change);
      if (params.change === "deleted") this.recent.forget(this.view.displayPath(params.path));
      return null;
    },
    fileRenamed: async (params) => {
      this.recent.forget(this.view.displayPath(params.oldPath));
      if (this.view.readsUnopenedFiles) await this.index.fileRenamed(params.oldPath, params.newPath);
      else await this.index.fileChanged(params.oldPath, "deleted");
      return null;
    },
    setFileAccess: (params) => {
      this.view.setFileAccess(params.readUnopenedFiles);
      if (!params.readUnopenedFiles) this.index.cancel();
      return null;
    },
    flushIndex: async () => {
      await this.index.flush();
      return null;
    },
    stats: () => {
      const open = this.documents.recentDocuments().filter((state) => this.documents.get(state.uri) === state);
      return {
        parses: parseCounter() + this.index.analyzerParses, analyzerParses: this.index.analyzerParses, openDocuments: open.length, trees: open.filter((state) => state.tree).length,
        indexedFiles: this.index.fileCount, heapUsed: process.memoryUsage().heapUsed,
      };
    },
    ping: () => null,
  };

  /** Runs one protocol method (the worker's message loop calls this). */
  handle<M extends ContextMethod>(method: M, params: ContextMethods[M]["params"]): ResultOf<M> | Promise<ResultOf<M>> {
    const handler: (params: ParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>> = this.handlers[method];
    return handler(params);
  }

  private async completionSource(params: ParamsOf<"completionSource">): Promise<ContextChunk[]> {
    const deadline = params.sentAt + params.budgetMs;
    const state = this.documents.get(params.uri);
    // Late already (queued behind other work): the client has moved on.
    if (!state || Date.now() > deadline) return [];
    const request = { uri: params.uri, offset: params.offset, window: params.window, deadline, maxChunks: params.maxChunks };
    switch (params.source) {
      case "enclosing-header": return enclosingHeaders(state, this.documents.definitionsAt(state, params.offset), request, this.view);
      case "recent": return recentChunks(state, this.recent, request, this.view);
      case "similar-window": return similarWindowChunks(state, request, this.view);
      case "import-signature":
        return importSignatures(state, this.documents.recentOutline(state), this.documents.definitionsAt(state, params.offset), request, this.view);
    }
  }

  private async checkCompletion(params: ParamsOf<"checkCompletion">): Promise<CompletionSyntaxReport> {
    const open = params.uri ? this.documents.get(params.uri) : undefined;
    const current = open !== undefined && open.version === params.version;
    // Without text, the open document at that version is the text (no copy of a large file per completion).
    const text = params.text ?? (current ? open.lines.text : undefined);
    if (text === undefined) throw new Error(STALE_DOCUMENT);
    const base = current && open.lines.text === text ? open.tree : undefined;
    return checkCompletionText({ ...params, text }, base);
  }

  private trackEdit(state: DocumentState, line: number): void {
    const region = this.editRegions.get(state.uri);
    if (region && line >= region.startLine - EDIT_REGION_GAP && line <= region.endLine + EDIT_REGION_GAP) {
      region.startLine = Math.min(region.startLine, line);
      region.endLine = Math.max(region.endLine, line);
      return;
    }
    this.commitEdit(state);
    this.editRegions.set(state.uri, { startLine: line, endLine: line });
  }

  /** Puts the region last edited in a document into the ring, as it reads now. */
  private commitEdit(state: DocumentState): void {
    const region = this.editRegions.get(state.uri);
    if (!region) return;
    this.editRegions.delete(state.uri);
    const startLine = Math.max(0, region.startLine - EDIT_CONTEXT_LINES);
    const endLine = Math.min(state.lines.lineCount - 1, region.endLine + EDIT_CONTEXT_LINES);
    this.recent.add({ kind: "edit", filePath: this.view.displayPath(state.filePath), range: { startLine, endLine }, text: state.lines.lines(startLine, endLine) });
  }

  dispose(): void {
    this.index.cancel();
    this.documents.dispose();
  }
}
