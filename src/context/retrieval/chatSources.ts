/** Context for the chat: symbols by fuzzy name (`@` mentions), the definition around a selection, files a question names. */
import { basename } from "node:path";
import type { ContextChunk, Definition, FileOutline, SymbolKind } from "../contextTypes";
import type { DocumentState } from "../parsing/documentStore";
import { LineIndex } from "../parsing/lineIndex";
import { fuzzyScore } from "./fuzzy";
import type { WorkspaceView } from "./workspaceView";

export interface SymbolMatch {
  name: string;
  kind: SymbolKind;
  /** Absolute path. */
  path: string;
  /** As shown to the model: relative to its workspace folder. */
  filePath: string;
  range: Definition["range"];
  signature: string;
  container?: string;
  score: number;
}

const MAX_DEFINITION_LINES = 300;
const MAX_FILE_LINES = 200;

export function searchSymbols(view: WorkspaceView, query: string, limit: number): SymbolMatch[] {
  const matches: SymbolMatch[] = [];
  const openPaths = new Set<string>();
  const consider = (path: string, definitions: readonly Definition[]) => {
    for (const definition of definitions) {
      const score = fuzzyScore(query, definition.name);
      if (score < 0) continue;
      matches.push({
        name: definition.name, kind: definition.kind, path, filePath: view.displayPath(path), range: definition.range,
        signature: definition.signature, ...(definition.container ? { container: definition.container } : {}),
        score: score + (definition.exported ? 1 : 0),
      });
    }
  };
  for (const state of view.documents.recentDocuments()) {
    if (openPaths.has(state.filePath) || state.verdict === "skip") continue;
    openPaths.add(state.filePath);
    consider(state.filePath, view.documents.outline(state).definitions);
  }
  for (const entry of view.index.allFiles()) if (!openPaths.has(entry.path)) consider(entry.path, entry.file.definitions);
  return matches.sort((a, b) => b.score - a.score || a.filePath.localeCompare(b.filePath)).slice(0, limit);
}

/** The innermost definition containing the selection, whole (capped). */
export function definitionForSelection(state: DocumentState, outline: FileOutline, startOffset: number, endOffset: number, view: WorkspaceView): ContextChunk | null {
  const startLine = state.lines.lineAt(startOffset);
  const endLine = state.lines.lineAt(endOffset);
  const containing = outline.definitions
    .filter((definition) => definition.kind !== "constant" && definition.range.startLine <= startLine && endLine <= definition.range.endLine)
    .sort((a, b) => (a.range.endLine - a.range.startLine) - (b.range.endLine - b.range.startLine));
  const definition = containing[0];
  if (!definition) return null;
  const last = Math.min(definition.range.endLine, definition.range.startLine + MAX_DEFINITION_LINES - 1);
  return {
    filePath: view.displayPath(state.filePath),
    range: { startLine: definition.range.startLine, endLine: last },
    text: state.lines.lines(definition.range.startLine, last),
    reason: "selection-definition",
  };
}

/** Words of a question that look like file names or paths (`util.ts`, `src/app/main.py`). */
export function fileMentions(question: string): string[] {
  const mentions = new Set<string>();
  for (const match of question.matchAll(/[\w@~./-]*\w\.[A-Za-z0-9]{1,6}\b/g)) mentions.add(match[0].replace(/^\.\//, ""));
  return [...mentions];
}

export async function filesNamedIn(view: WorkspaceView, question: string, limit: number): Promise<ContextChunk[]> {
  const mentions = fileMentions(question);
  if (mentions.length === 0) return [];
  const chunks: ContextChunk[] = [];
  const paths = new Set<string>();
  const candidates = [
    ...view.documents.recentDocuments().map((state) => ({ path: state.filePath, relativePath: view.displayPath(state.filePath) })),
    ...[...view.index.allFiles()].map((entry) => ({ path: entry.path, relativePath: entry.relativePath })),
  ];
  for (const mention of mentions) {
    const hit = candidates.find((candidate) => candidate.relativePath === mention)
      ?? candidates.find((candidate) => candidate.relativePath.endsWith(`/${mention}`))
      ?? candidates.find((candidate) => basename(candidate.path) === basename(mention));
    if (!hit || paths.has(hit.path)) continue;
    paths.add(hit.path);
    const text = await view.textOf(hit.path);
    if (text === undefined) continue;
    const lines = new LineIndex(text);
    const last = Math.min(lines.lineCount, MAX_FILE_LINES) - 1;
    chunks.push({ filePath: hit.relativePath, range: { startLine: 0, endLine: last }, text: lines.lines(0, last), reason: "named-file" });
    if (chunks.length >= limit) break;
  }
  return chunks;
}
