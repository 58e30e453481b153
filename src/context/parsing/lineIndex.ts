/**
 * A document's text and its line starts, for converting UTF-16 offsets (what VS Code
 * and web-tree-sitter both use) to rows and columns.
 *
 * The text is kept in chunks of a few thousand characters: a keystroke rebuilds one
 * chunk, and the parser reads the chunks it needs through `read`. Keeping one string
 * instead made every keystroke in a 20k-line file copy the whole file (V8 flattens the
 * concatenated string on the parser's first read), about half a millisecond. The whole
 * text is joined only when someone asks for `text`, and kept until the next edit.
 */
import type { Point } from "web-tree-sitter";

/** Chunk length the text is split into; an edited chunk is split again past twice this. */
const CHUNK_CHARS = 4096;
/** web-tree-sitter copies at most this many UTF-16 units per read (its 10 KiB input buffer). */
const READ_CHARS = 5000;

export class LineIndex {
  private starts: number[];
  private chunks: string[];
  /** Offset of each chunk's first character; same length as `chunks`. */
  private chunkStarts: number[];
  private length: number;
  private joined: string | undefined;

  constructor(text: string) {
    this.joined = text;
    this.length = text.length;
    this.starts = lineStarts(text, 0);
    this.chunks = split(text);
    this.chunkStarts = offsetsOf(this.chunks, 0, 0);
  }

  /** The whole text (joined on first use after an edit). */
  get text(): string {
    this.joined ??= this.chunks.join("");
    return this.joined;
  }

  get textLength(): number {
    return this.length;
  }

  /**
   * Text from `offset` to at most the end of its chunk, for the parser's input
   * callback; empty at the end of the text.
   */
  readonly read = (offset: number): string => {
    if (offset >= this.length || offset < 0) return "";
    if (this.joined !== undefined) return this.joined.slice(offset, offset + READ_CHARS);
    const chunk = this.chunkAt(offset);
    const from = offset - this.chunkStarts[chunk];
    return this.chunks[chunk].slice(from, from + READ_CHARS);
  };

  /** Text of [start, end), without joining the whole text. */
  slice(start: number, end: number): string {
    start = Math.max(0, start);
    end = Math.min(this.length, end);
    if (end <= start) return "";
    if (this.joined !== undefined) return this.joined.slice(start, end);
    let chunk = this.chunkAt(start);
    let result = "";
    while (chunk < this.chunks.length && this.chunkStarts[chunk] < end) {
      const base = this.chunkStarts[chunk];
      result += this.chunks[chunk].slice(Math.max(0, start - base), end - base);
      chunk++;
    }
    return result;
  }

  /**
   * Replaces [start, oldEnd) with `inserted`, updating line starts and chunks in
   * place: a keystroke in a 20k-line file must not copy the whole text.
   */
  edit(start: number, oldEnd: number, inserted: string): void {
    start = Math.max(0, Math.min(start, this.length));
    oldEnd = Math.max(start, Math.min(oldEnd, this.length));
    this.editLines(start, oldEnd, inserted);
    this.editChunks(start, oldEnd, inserted);
    this.length += inserted.length - (oldEnd - start);
    this.joined = undefined;
  }

  private editLines(start: number, oldEnd: number, inserted: string): void {
    const starts = this.starts;
    const firstAfter = this.lineAt(start) + 1;
    let lastRemoved = firstAfter;
    while (lastRemoved < starts.length && starts[lastRemoved] <= oldEnd) lastRemoved++;
    const delta = inserted.length - (oldEnd - start);
    const added = lineStarts(inserted, start).slice(1);
    const removed = lastRemoved - firstAfter;
    if (added.length !== removed) {
      // Splice in pieces: spreading a huge paste's line starts as arguments would overflow the stack.
      starts.splice(firstAfter, removed);
      for (let from = 0; from < added.length; from += 10_000) starts.splice(firstAfter + from, 0, ...added.slice(from, from + 10_000));
    } else {
      for (let index = 0; index < added.length; index++) starts[firstAfter + index] = added[index];
    }
    for (let index = firstAfter + added.length; index < starts.length; index++) starts[index] += delta;
  }

  private editChunks(start: number, oldEnd: number, inserted: string): void {
    const first = this.chunkAt(start);
    let last = this.chunkAt(oldEnd);
    const firstBase = this.chunkStarts[first];
    let piece = this.chunks[first].slice(0, start - firstBase) + inserted + this.chunks[last].slice(oldEnd - this.chunkStarts[last]);
    // Deletions leave small chunks: merge one with the next so reads stay a few per parse.
    if (piece.length < CHUNK_CHARS / 2 && last + 1 < this.chunks.length) piece += this.chunks[++last];
    const replacement = piece.length === 0 ? [] : piece.length > 2 * CHUNK_CHARS ? split(piece) : [piece];
    this.chunks.splice(first, last - first + 1, ...replacement);
    // No empty chunks, except the one chunk of an empty text.
    if (this.chunks.length === 0) this.chunks.push("");
    const rest = offsetsOf(this.chunks, first, firstBase);
    this.chunkStarts.length = first;
    for (const offset of rest) this.chunkStarts.push(offset);
  }

  /** The chunk holding `offset`; the last chunk for the end of the text. */
  private chunkAt(offset: number): number {
    return lastAtMost(this.chunkStarts, this.chunks.length, offset);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineAt(offset: number): number {
    return lastAtMost(this.starts, this.starts.length, offset);
  }

  pointAt(offset: number): Point {
    const row = this.lineAt(offset);
    return { row, column: offset - this.starts[row] };
  }

  offsetAt(line: number, column = 0): number {
    if (line >= this.starts.length) return this.length;
    const clamped = Math.max(0, Math.min(line, this.starts.length - 1));
    return Math.min(this.length, this.starts[clamped] + column);
  }

  /** Text of lines [startLine, endLine], without the final line break. */
  lines(startLine: number, endLine: number): string {
    const start = this.offsetAt(startLine);
    const end = endLine + 1 < this.starts.length ? this.starts[endLine + 1] - 1 : this.length;
    return this.slice(start, Math.max(start, end));
  }

  line(line: number): string {
    return this.lines(line, line);
  }
}

/** The point just after `text` when it starts at `start` (no line index needed). */
export function pointAfter(start: Point, text: string): Point {
  const lastBreak = text.lastIndexOf("\n");
  if (lastBreak < 0) return { row: start.row, column: start.column + text.length };
  let rows = 0;
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) rows++;
  return { row: start.row + rows, column: text.length - lastBreak - 1 };
}

/** Offsets where lines start in `text`, shifted by `base`; always starts with `base`. */
function lineStarts(text: string, base: number): number[] {
  const starts = [base];
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) starts.push(base + index + 1);
  return starts;
}

/** `text` in chunks of CHUNK_CHARS (one empty chunk for empty text). */
function split(text: string): string[] {
  if (text.length <= CHUNK_CHARS) return [text];
  const chunks: string[] = [];
  for (let offset = 0; offset < text.length; offset += CHUNK_CHARS) chunks.push(text.slice(offset, offset + CHUNK_CHARS));
  return chunks;
}

/** Start offsets of chunks[from…], the first one at `base`. */
function offsetsOf(chunks: readonly string[], from: number, base: number): number[] {
  const offsets: number[] = [];
  for (let index = from; index < chunks.length; index++) {
    offsets.push(base);
    base += chunks[index].length;
  }
  return offsets;
}

/** The last index below `length` whose value in the ascending `sorted` is at most `value` (0 if none). */
function lastAtMost(sorted: ArrayLike<number>, length: number, value: number): number {
  let low = 0;
  let high = length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (sorted[middle] <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}
