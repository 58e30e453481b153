/**
 * Cody-style retrieval of similar code: slide a window over candidate files and keep
 * the windows whose identifier sets are most like the lines before the cursor.
 */
import type { ContextChunk, LineRange } from "../contextTypes";
import type { LineIndex } from "../parsing/lineIndex";
import { jaccard, tokenSet } from "./tokens";

export interface WindowCandidate {
  filePath: string;
  lines: LineIndex;
  /** Identifies this text (uri and version): its window token sets are computed once. */
  cacheKey?: string;
  /** Lines not to return (the current file's prefix and suffix windows). */
  exclude?: LineRange;
  /** Only windows inside these lines (the current file near the cursor). */
  within?: LineRange;
}

export interface WindowOptions {
  windowLines: number;
  step: number;
  maxResults: number;
  minScore: number;
  deadline: number;
}

export const DEFAULT_WINDOW_OPTIONS: Omit<WindowOptions, "deadline"> = { windowLines: 20, step: 10, maxResults: 3, minScore: 0.12 };

function overlaps(a: LineRange, b: LineRange): boolean {
  return a.startLine <= b.endLine && b.startLine <= a.endLine;
}

interface Window {
  range: LineRange;
  tokens: ReadonlySet<string>;
}

/** Window token sets per document version: other files do not change while the user types in one. */
const windowCache = new Map<string, Window[]>();
const WINDOW_CACHE_LIMIT = 64;

function windowsOf(candidate: WindowCandidate, options: WindowOptions): Window[] {
  const key = candidate.cacheKey === undefined ? undefined : `${candidate.cacheKey}:${options.windowLines}:${options.step}`;
  const cached = key === undefined ? undefined : windowCache.get(key);
  if (cached) return cached;
  const windows: Window[] = [];
  const lastLine = Math.min(candidate.lines.lineCount - 1, candidate.within?.endLine ?? Infinity);
  const firstLine = Math.max(0, candidate.within?.startLine ?? 0);
  for (let start = firstLine - (firstLine % options.step); start <= lastLine; start += options.step) {
    const range = { startLine: start, endLine: Math.min(lastLine, start + options.windowLines - 1) };
    windows.push({ range, tokens: tokenSet(candidate.lines, range.startLine, range.endLine) });
    if (range.endLine >= lastLine) break;
  }
  if (key !== undefined) {
    if (windowCache.size >= WINDOW_CACHE_LIMIT) windowCache.delete(windowCache.keys().next().value ?? "");
    windowCache.set(key, windows);
  }
  return windows;
}

export function similarWindows(query: ReadonlySet<string>, candidates: readonly WindowCandidate[], options: WindowOptions): ContextChunk[] {
  const scored: ContextChunk[] = [];
  for (const candidate of candidates) {
    if (Date.now() > options.deadline) break;
    for (const { range, tokens } of windowsOf(candidate, options)) {
      if (candidate.exclude && overlaps(range, candidate.exclude)) continue;
      const score = jaccard(query, tokens);
      if (score >= options.minScore) scored.push({ filePath: candidate.filePath, range, text: "", reason: "similar-window", score });
    }
  }
  scored.sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  const chosen: ContextChunk[] = [];
  for (const chunk of scored) {
    if (chosen.length >= options.maxResults) break;
    if (chosen.some((other) => other.filePath === chunk.filePath && overlaps(other.range, chunk.range))) continue;
    chosen.push(chunk);
  }
  for (const chunk of chosen) {
    const candidate = candidates.find((entry) => entry.filePath === chunk.filePath);
    if (candidate) chunk.text = candidate.lines.lines(chunk.range.startLine, chunk.range.endLine);
  }
  return chosen;
}
