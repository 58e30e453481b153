/**
 * Judging a suggestion against the span that was cut out: the document it would leave
 * (its range replaces the text up to `replaceEnd`) against the original file.
 */
import type { CutDocument } from "./spanCutter";

export interface ShownSuggestion {
  text: string;
  /** The suggestion replaces the document from the cursor to here. */
  replaceEnd: number;
}

/**
 * - whole: accepting it restores the file exactly;
 * - prefix: it restores the start of the span (and keeps what was after the cursor): never wrong;
 * - wrong: anything else. `range`: the shown text is the span's own (or a start of it) but its
 *   range also replaces text after the cursor, which is lost (`f(|)` shown `g(x)` over the `)`);
 *   `overshoot`: the whole span and then more; `whitespace`: right apart from spaces, tabs or
 *   line breaks; `differs`: other text.
 */
export type Verdict = "whole" | "prefix" | "wrong";
export type WrongKind = "range" | "overshoot" | "whitespace" | "differs";

export interface Judgement {
  verdict: Verdict;
  wrong?: WrongKind;
  /** The document after accepting the suggestion. */
  result: string;
}

export function documentAfter(document: CutDocument, suggestion: ShownSuggestion): string {
  return document.text.slice(0, document.offset) + suggestion.text + document.text.slice(suggestion.replaceEnd);
}

const squeeze = (text: string) => text.replace(/\s+/g, "");

export function judge(document: CutDocument, suggestion: ShownSuggestion): Judgement {
  const result = documentAfter(document, suggestion);
  const original = document.text.slice(0, document.offset) + document.span + document.text.slice(document.offset);
  if (result === original) return { verdict: "whole", result };
  // What the suggestion adds in front of the text it replaces (auto-closed brackets it repeats).
  const replaced = document.text.slice(document.offset, suggestion.replaceEnd);
  if (replaced !== "" && document.span.startsWith(suggestion.text)) return { verdict: "wrong", wrong: "range", result };
  const inserted = suggestion.text.endsWith(replaced) ? suggestion.text.slice(0, suggestion.text.length - replaced.length) : undefined;
  if (inserted !== undefined && document.span.startsWith(inserted)) return { verdict: "prefix", result };
  const added = squeeze(inserted ?? suggestion.text);
  const span = squeeze(document.span);
  const wrong: WrongKind = span.startsWith(added) ? "whitespace" : added.startsWith(span) ? "overshoot" : "differs";
  return { verdict: "wrong", wrong, result };
}
