import { cursorLine, type DocumentSnapshot } from "./documentSnapshot";
import { lineCommentPrefix, usesEndKeyword, usesIndentBlocks } from "./languages";

export type SuggestionMode = "single-line" | "multi-line";

export type SuggestionDecision =
  | { suggest: true; mode: SuggestionMode }
  | { suggest: false; reason: "mid-line" | "comment" | "string" };

/** What may follow the cursor on its line for a mid-line suggestion: closing punctuation only (Copilot's rule). */
const CLOSING_ONLY = /^[\s)\]}>'"`;,.]*$/;

/**
 * When to suggest: at the end of a line, or mid-line only before closing punctuation;
 * several lines only where a block opens; never inside comments or strings unless the
 * user asked (manual trigger).
 */
export function decideSuggestion(document: DocumentSnapshot, manual: boolean): SuggestionDecision {
  const line = cursorLine(document);
  if (!CLOSING_ONLY.test(line.after)) return { suggest: false, reason: "mid-line" };
  if (!manual) {
    if (isInLineComment(line.before, document.languageId)) return { suggest: false, reason: "comment" };
    if (isInString(line.before)) return { suggest: false, reason: "string" };
  }
  return { suggest: true, mode: opensBlock(document) ? "multi-line" : "single-line" };
}

/** The cursor follows a block opener, or sits on an empty line just below one. */
export function opensBlock(document: DocumentSnapshot): boolean {
  const line = cursorLine(document);
  const before = line.before.trimEnd();
  if (before !== "") return endsWithOpener(before, document.languageId);
  // An empty line: look at the previous non-empty line.
  const above = document.text.slice(0, line.lineStart).replace(/\s+$/, "");
  const previousLine = above.slice(above.lastIndexOf("\n") + 1);
  return previousLine !== "" && endsWithOpener(previousLine, document.languageId);
}

function endsWithOpener(text: string, languageId: string): boolean {
  const code = text.replace(/\s+$/, "");
  if (/[{([]$/.test(code) || /=>$/.test(code)) return true;
  if (usesIndentBlocks(languageId) && /:$/.test(code)) return true;
  if (usesEndKeyword(languageId) && /\b(do|then|def\s.*|class\s.*|function.*)$/.test(code)) return true;
  return false;
}

function isInLineComment(before: string, languageId: string): boolean {
  const prefix = lineCommentPrefix(languageId);
  const code = stripStrings(before);
  return code.includes(prefix) || /^\s*(\/\*|\*)/.test(before);
}

function isInString(before: string): boolean {
  let quote: string | undefined;
  for (let index = 0; index < before.length; index++) {
    const char = before[index];
    if (char === "\\") {
      index++;
      continue;
    }
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "\"" || char === "'" || char === "`") {
      quote = char;
    }
  }
  return quote !== undefined;
}

function stripStrings(before: string): string {
  return before.replace(/(["'`])(?:\\.|(?!\1).)*\1/g, "\"\"");
}
