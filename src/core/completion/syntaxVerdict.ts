import { bracketBalance, scanCode } from "./codeScanner";
import { cursorLine, type DocumentSnapshot } from "./documentSnapshot";

/** What a parser (or, without a grammar, the bracket heuristics) says about a suggestion placed in the document. */
export interface SyntaxVerdict {
  /** Offset in the completion after the block its header line opened, when that block ends inside it. */
  openedBlockEnd: number | null;
  /** Offset in the completion after the end of the block enclosing the cursor, when the completion closes it. */
  enclosingBlockEnd: number | null;
  /** Syntax errors (ERROR and MISSING nodes, or unmatched brackets) without and with the completion. */
  errorsBefore: number;
  errorsAfter: number;
  /** Of those, the errors on the cursor's line (a parser's count; absent for the heuristics). */
  lineErrorsBefore?: number;
  lineErrorsAfter?: number;
  /** The document without the completion has an error at the cursor: the completion fills a hole. */
  holeIsError?: boolean;
  method: "tree" | "heuristic";
}

export interface SyntaxQuery {
  /** The completion replaces the document from the cursor to this offset (text it repeats). */
  replaceEnd: number;
  /** Offset in the completion of the line that opened its block; 0: the cursor's line. */
  headerOffset: number;
}

/** The syntax service: a parser of the document's language, off the extension host's thread. */
export type SyntaxChecker = (document: DocumentSnapshot, completion: string, query: SyntaxQuery, signal: AbortSignal) => Promise<SyntaxVerdict | undefined>;

/**
 * Without a grammar: compare the cursor's line before and after the insertion by its
 * unmatched brackets and whether it ends inside a string. Good enough to refuse an
 * insertion that breaks the line; it cannot see the rest of the file.
 */
export function heuristicVerdict(document: DocumentSnapshot, completion: string, replaceEnd: number): SyntaxVerdict {
  const line = cursorLine(document);
  const rest = document.text.slice(Math.max(replaceEnd, document.offset), line.lineEnd);
  const original = line.before + line.after;
  const completed = line.before + completion + rest;
  return {
    openedBlockEnd: null,
    enclosingBlockEnd: null,
    errorsBefore: lineErrors(original, document.languageId),
    errorsAfter: lineErrors(completed, document.languageId),
    method: "heuristic",
  };
}

function lineErrors(text: string, languageId: string): number {
  const balance = bracketBalance(text, languageId);
  const strings = scanCode(text, languageId).openString !== undefined ? 1 : 0;
  return balance.open.length + balance.closedOutside.length + strings;
}
