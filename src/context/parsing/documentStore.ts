/**
 * The open documents of the editor, each with a syntax tree kept up to date
 * incrementally: a content change edits the tree and reparses once, reusing
 * every unchanged subtree. Trees are freed when documents close.
 */
import { Edit, type Tree } from "web-tree-sitter";
import type { ContentChange, Definition, FileOutline } from "../contextTypes";
import { grammarFor, type GrammarName } from "../languages";
import { heuristicOutline } from "../analysis/heuristics";
import { definitionsFromTree, outlineFromTree } from "../analysis/outline";
import { queriesFor } from "./compiledQueries";
import { MAX_LINE_CHARS, MAX_PARSE_CHARS, textVerdict, type InputVerdict } from "./inputGuard";
import { LineIndex, pointAfter } from "./lineIndex";
import { parserFor, parserNow, parseWithLimit } from "./parsers";

/** A first parse of a large file may take a while; a keystroke's reparse should not. */
const FULL_PARSE_LIMIT_MS = 1000;
const REPARSE_LIMIT_MS = 250;
/** Closed documents kept as "recently edited files" for similar-window retrieval. */
const RECENT_CLOSED = 10;
/** How long recentOutline() may serve an outline of an older version. */
const OUTLINE_REUSE_MS = 5000;

let openings = 0;

export interface OpenDocumentParams {
  uri: string;
  filePath: string;
  languageId: string;
  version: number;
  text: string;
}

export interface DocumentState {
  uri: string;
  filePath: string;
  languageId: string;
  version: number;
  /** Distinguishes two openings of one uri (VS Code restarts versions at 1). */
  generation: number;
  lines: LineIndex;
  grammar: GrammarName | undefined;
  tree: Tree | undefined;
  verdict: InputVerdict;
  /** Date.now() of the last edit (0 if never edited while open). */
  lastEditAt: number;
  outlineCache?: { version: number; outline: FileOutline; at: number };
}

export class DocumentStore {
  private readonly documents = new Map<string, DocumentState>();
  private readonly closed: DocumentState[] = [];

  get(uri: string): DocumentState | undefined {
    return this.documents.get(uri);
  }

  /** Open documents, then recently closed ones (text only), most recently edited first. */
  recentDocuments(): DocumentState[] {
    const open = [...this.documents.values()].sort((a, b) => b.lastEditAt - a.lastEditAt);
    return [...open, ...this.closed];
  }

  async open(params: OpenDocumentParams): Promise<DocumentState> {
    this.close(params.uri);
    const state: DocumentState = {
      uri: params.uri, filePath: params.filePath, languageId: params.languageId, version: params.version, generation: ++openings,
      lines: new LineIndex(params.text), grammar: grammarFor(params.languageId), tree: undefined,
      verdict: textVerdict(params.text), lastEditAt: 0,
    };
    this.documents.set(params.uri, state);
    if (state.grammar && state.verdict === "parse") {
      const parser = await parserFor(state.grammar);
      // The document may have changed or closed while the grammar loaded.
      if (this.documents.get(params.uri) !== state) return state;
      if (parser) this.reparse(state, FULL_PARSE_LIMIT_MS);
    } else if (state.verdict === "parse") {
      state.verdict = "heuristic";
    }
    return state;
  }

  /**
   * Applies VS Code content changes in order (each one's offsets refer to the text
   * after the previous ones, as in LSP incremental sync), then reparses once.
   */
  change(uri: string, version: number, changes: readonly ContentChange[]): DocumentState | undefined {
    const state = this.documents.get(uri);
    if (!state || version <= state.version) return state;
    for (const change of changes) this.applyChange(state, change);
    state.version = version;
    state.lastEditAt = Date.now();
    if (state.verdict === "parse" && state.grammar) this.reparse(state, REPARSE_LIMIT_MS);
    return state;
  }

  private applyChange(state: DocumentState, change: ContentChange): void {
    const { lines } = state;
    const startIndex = Math.min(change.rangeOffset, lines.textLength);
    const oldEndIndex = Math.min(startIndex + change.rangeLength, lines.textLength);
    const startPosition = lines.pointAt(startIndex);
    const oldEndPosition = lines.pointAt(oldEndIndex);
    lines.edit(startIndex, oldEndIndex, change.text);
    const newEndIndex = startIndex + change.text.length;
    state.tree?.edit(new Edit({ startIndex, oldEndIndex, newEndIndex, startPosition, oldEndPosition, newEndPosition: pointAfter(startPosition, change.text) }));
    this.judgeChange(state, change.text, startPosition.row);
  }

  /** Re-checks the limits around a change only, so a keystroke does not rescan the file. */
  private judgeChange(state: DocumentState, inserted: string, startRow: number): void {
    if (state.verdict === "skip") return;
    let verdict: InputVerdict = state.verdict;
    if (inserted.includes("\0")) verdict = "skip";
    else if (state.lines.textLength > MAX_PARSE_CHARS) verdict = "heuristic";
    else {
      const lastRow = startRow + (inserted.match(/\n/g)?.length ?? 0);
      for (let row = startRow; row <= lastRow; row++) if (state.lines.line(row).length > MAX_LINE_CHARS) verdict = "heuristic";
    }
    if (verdict !== "parse") this.dropTree(state, verdict);
  }

  private reparse(state: DocumentState, limitMs = REPARSE_LIMIT_MS): void {
    const parser = state.grammar ? parserNow(state.grammar) : undefined;
    if (!parser) return;
    // The reader hands the parser the chunks it asks for: joining the text first would copy the whole document per keystroke.
    const tree = parseWithLimit(parser, state.lines.read, state.tree ?? null, limitMs);
    state.tree?.delete();
    state.tree = tree ?? undefined;
    // A parse over the limit once will be over it again: stay with heuristics.
    if (!tree) state.verdict = "heuristic";
  }

  private dropTree(state: DocumentState, verdict: InputVerdict): void {
    state.tree?.delete();
    state.tree = undefined;
    state.verdict = verdict;
  }

  close(uri: string): void {
    const state = this.documents.get(uri);
    if (!state) return;
    this.documents.delete(uri);
    state.tree?.delete();
    state.tree = undefined;
    state.outlineCache = undefined;
    if (state.lastEditAt > 0 && state.verdict !== "skip") {
      this.closed.unshift(state);
      this.closed.length = Math.min(this.closed.length, RECENT_CLOSED);
    }
  }

  /** Definitions and imports of a document, cached per version. */
  outline(state: DocumentState): FileOutline {
    if (state.outlineCache?.version === state.version) return state.outlineCache.outline;
    let outline: FileOutline;
    if (state.verdict === "skip") outline = { definitions: [], imports: [], heuristic: true };
    else if (state.tree && state.grammar) outline = outlineFromTree(state.tree, queriesFor(state.grammar, state.tree.language), state.lines);
    else outline = heuristicOutline(state.lines);
    state.outlineCache = { version: state.version, outline, at: Date.now() };
    return outline;
  }

  /**
   * The outline, possibly a few keystrokes old: names and imports barely change while
   * typing, and a full outline of a large file costs milliseconds per keystroke.
   */
  recentOutline(state: DocumentState): FileOutline {
    const cached = state.outlineCache;
    if (cached && Date.now() - cached.at < OUTLINE_REUSE_MS) return cached.outline;
    return this.outline(state);
  }

  /** Definitions around an offset, exact for the current version (line numbers included). */
  definitionsAt(state: DocumentState, offset: number): Definition[] {
    if (state.tree && state.grammar) return definitionsFromTree(state.tree, queriesFor(state.grammar, state.tree.language), state.lines, offset);
    const line = state.lines.lineAt(offset);
    return this.outline(state).definitions.filter((definition) => definition.range.startLine <= line && line <= definition.range.endLine);
  }

  dispose(): void {
    for (const uri of [...this.documents.keys()]) this.close(uri);
    this.closed.length = 0;
  }
}
