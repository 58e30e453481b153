import { bracketContext, bracketErrors } from "./bracketFit";
import { bracketBalance } from "./codeScanner";
import { cursorLine, indentWidth, leadingWhitespace, type DocumentSnapshot } from "./documentSnapshot";
import { overlapEnd, withoutDoubledSpace } from "./lineJoin";
import type { SuggestionDecision } from "./suggestionPolicy";
import { spanEnd, type SpanCut } from "./suggestionShape";
import type { SyntaxVerdict } from "./syntaxVerdict";

export interface ProcessedSuggestion {
  /** Text inserted at the cursor. */
  text: string;
  /** The inserted text replaces the document from the cursor to this offset (text after the cursor it repeats). */
  replaceEnd: number;
}

type Decision = Extract<SuggestionDecision, { suggest: true }>;

/** The part of the model's text that belongs to the suggestion, by the decision's shape. */
export interface KeptSpan {
  text: string;
  cut: SpanCut;
}

/** Line breaks as LF, and the span the shape keeps (a fence the model wrapped it in is dropped). */
export function keepSpan(document: DocumentSnapshot, decision: Decision, raw: string): KeptSpan {
  // Whole lines that run into the code below the cursor go first: cutting a line (before a
  // closer, say) would hide that it repeats the document's next line.
  const text = dropRepeatedSuffix(document, raw.replace(/\r\n?/g, "\n"));
  const cut = spanEnd(decision.rule, text, true);
  const start = cut.start;
  // Siblings that close the enclosing block keep its closing line only where the document lacks
  // one: where its brackets fit the document better with it than without.
  const end = cut.endWithoutCloser !== undefined && !closerFits(document, text.slice(start, cut.end), text.slice(start, cut.endWithoutCloser)) ? cut.endWithoutCloser : cut.end;
  return { text: text.slice(start, Math.max(start, end)), cut: { ...cut, headerStart: cut.headerStart === undefined ? undefined : cut.headerStart - start } };
}

/**
 * A parser's view of the block: the opened block ends where the tree says when that is
 * earlier than the rule's cut (never before the header line's end).
 */
export function refineBlockEnd(kept: KeptSpan, verdict: SyntaxVerdict | undefined): string {
  // Siblings are not one block: the first of them opening one (an `if`) does not end them.
  if (!verdict || verdict.method !== "tree" || verdict.openedBlockEnd === null || !kept.cut.multiLine || kept.cut.siblings) return kept.text;
  const headerEnd = kept.text.indexOf("\n", kept.cut.headerStart ?? 0);
  if (headerEnd < 0 || verdict.openedBlockEnd < headerEnd || verdict.openedBlockEnd >= kept.text.length) return kept.text;
  return kept.text.slice(0, verdict.openedBlockEnd);
}

/**
 * The finished suggestion: no doubled space at the join, nothing the following lines
 * already have, the document's indentation style, and a range that covers the text after
 * the cursor its end repeats. Undefined when nothing is left.
 */
export function finishSuggestion(document: DocumentSnapshot, decision: Decision, kept: string): ProcessedSuggestion | undefined {
  let text = withoutDoubledSpace(document, kept);
  text = dropRepeatedSuffix(document, text);
  text = matchIndentation(document, text);
  return asSuggestion(document, text, decision.situation.stringDelimiter);
}

/** A finished suggestion at the cursor (also a cached one, whose range is new). */
export function asSuggestion(document: DocumentSnapshot, completion: string, stringDelimiter?: string): ProcessedSuggestion | undefined {
  const line = cursorLine(document);
  let text = completion.replace(/\s+$/, "");
  if (text.trim() === "") return undefined;
  const replaceEnd = overlapEnd(document, text, stringDelimiter);
  // Mid-line, a space the model put before the next word, or before the closing quote of a string, is text.
  const rest = document.text.slice(replaceEnd, line.lineEnd);
  const spaces = /[ \t]+$/.exec(completion)?.[0] ?? "";
  const keepsSpace = /^[\p{L}\p{N}_$]/u.test(rest) || (stringDelimiter !== undefined && rest.startsWith(stringDelimiter));
  if (replaceEnd === document.offset && spaces !== "" && keepsSpace && !completion.includes("\n")) text += stringDelimiter !== undefined ? spaces : " ";
  return { text, replaceEnd };
}

/** Text is left on the cursor's line after the suggestion: it must fit in without breaking the line. */
export function leavesTextAfter(document: DocumentSnapshot, suggestion: ProcessedSuggestion): boolean {
  return document.text.slice(suggestion.replaceEnd, cursorLine(document).lineEnd).trim() !== "";
}

/**
 * The insertion parses no worse than the document without it. Where the parser saw an error
 * at the cursor (a hole: `f(, b)`), the cursor's line must be clean afterwards or have fewer
 * errors: trading the hole for another error is not a fix.
 */
export function parsesNoWorse(verdict: SyntaxVerdict): boolean {
  if (verdict.errorsAfter > verdict.errorsBefore) return false;
  const before = verdict.lineErrorsBefore;
  const after = verdict.lineErrorsAfter;
  if (before === undefined || after === undefined) return true;
  if (!verdict.holeIsError) return after <= before;
  return after === 0 || after < before;
}

/** The suggestion's brackets fit the document better with its closing line than without it. */
function closerFits(document: DocumentSnapshot, withCloser: string, withoutCloser: string): boolean {
  const context = bracketContext(document);
  return bracketErrors(context, withCloser, document.offset) < bracketErrors(context, withoutCloser, document.offset);
}

const CLOSER_LINE = /^\s*(?:[)\]}]|end\b)/;
/** Lines too short or generic to show that the model is copying the code below (`}`, `return;`). */
const TRIVIAL_LINE = /^[\s)\]};,]*$|^\s*(?:end|else|break;?|return;?|pass|\{)\s*$/;

/**
 * Cuts the completion where it starts repeating the code that already follows the cursor:
 * its next line, or two lines in a row from the next two (a model that skipped the line
 * below the cursor and copies what comes after it). Repeats further down are left alone:
 * similar code (the next case, another object with the same keys) is common.
 */
export function dropRepeatedSuffix(document: DocumentSnapshot, completion: string): string {
  const line = cursorLine(document);
  const following = document.text.slice(line.lineEnd).split("\n").filter((text) => text.trim() !== "").slice(0, 3);
  if (following.length === 0) return completion;
  const next = following[0];
  const lines = completion.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const candidate = lines[index];
    if (candidate.trim() === "" || (index === 0 && line.before.trim() !== "")) continue;
    // A closing line repeats the suffix's at the same indentation when it closes a block opened
    // before the completion, or when the suffix's closes nothing before the cursor (its opener
    // is the one the completion writes).
    const repeats = CLOSER_LINE.test(candidate)
      ? candidate.trimEnd() === next.trimEnd() && (index > 0 || line.before.trim() === "")
        && (bracketBalance(lines.slice(0, index).join("\n"), document.languageId).open.length === 0 || !nextLineClosesPrefix(document))
      : candidate.trim() === next.trim() && sameIndentation(index === 0 ? line.before + candidate : candidate, next, document);
    if (repeats || copiesDuplicateBlock(lines, index, line, following)) return lines.slice(0, index).join("\n");
  }
  return completion;
}

/**
 * The line below the cursor repeats the cursor's line (the user is writing a copy of the block
 * that follows) and the completion, from `index`, copies that block's first two lines.
 */
function copiesDuplicateBlock(lines: readonly string[], index: number, cursor: { before: string; after: string }, following: readonly string[]): boolean {
  if (following.length < 3 || following[0].trim() !== (cursor.before + cursor.after).trim()) return false;
  const first = lines[index].trim();
  const secondLine = lines.slice(index + 1).find((text) => text.trim() !== "");
  if (secondLine === undefined || TRIVIAL_LINE.test(first) || TRIVIAL_LINE.test(secondLine)) return false;
  return following[1].trim() === first && following[2].trim() === secondLine.trim();
}

/** A line of the same statement at another depth (a nested `return`) is not a repeat of it. */
function sameIndentation(candidate: string, next: string, document: DocumentSnapshot): boolean {
  const tabSize = document.indent?.size ?? 4;
  return indentWidth(candidate, tabSize) === indentWidth(next, tabSize);
}

/** The first non-empty line after the cursor's closes brackets opened before the cursor (it is not an orphan). */
function nextLineClosesPrefix(document: DocumentSnapshot): boolean {
  const line = cursorLine(document);
  const rest = document.text.slice(line.lineEnd);
  const nextText = /^\s*\n[^\n]*/.exec(rest)?.[0] ?? rest;
  const before = bracketBalance(document.text.slice(0, document.offset), document.languageId);
  const after = bracketBalance(document.text.slice(document.offset, line.lineEnd) + nextText, document.languageId, before.state);
  return after.closedOutside.length > 0 && before.open.length >= after.closedOutside.length;
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
