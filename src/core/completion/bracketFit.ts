/**
 * How well a suggestion's brackets fit the document around it: the document with the
 * suggestion placed at the cursor, scanned whole, counts closers that match nothing (or the
 * wrong kind), brackets nothing closes, and a string left open at the end of the edited line. Used to choose between readings of the same text (whether it
 * replaces an auto-closed `)`, whether a closing line is the one the document lacks).
 */
import { bracketBalance, matchingOpener, OPENERS, scanCode, type ScanState } from "./codeScanner";
import { cursorLine, type DocumentSnapshot } from "./documentSnapshot";

export interface BracketContext {
  readonly document: DocumentSnapshot;
  /** Brackets left open by the text above the cursor's line, and the scanner's state there. */
  readonly open: readonly string[];
  readonly state: ScanState;
}

/** Scans the text above the cursor's line once, for several placements. */
export function bracketContext(document: DocumentSnapshot): BracketContext {
  const line = cursorLine(document);
  const above = bracketBalance(document.text.slice(0, line.lineStart), document.languageId);
  return { document, open: above.open, state: above.state };
}

/** Errors of the document with `inserted` at the cursor, replacing the text up to `replaceEnd`. */
export function bracketErrors(context: BracketContext, inserted: string, replaceEnd: number): number {
  const { document } = context;
  const line = cursorLine(document);
  const rest = document.text.slice(Math.max(replaceEnd, document.offset), Math.max(line.lineEnd, replaceEnd));
  const edited = line.before + inserted + rest;
  const scanned = scanCode(edited + document.text.slice(Math.max(line.lineEnd, replaceEnd)), document.languageId, context.state);
  const open = [...context.open];
  let unmatched = 0;
  for (const { char } of scanned.brackets) {
    if (OPENERS.includes(char)) open.push(char);
    else if (open[open.length - 1] === matchingOpener(char)) open.pop();
    else unmatched++;
  }
  // Brackets left open at the end: the same for every placement compared, unless one of them
  // closes a block the document closes later (then that later closer matches nothing).
  const openString = scanCode(edited, document.languageId, context.state).openString !== undefined;
  return unmatched + open.length + (openString ? 1 : 0);
}
