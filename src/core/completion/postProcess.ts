import { cursorLine, indentWidth, leadingWhitespace, type DocumentSnapshot } from "./documentSnapshot";
import { usesEndKeyword } from "./languages";
import type { SuggestionMode } from "./suggestionPolicy";

export interface ProcessedSuggestion {
  /** Text inserted at the cursor. */
  text: string;
  /** The inserted text replaces the document from the cursor to this offset (auto-closed brackets). */
  replaceEnd: number;
}

/** Where a multi-line completion's block ends (offset in the completion), from a parser: the context engine's syntax service. */
export type BlockEndFinder = (document: DocumentSnapshot, completion: string, signal: AbortSignal) => Promise<number | undefined>;

const CLOSER_LINE = /^\s*([)\]}]+[;,)]*|end\b.*)\s*$/;

/**
 * Turns the model's raw output into the text to show: one line or the opened block,
 * nothing the suffix already has, brackets the editor auto-closed covered by the range,
 * the document's indentation style; undefined when nothing useful is left.
 */
export function postProcess(document: DocumentSnapshot, mode: SuggestionMode, raw: string, syntaxBlockEnd?: number): ProcessedSuggestion | undefined {
  const line = cursorLine(document);
  let text = raw.replace(/\r\n?/g, "\n");
  if (mode === "single-line") {
    text = singleLine(text, line.after === "");
  } else {
    // The parser knows where the opened block ends; indentation is the fallback without one.
    text = syntaxBlockEnd !== undefined ? text.slice(0, syntaxBlockEnd).replace(/\s+$/, "") : truncateAtBlockEnd(document, text);
  }
  text = dropRepeatedSuffix(document, text);
  return asSuggestion(document, matchIndentation(document, text));
}

/** A finished suggestion at the cursor: its range covers the auto-closed brackets it repeats. */
export function asSuggestion(document: DocumentSnapshot, completion: string): ProcessedSuggestion | undefined {
  const text = completion.replace(/\s+$/, "");
  if (text.trim() === "") return undefined;
  const line = cursorLine(document);
  const closers = line.after.trim();
  const replaceEnd = closers !== "" && text.endsWith(closers) ? line.lineEnd : document.offset;
  return { text, replaceEnd };
}

/**
 * The rest of the current line; at the end of a line, a suggestion may instead be the
 * next line (the model starts with a line break), as after accepting a suggestion.
 */
function singleLine(text: string, atLineEnd: boolean): string {
  const lines = text.split("\n");
  if (lines[0].trim() !== "" || !atLineEnd) return lines[0];
  const next = lines.findIndex((candidate, index) => index > 0 && candidate.trim() !== "");
  return next < 0 ? "" : "\n".repeat(next) + lines[next];
}

/** Indentation-based block end: the block opened at the cursor ends at the first line not indented deeper. */
export function truncateAtBlockEnd(document: DocumentSnapshot, completion: string): string {
  const line = cursorLine(document);
  const tabSize = document.indent?.size ?? 4;
  const openerIndent = indentWidth(openerLine(document), tabSize);
  const lines = completion.split("\n");
  const kept = [lines[0]];
  const suffixNext = nextNonEmptyLine(document.text.slice(line.lineEnd));
  for (let index = 1; index < lines.length; index++) {
    const current = lines[index];
    if (current.trim() === "" || indentWidth(current, tabSize) > openerIndent) {
      kept.push(current);
      continue;
    }
    // A closing line at the opener's level ends the block: keep it unless the editor already has it below.
    const closes = CLOSER_LINE.test(current) && (!/^\s*end\b/.test(current) || usesEndKeyword(document.languageId));
    if (closes && indentWidth(current, tabSize) === openerIndent && current.trim() !== suffixNext?.trim()) kept.push(current);
    break;
  }
  return kept.join("\n").replace(/\n\s*$/, "");
}

/** The line whose indentation the opened block is measured against. */
function openerLine(document: DocumentSnapshot): string {
  const line = cursorLine(document);
  if (line.before.trim() !== "") return line.before;
  const above = document.text.slice(0, line.lineStart).replace(/\s+$/, "");
  return above.slice(above.lastIndexOf("\n") + 1);
}

function nextNonEmptyLine(text: string): string | undefined {
  return text.split("\n").find((candidate) => candidate.trim() !== "");
}

/** Cuts the completion where it starts repeating the lines that already follow the cursor. */
export function dropRepeatedSuffix(document: DocumentSnapshot, completion: string): string {
  const line = cursorLine(document);
  const following = document.text.slice(line.lineEnd).split("\n").filter((text) => text.trim() !== "");
  if (following.length === 0) return completion;
  const next = following[0];
  const lines = completion.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const candidate = lines[index];
    if (candidate.trim() === "" || (index === 0 && line.before.trim() !== "")) continue;
    // Closing lines repeat the suffix only at the same indentation (a nested "}" is not the suffix's "}").
    const repeats = CLOSER_LINE.test(candidate)
      ? candidate.trimEnd() === next.trimEnd() && index > 0
      : candidate.trim() === next.trim();
    if (repeats) return lines.slice(0, index).join("\n");
  }
  return completion;
}

/** Re-indents lines after the first with the document's style (tabs or N spaces). */
export function matchIndentation(document: DocumentSnapshot, completion: string): string {
  const indent = document.indent;
  if (!indent) return completion;
  const lines = completion.split("\n");
  return lines.map((text, index) => {
    if (index === 0) return text;
    const lead = leadingWhitespace(text);
    const width = indentWidth(lead, indent.size);
    const wanted = indent.useTabs ? "\t".repeat(Math.floor(width / indent.size)) + " ".repeat(width % indent.size) : " ".repeat(width);
    return wanted + text.slice(lead.length);
  }).join("\n");
}
