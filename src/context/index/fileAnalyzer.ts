/** Reads one source file from disk and extracts its outline, within the input limits. */
import { statSync } from "node:fs";
import { readRegularFileSync } from "../../core/files/regularFile";
import type { FileOutline } from "../contextTypes";
import { heuristicOutline } from "../analysis/heuristics";
import { outlineFromTree } from "../analysis/outline";
import { grammarFor, languageIdForPath } from "../languages";
import { queriesFor } from "../parsing/compiledQueries";
import { decodeFile, looksMinified, MAX_PARSE_CHARS } from "../parsing/inputGuard";
import { LineIndex } from "../parsing/lineIndex";
import { parserFor, parseWithLimit } from "../parsing/parsers";
import type { IndexedFile } from "./indexStore";

const INDEX_PARSE_LIMIT_MS = 500;

export type AnalysisResult =
  | { kind: "indexed"; file: IndexedFile }
  | { kind: "skipped"; reason: string };

/** What indexing one file gave: also "unchanged" when its size and mtime match the persisted entry. */
export type AnalysisOutcome = AnalysisResult | { kind: "unchanged" };

/** Outline of text in a language, by grammar when there is one and the text is parseable. */
export async function outlineOfText(text: string, languageId: string, parseable: boolean): Promise<FileOutline> {
  const lines = new LineIndex(text);
  const grammar = grammarFor(languageId);
  if (grammar && parseable) {
    const parser = await parserFor(grammar);
    const tree = parseWithLimit(parser, text, null, INDEX_PARSE_LIMIT_MS);
    if (tree) {
      try {
        return outlineFromTree(tree, queriesFor(grammar, tree.language), lines);
      } finally {
        tree.delete();
      }
    }
  }
  return heuristicOutline(lines);
}

/**
 * Reads with synchronous calls: this runs on the context worker or an analyzer
 * thread, never on the extension host, and a file read through the thread pool cost
 * more in round trips than the read itself (about a tenth of a millisecond per file).
 */
export async function analyzeFile(path: string, known?: { size: number; mtimeMs: number }): Promise<AnalysisResult> {
  const languageId = languageIdForPath(path);
  if (!languageId) return { kind: "skipped", reason: "not source" };
  if (known && known.size > MAX_PARSE_CHARS) return { kind: "skipped", reason: "too large" };
  // A link to a device or a named pipe is refused unopened; what is read stops at the parse limit.
  const read = readRegularFileSync(path, MAX_PARSE_CHARS);
  if (!read.ok) return { kind: "skipped", reason: read.reason === "too-large" ? "too large" : read.message };
  const decoded = decodeFile(read.bytes);
  if (decoded.verdict === "skip") return { kind: "skipped", reason: decoded.reason ?? "skipped" };
  if (decoded.reason === "long-line" || looksMinified(decoded.text)) return { kind: "skipped", reason: "minified" };
  const outline = await outlineOfText(decoded.text, languageId, decoded.verdict === "parse");
  return {
    kind: "indexed",
    file: { size: read.sizeBytes, mtimeMs: read.mtimeMs, languageId, definitions: outline.definitions, imports: outline.imports, heuristic: outline.heuristic },
  };
}

/** Analyzes a file unless its size and mtime match `previous`; a file that cannot be read is skipped. */
export async function analyzeIfChanged(path: string, previous: { size: number; mtimeMs: number } | undefined): Promise<AnalysisOutcome> {
  try {
    const info = statSync(path);
    if (previous && previous.size === info.size && previous.mtimeMs === info.mtimeMs) return { kind: "unchanged" };
    return await analyzeFile(path, { size: info.size, mtimeMs: info.mtimeMs });
  } catch (error) {
    return { kind: "skipped", reason: error instanceof Error ? error.message : String(error) };
  }
}
