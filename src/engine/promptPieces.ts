/**
 * A FIM prompt as token pieces whose tokens do not depend on where they sit (DESIGN.md "Prompt
 * layout for cache reuse"): text is tokenized a line at a time (a line with the blank lines after
 * it), so a line has the same tokens in the prefix as after the middle token, and a window step
 * or a cursor jump leaves the cached tokens of unchanged lines reusable. Code tokenizers split
 * before a line that starts with text anyway, so the tokens are the ones the whole text gets.
 */
import type { FimFormat, FimTokenRole } from "../core/fim/fimFormat";
import type { PromptSegment } from "../core/fim/fimLayout";
import type { PromptPiece } from "./promptFit";

/**
 * Where a prompt's text is cut into pieces: before each line that has non-blank content (blank
 * lines stay with the line above). "line-start" cuts at the line's start (Qwen- and
 * DeepSeek-style pre-tokenizers end a token at a newline; SentencePiece newlines are byte
 * tokens); "word-start" cuts before the last blank (newlines included) ahead of the line's first
 * word (GPT-2-style pre-tokenizers, StarCoder's, join the blanks between two lines but the last
 * one, which starts the word's token; before a digit, all of them).
 */
export type LineSplit = "line-start" | "word-start";

export function splitLines(text: string, style: LineSplit = "line-start"): string[] {
  const pieces: string[] = [];
  let start = 0;
  let lineStart = 0;
  while (lineStart < text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline < 0 ? text.length : newline + 1;
    const content = text.slice(lineStart, lineEnd).search(/\S/);
    if (content >= 0) {
      const first = lineStart + content;
      // A digit does not take a leading space in those pre-tokenizers: the blanks stay whole before it.
      const cut = style === "word-start" && first > 0 && /\s/.test(text[first - 1]) && !/\d/.test(text[first]) ? first - 1 : style === "word-start" ? first : lineStart;
      if (cut > start) {
        pieces.push(text.slice(start, cut));
        start = cut;
      }
    }
    lineStart = lineEnd;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

const PROBE = [
  "import { a } from \"./a\";\n\nexport function f(items) {\n  let sum = 0;\n\tfor (const item of items) {\n    sum += item * 2;\n  \n",
  "    if (sum > 10) break;\n  }\n  // done\n  return [sum, 'x', 42];\n}\n\n\nclass B {}\n  1 + 2;\n",
].join("");

/** The cut that gives pieces the tokens of the whole text with this tokenizer (tried on sample code). */
export function chooseLineSplit(tokenize: (text: string) => readonly number[]): LineSplit {
  const whole = tokenize(PROBE).join(",");
  for (const style of ["line-start", "word-start"] as const) {
    if (splitLines(PROBE, style).flatMap((piece) => [...tokenize(piece)]).join(",") === whole) return style;
  }
  return "line-start";
}

export interface PieceTokenizer<T extends number = number> {
  /**
   * Tokens of `text` as a continuation of what precedes it: a SentencePiece tokenizer adds no
   * word-start space, wherever the text sits (after a special token or not), so a line has the
   * same tokens in the prefix, the suffix and after the middle token. (CodeLlama's reference
   * encodes the suffix this way; its prefix's first word alone differs by that space.)
   */
  tokenize(text: string): T[];
  special(role: FimTokenRole): T;
  /** How text is cut into pieces for this tokenizer. */
  readonly split?: LineSplit;
}

/** Remembers the tokens of recent lines: most of a prompt is the same lines as the last one's. */
export class MemoizedTokenizer<T extends number> implements PieceTokenizer<T> {
  private readonly memo = new Map<string, T[]>();

  constructor(private readonly inner: PieceTokenizer<T>, readonly split: LineSplit = "line-start", private readonly capacity = 20_000) {}

  tokenize(text: string): T[] {
    let tokens = this.memo.get(text);
    if (!tokens) {
      tokens = this.inner.tokenize(text);
      if (this.memo.size >= this.capacity) this.memo.clear();
      this.memo.set(text, tokens);
    }
    return tokens;
  }

  special(role: FimTokenRole): T {
    return this.inner.special(role);
  }
}

/**
 * The pieces of a laid-out prompt; a whole context chunk is one piece (it is kept or left out
 * whole). Consecutive text segments are cut together (where the current line meets the recent
 * lines, the cut follows the tokenizer too), and also where one segment ends and the next begins.
 */
export function promptPieces<T extends number>(format: FimFormat, segments: readonly PromptSegment[], tokenizer: PieceTokenizer<T>, bos?: T): PromptPiece<T>[] {
  const pieces: PromptPiece<T>[] = bos === undefined ? [] : [{ part: "fixed", text: "", tokens: [bos] }];
  const add = (piece: PromptPiece<T>) => {
    const last = pieces.at(-1);
    if (piece.chunk !== undefined && last?.part === "chunk" && last.chunk === piece.chunk) {
      pieces[pieces.length - 1] = { ...last, text: last.text + piece.text, tokens: [...last.tokens, ...piece.tokens] };
    } else {
      pieces.push(piece);
    }
  };
  let index = 0;
  while (index < segments.length) {
    const segment = segments[index];
    if (segment.kind === "token") {
      add({ part: segment.part, ...chunkOf(segment), text: format.tokens[segment.role] ?? "", tokens: [tokenizer.special(segment.role)] });
      index++;
      continue;
    }
    const run: Extract<PromptSegment, { kind: "text" }>[] = [];
    while (index < segments.length) {
      const next = segments[index];
      if (next.kind !== "text") break;
      run.push(next);
      index++;
    }
    const ends: number[] = [];
    let offset = 0;
    for (const part of run) ends.push((offset += part.text.length));
    const text = run.map((part) => part.text).join("");
    let at = 0;
    for (const piece of splitLines(text, tokenizer.split)) {
      const pieceEnd = at + piece.length;
      // A piece that spans segments is cut where one ends, unless both are lines around the
      // cursor (the prefix, the recent lines, the current line), which the tokenizer may join.
      while (at < pieceEnd) {
        const owner = ends.findIndex((end) => end > at);
        let last = owner;
        while (last + 1 < run.length && ends[last] < pieceEnd && joinable(run[last], run[last + 1])) last++;
        const end = Math.min(pieceEnd, ends[last]);
        const slice = text.slice(at, end);
        add({ part: run[owner].part, ...chunkOf(run[owner]), text: slice, tokens: tokenizer.tokenize(slice) });
        at = end;
      }
    }
  }
  return pieces;
}

const AROUND_CURSOR: ReadonlySet<PromptSegment["part"]> = new Set(["prefix", "recent", "middle"]);
const joinable = (a: PromptSegment, b: PromptSegment) => AROUND_CURSOR.has(a.part) && AROUND_CURSOR.has(b.part);

function chunkOf(segment: PromptSegment): { chunk?: number } {
  return segment.chunk === undefined ? {} : { chunk: segment.chunk };
}

export function renderPieces(pieces: readonly PromptPiece<number>[]): string {
  return pieces.map((piece) => piece.text).join("");
}
