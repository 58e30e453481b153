/**
 * Line starts of a text, for converting UTF-16 offsets (what VS Code and
 * web-tree-sitter both use) to rows and columns.
 */
import type { Point } from "web-tree-sitter";

export class LineIndex {
  private starts: number[];
  private currentText: string;

  constructor(text: string) {
    this.currentText = text;
    this.starts = lineStarts(text, 0);
  }

  get text(): string {
    return this.currentText;
  }

  /**
   * Replaces [start, oldEnd) with `inserted`, updating line starts in place: a
   * keystroke in a 20k-line file must not rescan the whole text.
   */
  edit(start: number, oldEnd: number, inserted: string): void {
    const text = this.currentText;
    this.currentText = text.slice(0, start) + inserted + text.slice(oldEnd);
    const firstAfter = this.lineAt(start) + 1;
    let lastRemoved = firstAfter;
    while (lastRemoved < this.starts.length && this.starts[lastRemoved] <= oldEnd) lastRemoved++;
    const delta = inserted.length - (oldEnd - start);
    const added = lineStarts(inserted, start).slice(1);
    const tail = this.starts.slice(lastRemoved).map((offset) => offset + delta);
    this.starts.length = firstAfter;
    for (const offset of added) this.starts.push(offset);
    for (const offset of tail) this.starts.push(offset);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineAt(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  pointAt(offset: number): Point {
    const row = this.lineAt(offset);
    return { row, column: offset - this.starts[row] };
  }

  offsetAt(line: number, column = 0): number {
    if (line >= this.starts.length) return this.text.length;
    const clamped = Math.max(0, Math.min(line, this.starts.length - 1));
    return Math.min(this.text.length, this.starts[clamped] + column);
  }

  /** Text of lines [startLine, endLine], without the final line break. */
  lines(startLine: number, endLine: number): string {
    const start = this.offsetAt(startLine);
    const end = endLine + 1 < this.starts.length ? this.starts[endLine + 1] - 1 : this.text.length;
    return this.text.slice(start, Math.max(start, end));
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
