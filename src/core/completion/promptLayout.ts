import type { ContextChunk, FimInput } from "../fim/fimLayout";
import { cursorLine, type DocumentSnapshot } from "./documentSnapshot";
import { lineCommentPrefix } from "./languages";

export interface LayoutLimits {
  /** Most lines of prefix above the cursor's line. */
  prefixLines: number;
  /** Most lines of suffix below the cursor. */
  suffixLines: number;
  /** The prefix window's start moves in steps of this many lines (cache reuse). */
  windowStep: number;
  /**
   * Most characters of prefix above the cursor's line. Lines alone do not bound a prompt:
   * 96 lines of bundled or minified code can be several thousand tokens, more than the
   * context holds and a minute of prompt processing on a laptop CPU.
   */
  prefixChars: number;
  /** Most characters of suffix, and of the cursor line's text before the cursor. */
  suffixChars: number;
  currentLineChars: number;
  /** Most characters of the whole lines between the prefix and the cursor's line (they follow the middle token). */
  recentChars: number;
}

export const DEFAULT_LAYOUT: LayoutLimits = {
  prefixLines: 96, suffixLines: 24, windowStep: 32, prefixChars: 6000, suffixChars: 1500, currentLineChars: 1000, recentChars: 2500,
};

/**
 * The first line of the prefix window: it moves in steps of `windowStep` lines, so pressing
 * Enter does not shift it (DESIGN.md: the prompt's start, and the KV cache, stay put). When
 * the lines of a window hold more than `prefixChars`, the start moves down a step at a time;
 * only lines too long for any step make it move line by line.
 */
export function windowStartLine(document: DocumentSnapshot, limits = DEFAULT_LAYOUT): number {
  const line = cursorLine(document);
  const firstAllowed = Math.max(0, line.lineNumber - limits.prefixLines);
  let start = Math.floor(firstAllowed / limits.windowStep) * limits.windowStep;
  const above = linesAbove(document, line.lineStart);
  const charsFrom = suffixSums(above);
  while (start + limits.windowStep <= line.lineNumber && charsFrom[start] > limits.prefixChars) start += limits.windowStep;
  while (start < line.lineNumber - 1 && charsFrom[start] > limits.prefixChars) start++;
  return start;
}

/**
 * Where the prefix ends and the recent lines (after the middle token) begin: the last multiple of
 * `windowStep` at or above the cursor's line, so the prefix, the suffix before the middle token
 * and everything before them stay put while the user types and presses Enter; they change once
 * per step of lines. Recent lines longer than `recentChars` move the end down a quarter step at
 * a time, then line by line.
 */
export function prefixEndLine(document: DocumentSnapshot, limits = DEFAULT_LAYOUT, windowStart = windowStartLine(document, limits)): number {
  const line = cursorLine(document);
  let end = Math.max(windowStart, Math.floor(line.lineNumber / limits.windowStep) * limits.windowStep);
  const above = linesAbove(document, line.lineStart);
  const charsFrom = suffixSums(above);
  const quarter = Math.max(1, Math.floor(limits.windowStep / 4));
  while (end + quarter <= line.lineNumber && charsFrom[end] > limits.recentChars) end += quarter;
  while (end < line.lineNumber && charsFrom[end] > limits.recentChars) end++;
  return end;
}

function linesAbove(document: DocumentSnapshot, lineStart: number): string[] {
  const above = document.text.slice(0, lineStart);
  return above === "" ? [] : above.split("\n").slice(0, -1);
}

/** sums[i] = characters (newlines included) from line i to the end of `lines`. */
function suffixSums(lines: readonly string[]): number[] {
  const sums = new Array<number>(lines.length + 1).fill(0);
  for (let index = lines.length - 1; index >= 0; index--) sums[index] = sums[index + 1] + lines[index].length + 1;
  return sums;
}

/**
 * The FIM input for a cursor, laid out for KV-cache reuse (DESIGN.md): the prefix window
 * starts and ends at multiples of `windowStep` lines; the lines typed since it last stepped
 * and the cursor line's text go after the middle token, so typing and Enter only append
 * tokens; the suffix stays short.
 */
export function fimInputFor(document: DocumentSnapshot, chunks: readonly ContextChunk[] = [], limits = DEFAULT_LAYOUT): FimInput {
  const line = cursorLine(document);
  const windowStart = windowStartLine(document, limits);
  const prefixEnd = prefixEndLine(document, limits, windowStart);
  const above = linesAbove(document, line.lineStart);
  let prefix = above.slice(windowStart, prefixEnd).map((text) => `${text}\n`).join("");
  let recentLines = above.slice(prefixEnd).map((text) => `${text}\n`).join("");
  // Only a single line longer than the limits gets here: keep its end, nearest the cursor.
  if (recentLines.length > limits.recentChars) recentLines = recentLines.slice(recentLines.length - limits.recentChars);
  if (prefix.length + recentLines.length > limits.prefixChars) prefix = prefix.slice(Math.min(prefix.length, prefix.length + recentLines.length - limits.prefixChars));
  const below = document.text.slice(document.offset).split("\n").slice(0, limits.suffixLines + 1);
  const suffix = capAtLineEnd(below, limits.suffixChars);
  const currentLine = line.before.length > limits.currentLineChars ? line.before.slice(line.before.length - limits.currentLineChars) : line.before;
  return {
    prefix,
    recentLines,
    currentLine,
    suffix,
    filePath: document.filePath,
    chunks: [...chunks],
    commentPrefix: lineCommentPrefix(document.languageId),
  };
}

/** The first lines of `lines` that fit in `maxChars` (at least part of the first line). */
function capAtLineEnd(lines: readonly string[], maxChars: number): string {
  let length = 0;
  let count = 0;
  for (const text of lines) {
    const next = length + (count > 0 ? 1 : 0) + text.length;
    if (next > maxChars) break;
    length = next;
    count++;
  }
  return count === 0 ? lines[0].slice(0, maxChars) : lines.slice(0, count).join("\n");
}

/** Prefix-only prompt for models without FIM tokens: the prefix window and the current line. */
export function plainPromptFor(document: DocumentSnapshot, limits = DEFAULT_LAYOUT): string {
  const input = fimInputFor(document, [], limits);
  return input.prefix + (input.recentLines ?? "") + input.currentLine;
}
