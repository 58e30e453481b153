/**
 * Where a suggestion meets the text around the cursor: no doubled space at the start, and
 * a range that covers the text after the cursor that the suggestion's end repeats (an
 * auto-closed `)`, `"]`, `;`) instead of duplicating it.
 */
import { bracketContext, bracketErrors } from "./bracketFit";
import { scanCode, type ScanResult } from "./codeScanner";
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
  // The whole document counts: a `)` may close a call opened lines above, and a `}` that seems
  // to close an outer block may be an orphan whose block the lines below close.
  const context = bracketContext(document);
  const errors = (rest: string): number => bracketErrors(context, body, line.lineEnd - rest.length);
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
