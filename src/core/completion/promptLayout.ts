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
}

export const DEFAULT_LAYOUT: LayoutLimits = { prefixLines: 96, suffixLines: 24, windowStep: 32 };

/**
 * The FIM input for a cursor, laid out for KV-cache reuse (DESIGN.md): the prefix window
 * starts at a multiple of `windowStep` lines, so pressing Enter does not shift it; the
 * cursor line's text goes after the middle token; the suffix stays short.
 */
/** The first line of the prefix window: it moves in steps of `windowStep` lines. */
export function windowStartLine(document: DocumentSnapshot, limits = DEFAULT_LAYOUT): number {
  const line = cursorLine(document);
  const firstAllowed = Math.max(0, line.lineNumber - limits.prefixLines);
  return Math.floor(firstAllowed / limits.windowStep) * limits.windowStep;
}

export function fimInputFor(document: DocumentSnapshot, chunks: readonly ContextChunk[] = [], limits = DEFAULT_LAYOUT): FimInput {
  const line = cursorLine(document);
  const above = document.text.slice(0, line.lineStart);
  const aboveLines = above === "" ? [] : above.split("\n").slice(0, -1);
  const windowStart = windowStartLine(document, limits);
  // Coarse steps may start the window a little earlier than needed: never more than one step.
  const prefix = aboveLines.slice(windowStart).map((text) => `${text}\n`).join("");
  const below = document.text.slice(document.offset).split("\n");
  const suffix = below.slice(0, limits.suffixLines + 1).join("\n");
  return {
    prefix,
    currentLine: line.before,
    suffix,
    filePath: document.filePath,
    chunks: [...chunks],
    commentPrefix: lineCommentPrefix(document.languageId),
  };
}

/** Prefix-only prompt for models without FIM tokens: the prefix window and the current line. */
export function plainPromptFor(document: DocumentSnapshot, limits = DEFAULT_LAYOUT): string {
  const input = fimInputFor(document, [], limits);
  return input.prefix + input.currentLine;
}
