/**
 * What the chat's `@` picker lists for a query: workspace files and symbols, ranked with
 * the same fuzzy score as the workspace index's symbol search and merged into two
 * sections, the better-matching section first. Plain data: the adapter turns it into
 * VS Code quick pick items.
 */
import { fuzzyScore } from "../../context/retrieval/fuzzy";

export interface FileCandidate {
  /** The file's URI as a string: the adapter opens it, and it tells files apart. */
  uri: string;
  /** As the person sees it: relative to the workspace. */
  relativePath: string;
}

export interface SymbolCandidate {
  name: string;
  /** The index's kind ("function", "class"…) or VS Code's, in lower case. */
  kind: string;
  /** The file's URI as a string. */
  uri: string;
  relativePath: string;
  /** Zero-based lines of the definition; `endLine` undefined when only its start is known. */
  startLine: number;
  endLine?: number;
  container?: string;
  /** The index's score for the query being ranked (fuzzyScore, plus a bonus for exported names); left out, it is computed here. */
  score?: number;
}

export type PickerEntry =
  | { type: "separator"; label: string }
  | { type: "file"; label: string; description: string; score: number; file: FileCandidate }
  | { type: "symbol"; label: string; description: string; score: number; symbol: SymbolCandidate };

export interface PickerLimits {
  /** Files listed when the query is empty (sorted by path). */
  browseFiles: number;
  /** Files listed for a query (best first). */
  matchingFiles: number;
  symbols: number;
}

export const DEFAULT_PICKER_LIMITS: PickerLimits = { browseFiles: 500, matchingFiles: 100, symbols: 50 };

/** Shorter than this, the picker does not look for symbols (every name would match). */
export const MIN_SYMBOL_QUERY = 2;

/** A match only across folders counts this much of its score (for the order of the sections). */
const PATH_ONLY_WEIGHT = 0.25;

export function basename(path: string): string {
  return path.replace(/^.*[\\/]/, "");
}

/**
 * How a file matches: by its name (`byName`), else by its whole relative path, which
 * always ranks below any name match; undefined when it does not match (a negative
 * fuzzy score, as in the index's symbol search).
 */
export function fileMatch(query: string, file: FileCandidate): { byName: boolean; score: number } | undefined {
  const byName = fuzzyScore(query, basename(file.relativePath));
  if (byName >= 0) return { byName: true, score: byName };
  const byPath = fuzzyScore(query, file.relativePath);
  return byPath >= 0 ? { byName: false, score: byPath * PATH_ONLY_WEIGHT } : undefined;
}

/** The codicon of a symbol kind (`$(symbol-…)` in a quick pick label). */
export function symbolIcon(kind: string): string {
  switch (kind) {
    case "function": return "function";
    case "method": case "constructor": return "method";
    case "class": return "class";
    case "interface": case "type": case "trait": return "interface";
    case "enum": return "enum";
    case "constant": return "constant";
    case "variable": return "variable";
    case "property": return "property";
    case "field": return "field";
    case "module": case "namespace": case "package": return "module";
    case "struct": case "impl": return "struct";
    default: return "misc";
  }
}

function fileEntry(file: FileCandidate, score: number): PickerEntry {
  return { type: "file", label: basename(file.relativePath), description: file.relativePath, score, file };
}

function symbolEntry(symbol: SymbolCandidate, score: number): PickerEntry {
  return {
    type: "symbol",
    label: `$(symbol-${symbolIcon(symbol.kind)}) ${symbol.name}`,
    description: `${symbol.container ? `${symbol.container} · ` : ""}${symbol.relativePath}:${symbol.startLine + 1}`,
    score,
    symbol,
  };
}

/** Files for a query, best first (ties by path); every file, by path, for an empty query. */
export function rankFiles(query: string, files: readonly FileCandidate[], limits: PickerLimits = DEFAULT_PICKER_LIMITS): PickerEntry[] {
  const trimmed = query.trim();
  const unique = new Map<string, FileCandidate>();
  for (const file of files) if (!unique.has(file.uri)) unique.set(file.uri, file);
  const byPath = (a: FileCandidate, b: FileCandidate) => a.relativePath.localeCompare(b.relativePath);
  if (trimmed === "") return [...unique.values()].sort(byPath).slice(0, limits.browseFiles).map((file) => fileEntry(file, 0));
  const ranked: { file: FileCandidate; byName: boolean; score: number }[] = [];
  for (const file of unique.values()) {
    const match = fileMatch(trimmed, file);
    if (match) ranked.push({ file, ...match });
  }
  return ranked
    .sort((a, b) => Number(b.byName) - Number(a.byName) || b.score - a.score || byPath(a.file, b.file))
    .slice(0, limits.matchingFiles)
    .map((match) => fileEntry(match.file, match.score));
}

/** Symbols for a query, best first; the same definition reported twice is listed once. */
export function rankSymbols(query: string, symbols: readonly SymbolCandidate[], limits: PickerLimits = DEFAULT_PICKER_LIMITS): PickerEntry[] {
  const trimmed = query.trim();
  if (trimmed.length < MIN_SYMBOL_QUERY) return [];
  const seen = new Set<string>();
  const ranked: { symbol: SymbolCandidate; score: number }[] = [];
  for (const symbol of symbols) {
    const key = `${symbol.uri}\n${symbol.startLine}\n${symbol.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // VS Code's symbol providers match differently (substrings, camel humps): rank them the index's way.
    const score = symbol.score ?? fuzzyScore(trimmed, symbol.name);
    if (score >= 0) ranked.push({ symbol, score });
  }
  return ranked
    .sort((a, b) => b.score - a.score || a.symbol.relativePath.localeCompare(b.symbol.relativePath) || a.symbol.startLine - b.symbol.startLine)
    .slice(0, limits.symbols)
    .map(({ symbol, score }) => symbolEntry(symbol, score));
}

/**
 * The picker's list: a "Symbols" and a "Files" section, each under its separator, the
 * section with the better best match first (files first on a tie and for an empty query).
 * An empty section is left out.
 */
export function pickerEntries(query: string, files: readonly FileCandidate[], symbols: readonly SymbolCandidate[], limits: PickerLimits = DEFAULT_PICKER_LIMITS): PickerEntry[] {
  const fileEntries = rankFiles(query, files, limits);
  const symbolEntries = rankSymbols(query, symbols, limits);
  const best = (entries: readonly PickerEntry[]) => entries.reduce((top, entry) => (entry.type === "separator" ? top : Math.max(top, entry.score)), -Infinity);
  const sections: [string, PickerEntry[]][] = [["Files", fileEntries], ["Symbols", symbolEntries]];
  if (best(symbolEntries) > best(fileEntries)) sections.reverse();
  return sections.filter(([, entries]) => entries.length > 0).flatMap(([label, entries]) => [{ type: "separator" as const, label }, ...entries]);
}
