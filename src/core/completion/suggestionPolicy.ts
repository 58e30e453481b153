import { scanCode } from "./codeScanner";
import { cursorLine, startOfLinesAbove, type DocumentSnapshot } from "./documentSnapshot";
import { isProse } from "./languages";
import { decideShape, type CursorSituation, type SpanRule } from "./suggestionShape";

export type SuggestionMode = "single-line" | "multi-line";

export type SuggestionDecision =
  | {
    suggest: true;
    /** The token budget to ask for: several lines where a block, siblings or a paragraph may follow. */
    mode: SuggestionMode;
    rule: SpanRule;
    situation: CursorSituation;
  }
  | { suggest: false; reason: "comment" | "string" | "mid-word" };

/** Where automatic suggestions are wanted besides code (settings; a manual request asks anywhere). */
export interface SuggestIn {
  comments: boolean;
  strings: boolean;
}

/** How many lines above the cursor are read to know whether it sits in a string or a comment. */
const SITUATION_LINES = 200;

/**
 * Whether to ask the model, and for what shape of suggestion. Comments wait until the
 * user has typed a word after the marker (or asked with Alt+\); strings are completed up
 * to their closing quote; mid-line suggestions are asked for and checked afterwards.
 */
/** Suggestions everywhere: the settings' defaults. */
export const SUGGEST_EVERYWHERE: SuggestIn = { comments: true, strings: true };

export function decideSuggestion(document: DocumentSnapshot, manual: boolean, suggestIn: SuggestIn = SUGGEST_EVERYWHERE): SuggestionDecision {
  const line = cursorLine(document);
  const situation = cursorSituation(document);
  if (situation.inComment && !manual && (!suggestIn.comments || !hasTypedWord(situation.commentText))) return { suggest: false, reason: "comment" };
  if (situation.stringDelimiter !== undefined && !manual && !suggestIn.strings) return { suggest: false, reason: "string" };
  // Inside a word (`val|ue`) nothing the model writes can be an insertion the user wants.
  if (!manual && /[\p{L}\p{N}_]$/u.test(line.before) && /^[\p{L}\p{N}_]/u.test(line.after)) return { suggest: false, reason: "mid-word" };
  const rule = decideShape(document, situation);
  const mode: SuggestionMode = rule.shape === "line" ? "single-line" : "multi-line";
  return { suggest: true, mode, rule, situation };
}

/** The cursor is in a comment, in a string (which), or in a Markdown code fence. */
export function cursorSituation(document: DocumentSnapshot): CursorSituation & { commentText: string } {
  const line = cursorLine(document);
  const windowStart = startOfLinesAbove(document.text, line.lineStart, SITUATION_LINES);
  const inCodeFence = isProse(document.languageId) && insideCodeFence(document.text.slice(windowStart, line.lineStart));
  if (isProse(document.languageId) && !inCodeFence) return { inComment: false, inCodeFence, commentText: "" };
  const scan = scanCode(document.text.slice(windowStart, document.offset), document.languageId);
  const inComment = scan.commentStart !== undefined;
  const commentFrom = inComment ? Math.max(windowStart + (scan.commentStart ?? 0), line.lineStart) : document.offset;
  return {
    inComment,
    inCodeFence,
    stringDelimiter: inComment ? undefined : scan.openString,
    commentText: document.text.slice(commentFrom, document.offset),
  };
}

/** A word after the comment marker on the cursor's line: the user is writing prose the model can continue. */
function hasTypedWord(commentText: string): boolean {
  const words = commentText.replace(/^[\s/*#;%!<>{}()-]+/, "");
  return /[\p{L}\p{N}_]{2,}/u.test(words);
}


function insideCodeFence(textAbove: string): boolean {
  let open = false;
  for (const line of textAbove.split("\n")) if (/^\s*(```|~~~)/.test(line)) open = !open;
  return open;
}
