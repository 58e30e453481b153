/**
 * How far a suggestion may run: one line; the block its first line opens; the block
 * opened at the cursor; the siblings of an empty line inside a block; a paragraph of prose.
 * The decision is made before the request (decideShape) and the same rule (spanEnd) is
 * applied token by token in the engine, to stop generating, and to the finished text in
 * post-processing, so the engine never cuts what post-processing would keep.
 */
import { bracketBalance, CLOSERS, scanCode, type ScanState } from "./codeScanner";
import { cursorLine, indentWidth, type DocumentSnapshot } from "./documentSnapshot";
import { allowsAllmanBraces, isProse, usesEndKeyword, usesIndentBlocks } from "./languages";

export type SpanShape =
  /** One line (mid-line, in a comment or a one-line string). */
  | "line"
  /** One line, unless that line opens a block: then the block. */
  | "line-or-block"
  /** The cursor follows a block opener: the block's body (and its closing line). */
  | "block"
  /** An empty line inside a block: the statements, fields, arms or entries the model writes there. */
  | "siblings"
  /** Prose: to the end of the paragraph. */
  | "paragraph"
  /** Inside a string that spans lines: to its closing delimiter. */
  | "string-block";

/** Everything the rule needs, small enough to send to the engine with each request. */
export interface SpanRule {
  shape: SpanShape;
  languageId: string;
  /** The cursor line's text before the cursor. */
  linePrefix: string;
  tabSize: number;
  /** "block": the header line's indentation; "siblings": the cursor's (-1: the first line the model writes sets it). */
  baseIndent: number;
  /** The model may start with a line break and suggest the next line (cursor at the end of a line). */
  nextLineAllowed: boolean;
  /** "line": stop before this delimiter (the string is closed later on the line); "string-block": stop after it. */
  closingQuote?: string;
}

export interface SpanCut {
  /** Where the suggestion starts in the model's text: after a Markdown fence line it opened with. */
  start: number;
  /** Length of the model's text to keep (the suggestion is text.slice(start, end)). */
  end: number;
  /** More text cannot change `end`: generation may stop. */
  complete: boolean;
  /** The kept text is a block or siblings, not one line. */
  multiLine: boolean;
  /** Offset in the text of the line that opened the kept block (undefined: the cursor's line). */
  headerStart?: number;
  /**
   * "siblings": the last kept line closes the block enclosing the cursor. `end` keeps it (or
   * its closing brackets), `endWithoutCloser` does not: the document may already have them.
   */
  endWithoutCloser?: number;
  /** The kept lines are siblings, not one block. */
  siblings?: boolean;
}

interface Line {
  start: number;
  end: number;
  text: string;
  finished: boolean;
}

/** What follows the cursor on its line that a suggestion may go before: closing punctuation only. */
export const CLOSING_ONLY = /^[\s)\]}>'"`;,.]*$/;

/** A line holding only the start of a field, variant or arm: one word, or a marker (`|`). */
const STARTED_SIBLING = /^\s+(?:[\p{L}_$][\p{L}\p{N}_$]*|\|)[ \t]*$/u;
const CONTINUATION = /^(?:\}\s*)?(?:else\b|elif\b|elsif\b|elseif\b|except\b|catch\b|finally\b|rescue\b|ensure\b|when\b)/;
/** A line that starts the next declaration: a block whose brackets are still open ended before it. */
const DECLARATION = /^(?:(?:export|public|private|protected|internal|static|pub(?:\([^)]*\))?|async|abstract|final|override|open)\s+)*(?:func|fn|def|class|struct|interface|enum|impl|trait|function|module|namespace|package|import|using|type\s+\w+\s+(?:struct|interface))\b/;
/** An opening tag left open at the end of a line (`<ul>`, `<div class="a">`), not a void or self-closed one. */
const OPEN_TAG = /<([A-Za-z][\w:-]*)(?:\s[^<>]*)?>$/;
const VOID_TAGS = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "!doctype"]);
const MARKUP = new Set(["html", "xml", "vue", "svelte", "php", "javascriptreact", "typescriptreact"]);

// ── The decision before the request ─────────────────────────────────────────

export interface CursorSituation {
  /** The delimiter of the string the cursor is in. */
  stringDelimiter?: string;
  inComment: boolean;
  /** Inside a fenced code block of a Markdown file: code, not prose. */
  inCodeFence?: boolean;
}

export function decideShape(document: DocumentSnapshot, situation: CursorSituation): SpanRule {
  const line = cursorLine(document);
  const rule: SpanRule = {
    shape: "line", languageId: document.languageId, linePrefix: line.before, tabSize: document.indent?.size ?? 4, baseIndent: 0, nextLineAllowed: false,
  };
  const afterEmpty = line.after.trim() === "";
  if (situation.inComment) return rule;
  if (situation.stringDelimiter !== undefined) {
    const delimiter = situation.stringDelimiter;
    if (line.after.includes(delimiter)) return { ...rule, closingQuote: delimiter };
    if (delimiter.length === 3 || delimiter === "`") return { ...rule, shape: "string-block", closingQuote: delimiter };
    return rule;
  }
  if (!CLOSING_ONLY.test(line.after)) return rule;
  if (isProse(document.languageId) && !situation.inCodeFence) return { ...rule, shape: "paragraph", nextLineAllowed: afterEmpty };
  const before = line.before;
  const cursorIndent = indentWidth(before, rule.tabSize);
  const inBlock = cursorIndent > 0 || insideBlockAbove(document, line.lineStart, rule.tabSize);
  if (before.trim() !== "") {
    if (blockOpening(before, document.languageId)) return { ...rule, shape: "block", baseIndent: cursorIndent };
    // One word (or an arm's `|`) typed on a new line in a block: the start of a sibling, and more may follow.
    if (inBlock && afterEmpty && cursorIndent > 0 && STARTED_SIBLING.test(before)) return { ...rule, shape: "siblings", baseIndent: cursorIndent, nextLineAllowed: false };
    return { ...rule, shape: "line-or-block", nextLineAllowed: afterEmpty };
  }
  if (inBlock) return { ...rule, shape: "siblings", baseIndent: cursorIndent > 0 ? cursorIndent : -1, nextLineAllowed: true };
  return { ...rule, shape: "line-or-block", nextLineAllowed: afterEmpty };
}

/** The nearest non-empty line above is indented or opens a block: an empty line at column 0 is still inside it. */
function insideBlockAbove(document: DocumentSnapshot, lineStart: number, tabSize: number): boolean {
  const above = document.text.slice(Math.max(0, lineStart - 4000), lineStart).replace(/\s+$/, "");
  const previous = above.slice(above.lastIndexOf("\n") + 1);
  if (previous.trim() === "") return false;
  return indentWidth(previous, tabSize) > 0 || blockOpening(previous, document.languageId) !== undefined;
}

// ── Block openers ───────────────────────────────────────────────────────────

export type BlockKind =
  /** Ends where the brackets the header opened are closed. */
  | { kind: "brackets"; depth: number }
  /** Ends where indentation returns to the header's (or at `end`). */
  | { kind: "indent" };

const END_OPENER_START = /^\s*(?:(?:export|private|public|protected|async|static|local|abstract|mutable|pub)\s+)*(?:def|class|module|function|if|unless|while|until|for|case|begin|struct|macro|quote|let|do|try|repeat|defmodule|defp?|mutable\s+struct|abstract\s+type)\b/;

/** Whether a line (a header) opens a block, and how that block ends. */
export function blockOpening(text: string, languageId: string): BlockKind | undefined {
  const scan = scanCode(text, languageId);
  const code = (scan.commentStart !== undefined ? text.slice(0, scan.commentStart) : text).replace(/\s+$/, "");
  if (code === "" || scan.openString !== undefined) return undefined;
  if (/[{([]$/.test(code)) {
    const depth = bracketBalance(code, languageId).open.length;
    return depth > 0 ? { kind: "brackets", depth } : undefined;
  }
  if (/=>$/.test(code)) return { kind: "indent" };
  if (MARKUP.has(languageId)) {
    const tag = OPEN_TAG.exec(code);
    if (tag && !VOID_TAGS.has(tag[1].toLowerCase()) && !code.endsWith("/>") && !code.includes(`</${tag[1]}`)) return { kind: "indent" };
  }
  if (usesIndentBlocks(languageId)) {
    if (/:$/.test(code)) return { kind: "indent" };
    if (languageId !== "python" && languageId !== "yaml" && /(?:[=]|->|\b(?:do|then|else|where|of|with))$/.test(code)) return { kind: "indent" };
  }
  if (usesEndKeyword(languageId)) {
    if (/\b(?:do|then)$/.test(code) || /\bdo\s*\|[^|]*\|$/.test(code)) return { kind: "indent" };
    if (END_OPENER_START.test(code) && !/\bend\b/.test(code)) return { kind: "indent" };
  }
  return undefined;
}

// ── The rule applied to generated text ──────────────────────────────────────

/**
 * How much of the model's text (so far) belongs to the suggestion. `final`: generation
 * has ended, so an unfinished last line counts as finished.
 */
export function spanEnd(rule: SpanRule, text: string, final: boolean): SpanCut {
  const start = fenceStart(text, rule.languageId, final);
  if (start === undefined) return { start: 0, end: 0, complete: false, multiLine: false };
  const lines = splitLines(text, start, final);
  const fence = closingFence(lines, rule.languageId);
  const usable = fence === undefined ? lines : lines.slice(0, fence);
  if (usable.length === 0) return { start, end: start, complete: true, multiLine: false };
  const cut = shapeSpan(rule, usable, final || fence !== undefined);
  const end = Math.max(start, cut.end);
  return { ...cut, start, end, complete: cut.complete || fence !== undefined };
}

function shapeSpan(rule: SpanRule, lines: Line[], final: boolean): LineCut {
  switch (rule.shape) {
    case "line": return lineSpan(rule, lines, final);
    case "line-or-block": return lineOrBlockSpan(rule, lines, final);
    case "block": return openedBlockSpan(rule, lines, final);
    case "siblings": return siblingsSpan(rule, lines, final);
    case "paragraph": return paragraphSpan(rule, lines, final);
    case "string-block": return stringBlockSpan(rule, lines, final);
  }
}

/** A Markdown fence the model wrapped its answer in: the text starts after it. Undefined until that is known. */
function fenceStart(text: string, languageId: string, final: boolean): number | undefined {
  if (isProse(languageId)) return 0;
  const lead = /^\s*/.exec(text)?.[0].length ?? 0;
  const rest = text.slice(lead);
  if (!final && (rest === "`" || rest === "``")) return undefined;
  if (!rest.startsWith("```")) return 0;
  const newline = text.indexOf("\n", lead);
  if (newline < 0) return final ? text.length : undefined;
  return newline + 1;
}

/** The index of a line that closes a Markdown fence: the suggestion ends before it. */
function closingFence(lines: Line[], languageId: string): number | undefined {
  if (isProse(languageId)) return undefined;
  const index = lines.findIndex((line) => line.text.trimStart().startsWith("```") && (line.finished || line.text.trim().length >= 3));
  return index < 0 ? undefined : index;
}

function splitLines(text: string, start: number, final: boolean): Line[] {
  const lines: Line[] = [];
  let lineStart = start;
  for (;;) {
    const newline = text.indexOf("\n", lineStart);
    if (newline < 0) {
      const end = text.endsWith("\r") && final ? text.length - 1 : text.length;
      lines.push({ start: lineStart, end, text: text.slice(lineStart, end), finished: final });
      return lines;
    }
    const end = text[newline - 1] === "\r" && newline - 1 >= lineStart ? newline - 1 : newline;
    lines.push({ start: lineStart, end, text: text.slice(lineStart, end), finished: true });
    lineStart = newline + 1;
  }
}

const isBlank = (line: Line) => line.text.trim() === "";

type LineCut = Omit<SpanCut, "start">;

function cut(end: number, complete: boolean, multiLine = false): LineCut {
  return { end, complete, multiLine };
}

/** The first line with text: line 0, or (when allowed) a later one after the line breaks the model started with. */
function firstContentLine(rule: SpanRule, lines: Line[]): number | undefined {
  if (!isBlank(lines[0])) return 0;
  if (!rule.nextLineAllowed) return lines[0].finished ? -1 : undefined;
  const index = lines.findIndex((line, position) => position > 0 && !isBlank(line));
  return index < 0 ? undefined : index;
}

function lineSpan(rule: SpanRule, lines: Line[], final: boolean): LineCut {
  if (rule.closingQuote !== undefined) {
    const quote = closingQuoteIndex(lines[0].text, rule.closingQuote);
    if (quote !== undefined) return cut(lines[0].start + quote, true);
  }
  const first = firstContentLine(rule, lines);
  if (first === undefined) return cut(0, final);
  if (first < 0) return cut(0, true);
  return cut(lines[first].end, lines[first].finished);
}

function closingQuoteIndex(text: string, quote: string): number | undefined {
  for (let index = 0; index < text.length; index++) {
    if (text[index] === "\\") {
      index++;
      continue;
    }
    if (text.startsWith(quote, index)) return index;
  }
  return undefined;
}

function lineOrBlockSpan(rule: SpanRule, lines: Line[], final: boolean): LineCut {
  const first = firstContentLine(rule, lines);
  if (first === undefined) return cut(0, final);
  if (first < 0) return cut(0, true);
  const header = lines[first];
  if (!header.finished) return cut(header.end, false);
  const headerText = first === 0 ? rule.linePrefix + header.text : header.text;
  const headerIndent = indentWidth(headerText, rule.tabSize);
  const opening = blockOpening(headerText, rule.languageId);
  const headerStart = first === 0 ? undefined : header.start;
  if (opening) return { ...blockSpan(rule, lines, first, headerIndent, opening, final), headerStart };
  if (!allowsAllmanBraces(rule.languageId) || !mayPrecedeBrace(headerText)) return cut(header.end, true);
  // Allman style: the header's brace stands alone on the next line.
  const next = lines.findIndex((line, index) => index > first && !isBlank(line));
  if (next < 0) return cut(header.end, final);
  const brace = lines[next];
  const trimmed = brace.text.trim();
  if (!trimmed.startsWith("{") || indentWidth(brace.text, rule.tabSize) < headerIndent) return cut(header.end, true);
  if (!brace.finished) return cut(header.end, false);
  if (trimmed !== "{") return cut(header.end, true);
  return { ...blockSpan(rule, lines, next, headerIndent, { kind: "brackets", depth: 1 }, final), headerStart };
}

/** A header whose block may open on the next line (`void Run()`, `class A : B`, `else`). */
function mayPrecedeBrace(headerText: string): boolean {
  const code = headerText.trim();
  return code !== "" && /[\w)>\]]$/.test(code) && !/^(?:return|break|continue|throw|import|using|package|#)\b/.test(code);
}

function openedBlockSpan(rule: SpanRule, lines: Line[], final: boolean): LineCut {
  const opening = blockOpening(rule.linePrefix, rule.languageId) ?? { kind: "indent" as const };
  if (opening.kind === "indent") return blockSpan(rule, lines, 0, rule.baseIndent, opening, final);
  // The model may write on the header line itself (`{ return 1; }`): count its brackets too.
  if (!lines[0].finished) return cut(lines[0].end, false, true);
  const depth = bracketBalance(rule.linePrefix + lines[0].text, rule.languageId).open.length;
  if (depth === 0) return cut(lines[0].end, true);
  return blockSpan(rule, lines, 0, rule.baseIndent, { kind: "brackets", depth }, final);
}

/**
 * The block whose header is `lines[opener]`: by brackets (until they close) or by
 * indentation (until a line returns to the header's, keeping `end` and `else`-like lines).
 */
function blockSpan(rule: SpanRule, lines: Line[], opener: number, base: number, opening: BlockKind, final: boolean): LineCut {
  let depth = opening.kind === "brackets" ? opening.depth : 0;
  let lastKept = opener;
  let state: ScanState = scanCode(lines[opener].text, rule.languageId).state;
  const keep = (complete: boolean) => cut(lines[lastKept].end, complete, lastKept > opener);
  for (let index = opener + 1; index < lines.length; index++) {
    const line = lines[index];
    if (isBlank(line)) {
      if (!line.finished) return keep(false);
      continue;
    }
    const indent = indentWidth(line.text, rule.tabSize);
    const trimmed = line.text.trim();
    // A line inside a string that spans lines (a template, a docstring, a here-document) is text: its indentation says nothing.
    if (state.string !== undefined) {
      if (!line.finished) return keep(false);
      state = scanCode(line.text, rule.languageId, state).state;
      lastKept = index;
      continue;
    }
    if (opening.kind === "brackets") {
      // The model left the block without closing it (the next declaration): stop before.
      if (indent < base && !CLOSERS.includes(trimmed[0])) return keep(true);
      if (indent <= base && line.finished && DECLARATION.test(trimmed)) return keep(true);
      if (!line.finished) return keep(false);
      const balance = bracketBalance(line.text, rule.languageId, state);
      state = balance.state;
      const lowest = depth - balance.closedOutside.length;
      lastKept = index;
      if (lowest <= 0 && balance.open.length === 0) return keep(true);
      depth = Math.max(0, lowest) + balance.open.length;
      continue;
    }
    if (indent > base) {
      if (!line.finished) return keep(false);
      state = scanCode(line.text, rule.languageId, state).state;
      lastKept = index;
      continue;
    }
    if (!line.finished) return keep(false);
    const closesTag = MARKUP.has(rule.languageId) && trimmed.startsWith("</");
    if (indent === base && (closesTag || (usesEndKeyword(rule.languageId) && /^end\b/.test(trimmed)))) {
      lastKept = index;
      return keep(true);
    }
    if (indent === base && CONTINUATION.test(trimmed) && (blockOpening(trimmed, rule.languageId) || usesEndKeyword(rule.languageId))) {
      lastKept = index;
      continue;
    }
    return keep(true);
  }
  return keep(final);
}

function siblingsSpan(rule: SpanRule, lines: Line[], final: boolean): LineCut {
  let base = rule.baseIndent;
  let depth = 0;
  let lastKept = -1;
  let state: ScanState = { blockComment: false, string: undefined };
  const keep = (complete: boolean): LineCut => ({ ...cut(lastKept < 0 ? 0 : lines[lastKept].end, complete, lastKept > 0), siblings: true });
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (isBlank(line)) {
      if (!line.finished) return keep(false);
      continue;
    }
    const indent = index === 0 ? indentWidth(rule.linePrefix + line.text, rule.tabSize) : indentWidth(line.text, rule.tabSize);
    if (lastKept < 0 && base < 0) base = indent;
    // A line inside a string that spans lines (a template, a docstring, a here-document) is text: its indentation says nothing.
    if (state.string !== undefined) {
      if (!line.finished) return keep(false);
      state = scanCode(line.text, rule.languageId, state).state;
      lastKept = index;
      continue;
    }
    // A dedent below the cursor's indentation ends the siblings (known from the line's first character).
    if (lastKept >= 0 && indent < base && !CLOSERS.includes(line.text.trim()[0])) return keep(true);
    if (!line.finished) return keep(false);
    if (index === 0 && rule.linePrefix.trim() !== "") {
      // The user started this sibling: if it opens a block (a method), the suggestion is that block.
      const opening = blockOpening(rule.linePrefix + line.text, rule.languageId);
      if (opening) return blockSpan(rule, lines, 0, base, opening, final);
    }
    const balance = bracketBalance(line.text, rule.languageId, state);
    state = balance.state;
    const lowest = depth - balance.closedOutside.length;
    if (lowest < 0 && balance.open.length > 0 && CONTINUATION.test(line.text.trim())) {
      // `} else {`, `} catch (e) {`: the enclosing block goes on as its next branch.
      depth = balance.open.length - 1;
      lastKept = index;
      continue;
    }
    if (lowest < 0) {
      // This line closes the block enclosing the cursor.
      const withoutCloser = lastKept < 0 ? 0 : lines[lastKept].end;
      if (CLOSERS.includes(line.text.trim()[0])) {
        return { end: line.end, complete: true, multiLine: lastKept >= 0, endWithoutCloser: withoutCloser, siblings: true };
      }
      // It closes the block after some text of its own (`x = 1 }`): that text, and the closer where the document lacks it.
      const closerAt = line.start + enclosingCloserIndex(line.text, rule.languageId, depth);
      return { end: line.end, complete: true, multiLine: lastKept >= 0, endWithoutCloser: closerAt, siblings: true };
    }
    depth = lowest + balance.open.length;
    lastKept = index;
  }
  return keep(final);
}

/** Where, in a line, the closer of a block opened before it stands (its text before that, without trailing spaces). */
function enclosingCloserIndex(text: string, languageId: string, depth: number): number {
  const scan = scanCode(text, languageId);
  let level = depth;
  for (const { char, index } of scan.brackets) {
    if (CLOSERS.includes(char)) level--;
    else level++;
    if (level < 0) return text.slice(0, index).replace(/\s+$/, "").length;
  }
  return text.length;
}

function paragraphSpan(rule: SpanRule, lines: Line[], final: boolean): LineCut {
  const first = firstContentLine(rule, lines);
  if (first === undefined) return cut(0, final);
  if (first < 0) return cut(0, true);
  let lastKept = first;
  for (let index = first; index < lines.length; index++) {
    const line = lines[index];
    if (isBlank(line)) return line.finished ? cut(lines[lastKept].end, true, lastKept > first) : cut(lines[lastKept].end, false, lastKept > first);
    lastKept = index;
    if (!line.finished) return cut(line.end, false, lastKept > first);
  }
  return cut(lines[lastKept].end, final, lastKept > first);
}

function stringBlockSpan(rule: SpanRule, lines: Line[], final: boolean): LineCut {
  const quote = rule.closingQuote ?? "\"\"\"";
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (closingQuoteIndex(line.text, quote) !== undefined) return cut(line.end, line.finished, index > 0);
  }
  const last = lines[lines.length - 1];
  return cut(last.end, final, lines.length > 1);
}
