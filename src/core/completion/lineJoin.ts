/**
 * Where a suggestion meets the text around the cursor: no doubled space at the start, and
 * a range that covers the text after the cursor that the suggestion's end repeats (an
 * auto-closed `)`, `"]`, `;`) instead of duplicating it.
 */
import { OPENERS, scanCode, type ScanResult } from "./codeScanner";
import { cursorLine, type DocumentSnapshot } from "./documentSnapshot";

/** The cursor follows a space or a tab: the suggestion's own leading spaces would double it. */
export function withoutDoubledSpace(document: DocumentSnapshot, text: string): string {
  const before = cursorLine(document).before;
  return /[ \t]$/.test(before) ? text.replace(/^[ \t]+/, "") : text;
}

/**
 * The end of the range the suggestion replaces: the cursor, or past the longest start of
 * the text after it that the suggestion writes again. Brackets count only when the
 * suggestion closes them for the code before the cursor (`foo(bar(2)` does not repeat a
 * following `)`); a terminator (`;`, `,`, ` {`) may follow them when nothing else is left.
 */
export function overlapEnd(document: DocumentSnapshot, text: string, stringDelimiter?: string): number {
  const line = cursorLine(document);
  const after = line.after;
  if (after.trim() === "" || text.trim() === "") return document.offset;
  const body = text.replace(/\s+$/, "");
  // The suggestion starts where the cursor is: inside the string it is in, if any.
  const scan: Scan = (part) => scanCode(part, document.languageId, { blockComment: false, string: stringDelimiter });
  const outside = outsideClosers(scan(body));
  for (let length = after.length; length > 0; length--) {
    if (/\s/.test(after[length - 1])) continue;
    const segment = after.slice(0, length);
    const restEmpty = after.slice(length).trim() === "";
    if (repeats(body, segment, outside, restEmpty, scan)) return document.offset + length;
  }
  return document.offset;
}

type Scan = (text: string) => ScanResult;

/** Offsets of the closers in a scanned text that close brackets opened before it. */
function outsideClosers(scan: ScanResult): number[] {
  const stack: string[] = [];
  const outside: number[] = [];
  for (const { char, index } of scan.brackets) {
    if (OPENERS.includes(char)) stack.push(char);
    else if (stack.length > 0) stack.pop();
    else outside.push(index);
  }
  return outside;
}

/**
 * The suggestion writes `segment` (the start of the text after the cursor) itself: at its
 * end, or followed by code that closes nothing further (` {` and a block, `;`, `.then()`)
 * when nothing else follows the segment on the line.
 */
function repeats(body: string, segment: string, outside: readonly number[], restEmpty: boolean, scan: Scan): boolean {
  const segmentClosers = outsideClosers(scan(segment)).length;
  for (let at = body.indexOf(segment); at >= 0; at = body.indexOf(segment, at + 1)) {
    const end = at + segment.length;
    // The segment's closers must close brackets opened before the cursor, not ones the suggestion opened.
    if (outside.filter((index) => index >= at && index < end).length !== segmentClosers) continue;
    const tail = body.slice(end);
    if (tail.trim() === "") return segmentClosers > 0 || !/["'`]/.test(segment) || closesString(body, at, end, scan);
    if (segmentClosers === 0 || !restEmpty) continue;
    if (outside.some((index) => index >= end)) continue;
    if (scan(body.slice(0, end)).openString === undefined) return true;
  }
  return false;
}

/** The segment's quote closes the string that was open where the segment starts. */
function closesString(body: string, at: number, end: number, scan: Scan): boolean {
  return scan(body.slice(0, at)).openString !== undefined && scan(body.slice(0, end)).openString === undefined;
}
