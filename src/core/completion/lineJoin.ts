/**
 * Where a suggestion meets the text around the cursor: no doubled space at the start, and
 * a range that covers the text after the cursor that the suggestion's end repeats (an
 * auto-closed `)`, `"]`, `;`) instead of duplicating it.
 */
import { bracketBalance, matchingOpener, OPENERS, scanCode, type ScanResult } from "./codeScanner";
import { cursorLine, type DocumentSnapshot } from "./documentSnapshot";

/** The cursor follows a space or a tab: the suggestion's own leading spaces would double it. */
export function withoutDoubledSpace(document: DocumentSnapshot, text: string): string {
  const before = cursorLine(document).before;
  return /[ \t]$/.test(before) ? text.replace(/^[ \t]+/, "") : text;
}

/**
 * The end of the range the suggestion replaces: the cursor, or past a start of the text after
 * it that the suggestion writes again (`)`, `);`, `"]`, ` {`). Among the starts it repeats,
 * the one that leaves the fewest closers matching nothing (and open strings) wins: `foo(bar(2)` does
 * not swallow a following `)`, and a `)` whose `(` the user has not typed yet (the model
 * writes both) is replaced rather than doubled. On a tie the longer repeat wins.
 */
export function overlapEnd(document: DocumentSnapshot, text: string, stringDelimiter?: string): number {
  const line = cursorLine(document);
  const after = line.after;
  if (after.trim() === "" || text.trim() === "") return document.offset;
  const body = text.replace(/\s+$/, "");
  // The suggestion starts where the cursor is: inside the string it is in, if any.
  const scan: Scan = (part) => scanCode(part, document.languageId, { blockComment: false, string: stringDelimiter });
  // The code around counts: a `)` may close a call opened lines above, and a `}` that seems
  // to close an outer block may be an orphan whose block the lines below close. Everything
  // above is read (a window would leave the closers below it unmatched), a few lines below.
  const above = bracketBalance(document.text.slice(0, line.lineStart), document.languageId);
  const below = document.text.slice(line.lineEnd, endOfLinesBelow(document.text, line.lineEnd, LINES_BELOW));
  const errors = (rest: string): number => {
    const lineText = line.before + body + rest;
    const scanned = scanCode(lineText + below, document.languageId, above.state);
    // Openers from above are not re-checked; the cursor line's are, with their offsets.
    const open: { char: string; index: number }[] = above.open.map((char) => ({ char, index: -1 }));
    let unmatched = 0;
    for (const bracket of scanned.brackets) {
      if (OPENERS.includes(bracket.char)) open.push(bracket);
      else if (open[open.length - 1]?.char === matchingOpener(bracket.char)) open.pop();
      else unmatched++;
    }
    // A bracket the cursor's line opens and nothing closes in the lines below is an error; one
    // opened above may close further down. Closers that match nothing (or the wrong kind) are errors.
    const leftOpen = open.filter((bracket) => bracket.index >= 0 && bracket.index < lineText.length).length;
    const openString = scanCode(lineText, document.languageId, above.state).openString !== undefined;
    return unmatched + leftOpen + (openString ? 1 : 0);
  };
  let best = 0;
  let bestErrors = errors(after);
  for (let length = 1; length <= after.length; length++) {
    if (/\s/.test(after[length - 1])) continue;
    const segment = after.slice(0, length);
    if (!repeats(body, segment, after.slice(length).trim() === "", scan)) continue;
    const candidate = errors(after.slice(length));
    if (candidate <= bestErrors) {
      best = length;
      bestErrors = candidate;
    }
  }
  return document.offset + best;
}

type Scan = (text: string) => ScanResult;

/** Lines below the cursor's whose brackets the overlap choice takes into account. */
const LINES_BELOW = 50;

function endOfLinesBelow(text: string, lineEnd: number, count: number): number {
  let end = lineEnd;
  for (let seen = 0; seen < count && end >= 0 && end < text.length; seen++) end = text.indexOf("\n", end + 1);
  return end < 0 ? text.length : end;
}


/**
 * The suggestion writes `segment` (the start of the text after the cursor) itself: at its
 * end, or, for a segment with closing brackets when nothing else follows it on the line,
 * followed by code that closes nothing (` {` and a block, `;`, `.then()`).
 */
function repeats(body: string, segment: string, restEmpty: boolean, scan: Scan): boolean {
  const closes = /[)\]}]/.test(segment);
  for (let at = body.indexOf(segment); at >= 0; at = body.indexOf(segment, at + 1)) {
    const end = at + segment.length;
    const tail = body.slice(end);
    if (tail.trim() === "") return true;
    if (!closes || !restEmpty || /^\s*[)\]}]/.test(tail)) continue;
    if (scan(body.slice(0, end)).openString === undefined) return true;
  }
  return false;
}
