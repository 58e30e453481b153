/** Reads one source file from disk and extracts its outline, within the input limits. */
import { readFile, stat } from "node:fs/promises";
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

export async function analyzeFile(path: string, known?: { size: number; mtimeMs: number }): Promise<AnalysisResult> {
  const languageId = languageIdForPath(path);
  if (!languageId) return { kind: "skipped", reason: "not source" };
  const info = known ?? await stat(path);
  if (info.size > MAX_PARSE_CHARS) return { kind: "skipped", reason: "too large" };
  const decoded = decodeFile(await readFile(path));
  if (decoded.verdict === "skip") return { kind: "skipped", reason: decoded.reason ?? "skipped" };
  if (decoded.reason === "long-line" || looksMinified(decoded.text)) return { kind: "skipped", reason: "minified" };
  const outline = await outlineOfText(decoded.text, languageId, decoded.verdict === "parse");
  return {
    kind: "indexed",
    file: { size: info.size, mtimeMs: info.mtimeMs, languageId, definitions: outline.definitions, imports: outline.imports, heuristic: outline.heuristic },
  };
}
