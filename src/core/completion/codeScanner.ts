/**
 * A small lexer for completion decisions without a parser: which brackets are code (not
 * inside strings or comments), and whether a position is inside a string or a comment.
 * It knows each language's comment markers and string quotes; it does not parse.
 */
import { backtickIsString, blockCommentDelimiters, hasTripleQuotes, lineCommentMarkers, singleQuoteIsChar } from "./languages";

/** Where a scan ended: inside a block comment or a string that may continue on the next line. */
export interface ScanState {
  blockComment: boolean;
  /** The delimiter of a string still open (a multi-line one at a line end). */
  string: string | undefined;
}

export interface ScanResult {
  state: ScanState;
  /** Brackets outside strings and comments, with their offsets. */
  brackets: { char: string; index: number }[];
  /** The text ended inside a line comment. */
  lineComment: boolean;
  /** The string open at the end of the text, even a single-line one (where the cursor is, when text ends at it). */
  openString: string | undefined;
  /** Offset where the comment open at the end began (line or block). */
  commentStart: number | undefined;
}

export const OPENERS = "([{";
export const CLOSERS = ")]}";

export function matchingOpener(closer: string): string {
  return OPENERS[CLOSERS.indexOf(closer)];
}

const FRESH: ScanState = { blockComment: false, string: undefined };

/** Scans `text` (one or more lines) from `state`. */
export function scanCode(text: string, languageId: string, state: ScanState = FRESH): ScanResult {
  const lineMarkers = lineCommentMarkers(languageId);
  const block = blockCommentDelimiters(languageId);
  const triple = hasTripleQuotes(languageId);
  const backtick = backtickIsString(languageId);
  const charQuote = singleQuoteIsChar(languageId);
  const brackets: { char: string; index: number }[] = [];
  let blockComment = state.blockComment;
  let string = state.string;
  let lineComment = false;
  let commentStart: number | undefined = blockComment ? 0 : undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === "\n") {
      if (lineComment) { lineComment = false; commentStart = undefined; }
      // A shell here-document ends at a line holding only its word.
      if (string?.startsWith("<<")) {
        const word = string.replace(/^<<-?/, "");
        const next = /^[\t]*([^\n]*)/.exec(text.slice(index + 1))?.[1];
        if (next === word) {
          string = undefined;
          index += text.slice(index + 1).indexOf(word) + word.length;
        }
        continue;
      }
      // Single-line strings end at the line end (unterminated); multi-line ones go on.
      if (string !== undefined && !isMultiLine(string)) string = undefined;
      continue;
    }
    if (lineComment) continue;
    if (blockComment) {
      if (block && text.startsWith(block[1], index)) {
        blockComment = false;
        commentStart = undefined;
        index += block[1].length - 1;
      }
      continue;
    }
    if (string?.startsWith("<<")) continue;
    if (string !== undefined) {
      // Go's backtick strings are raw: a backslash is a backslash.
      if (char === "\\" && !(string === "`" && languageId === "go")) {
        index++;
        continue;
      }
      if (text.startsWith(string, index)) {
        index += string.length - 1;
        string = undefined;
      }
      continue;
    }
    if (block && text.startsWith(block[0], index)) {
      blockComment = true;
      commentStart = index;
      index += block[0].length - 1;
      continue;
    }
    if (lineMarkers.some((marker) => text.startsWith(marker, index)) && !isInsideWord(text, index, languageId)) {
      lineComment = true;
      commentStart = index;
      continue;
    }
    if (char === "/" && REGEX_LANGUAGES.has(languageId)) {
      const end = regexLiteralEnd(text, index);
      if (end !== undefined) {
        index = end;
        continue;
      }
    }
    if (char === "\"" || char === "'") {
      if (triple && text.startsWith(char.repeat(3), index)) {
        string = char.repeat(3);
        index += 2;
        continue;
      }
      if (char === "'" && charQuote) {
        const literal = /^'(?:\\.[^']{0,8}|[^'\\])'/.exec(text.slice(index, index + 12));
        if (literal) index += literal[0].length - 1;
        continue;
      }
      string = char;
      continue;
    }
    if (char === "<" && languageId === "shellscript") {
      const heredoc = /^<<(-?)\s*(['"]?)([A-Za-z_]\w*)\2/.exec(text.slice(index, index + 64));
      if (heredoc) {
        string = `<<${heredoc[1]}${heredoc[3]}`;
        index += heredoc[0].length - 1;
        continue;
      }
    }
    if (char === "`" && backtick) {
      string = "`";
      continue;
    }
    // A shell `case` pattern (`start)`) closes no bracket.
    if (char === ")" && languageId === "shellscript" && isCasePattern(text, index)) continue;
    if (OPENERS.includes(char) || CLOSERS.includes(char)) brackets.push({ char, index });
  }
  return {
    state: { blockComment, string: string !== undefined && isMultiLine(string) ? string : undefined },
    brackets,
    lineComment,
    openString: string,
    commentStart: lineComment || blockComment ? commentStart : undefined,
  };
}

const REGEX_LANGUAGES = new Set(["javascript", "javascriptreact", "typescript", "typescriptreact", "vue", "svelte"]);

/**
 * The last index of a regular expression literal starting at `index` (`/[)}]+/g`), or
 * undefined for a division: a regex follows an operator, an opening bracket, a separator or
 * a keyword, and closes on its line.
 */
function regexLiteralEnd(text: string, index: number): number | undefined {
  const next = text[index + 1];
  if (next === "/" || next === "*" || next === undefined || next === "\n") return undefined;
  const before = text.slice(Math.max(0, index - 16), index).replace(/\s+$/, "");
  if (before !== "" && !/[(,=:[!&|?{};+\-*%<>~^]$/.test(before) && !/(?:^|[^\w$])(?:return|typeof|case|of|in|yield|await|void|delete)$/.test(before)) return undefined;
  let inClass = false;
  for (let at = index + 1; at < text.length; at++) {
    const char = text[at];
    if (char === "\n") return undefined;
    if (char === "\\") at++;
    else if (char === "[") inClass = true;
    else if (char === "]") inClass = false;
    else if (char === "/" && !inClass) {
      let end = at;
      while (/[a-z]/.test(text[end + 1] ?? "")) end++;
      return end;
    }
  }
  return undefined;
}

function isCasePattern(text: string, index: number): boolean {
  const lineStart = text.lastIndexOf("\n", index - 1) + 1;
  return /^\s*[^\s()]+(?:\s*\|\s*[^\s()]+)*\s*$/.test(text.slice(lineStart, index));
}

function isMultiLine(delimiter: string): boolean {
  return delimiter.length === 3 || delimiter === "`" || delimiter.startsWith("<<");
}

/** `#` in `$#array`, `--` in `i--`: comment markers that are operators here. */
function isInsideWord(text: string, index: number, languageId: string): boolean {
  const previous = text[index - 1];
  if (text.startsWith("--", index) && languageId !== "sql") return previous !== undefined && /[\w)\]]/.test(previous);
  // In a shell, `#` starts a comment only at the start of a word (`${#list}`, `$#` are not comments).
  if (text[index] === "#") return previous !== undefined && (languageId === "shellscript" ? !/[\s;|&(]/.test(previous) : /[\w$]/.test(previous));
  return false;
}

/**
 * Brackets that `text` leaves open, innermost last, and the closers in it that close
 * brackets opened before it (in order).
 */
export function bracketBalance(text: string, languageId: string, state?: ScanState): { open: string[]; closedOutside: string[]; state: ScanState } {
  const scan = scanCode(text, languageId, state);
  const open: string[] = [];
  const closedOutside: string[] = [];
  for (const { char } of scan.brackets) {
    if (OPENERS.includes(char)) open.push(char);
    else if (open.length > 0 && open[open.length - 1] === matchingOpener(char)) open.pop();
    else if (open.length === 0) closedOutside.push(char);
    // A mismatched closer inside the text is ignored: one stray bracket must not end a block.
  }
  return { open, closedOutside, state: scan.state };
}
