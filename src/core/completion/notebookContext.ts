/**
 * A notebook cell as the completion pipeline sees it: the cell being edited, with the
 * notebook's earlier code cells as its prefix and a few later ones as its suffix, so the
 * model knows the imports, variables and functions that the cells before it defined.
 */
import type { DocumentSnapshot } from "./documentSnapshot";

export interface NotebookCellText {
  kind: "code" | "markup";
  languageId: string;
  text: string;
}

export interface NotebookContextLimits {
  /** Most characters of earlier cells before the current one (the prompt layout keeps the last lines of it). */
  prefixChars: number;
  /** Most characters of later cells after it; the prompt's suffix is short anyway. */
  suffixChars: number;
}

export const DEFAULT_NOTEBOOK_LIMITS: NotebookContextLimits = { prefixChars: 16_000, suffixChars: 2_000 };

/** Cells are read as consecutive top-level blocks of one script: a blank line between them. */
export const CELL_SEPARATOR = "\n\n";

export interface NotebookContext {
  /** Earlier cells, ending with the separator; empty when there are none. The current cell starts at `prefix.length`. */
  prefix: string;
  /** Later cells, starting with the separator; empty when there are none. */
  suffix: string;
}

/**
 * The text around cell `index`: the nearest code cells of its language before and after it,
 * whole lines only, within the limits.
 *
 * Markdown cells and cells of other languages are left out, as Copilot does for notebooks:
 * the prompt must read as one program in the cell's language (a `%%bash` or SQL cell, or prose,
 * in the middle of Python would teach the model to continue with it), and markdown cells often
 * carry tables and embedded images that would spend a small local model's context on prose.
 */
export function notebookContext(cells: readonly NotebookCellText[], index: number, limits: NotebookContextLimits = DEFAULT_NOTEBOOK_LIMITS): NotebookContext {
  const current = cells[index];
  if (!current) return { prefix: "", suffix: "" };
  const related = (cell: NotebookCellText) => cell.kind === "code" && cell.languageId === current.languageId ? cell.text.trimEnd() : "";

  const before = nearbyCells(cells, index, -1, limits.prefixChars, related, lastLines).reverse();
  const after = nearbyCells(cells, index, 1, limits.suffixChars, related, firstLines);

  return {
    prefix: before.length > 0 ? before.join(CELL_SEPARATOR) + CELL_SEPARATOR : "",
    suffix: after.length > 0 ? CELL_SEPARATOR + after.join(CELL_SEPARATOR) : "",
  };
}

/**
 * The related cells walking away from `index` (`step` -1: back, 1: forward), nearest first,
 * within `room` characters with separators; the last one may be cut by `cut`, which keeps whole
 * lines at the end nearest the current cell.
 */
function nearbyCells(cells: readonly NotebookCellText[], index: number, step: -1 | 1, room: number,
  related: (cell: NotebookCellText) => string, cut: (text: string, chars: number) => string): string[] {
  const kept: string[] = [];
  for (let at = index + step; at >= 0 && at < cells.length && room > CELL_SEPARATOR.length; at += step) {
    const text = related(cells[at]);
    if (text.trim() === "") continue;
    const part = cut(text, room - CELL_SEPARATOR.length);
    if (part !== "") kept.push(part);
    if (part !== text) break;
    room -= text.length + CELL_SEPARATOR.length;
  }
  return kept;
}

/**
 * The cell's snapshot with the notebook around it. `cell.text` must be the whole cell (not a
 * window of it), or the earlier and later cells would not be adjacent to it. The cursor keeps
 * its place: `windowStart + offset` is still its offset in the cell's document, so ranges and
 * positions computed from the snapshot land in the cell.
 */
export function withNotebookContext<T extends DocumentSnapshot>(cell: T, context: NotebookContext): T {
  if (context.prefix === "" && context.suffix === "") return cell;
  return {
    ...cell,
    text: context.prefix + cell.text + context.suffix,
    offset: context.prefix.length + cell.offset,
    windowStart: (cell.windowStart ?? 0) - context.prefix.length,
  };
}

/** The longest run of whole last lines of `text` within `max` characters. */
function lastLines(text: string, max: number): string {
  if (text.length <= max) return text;
  const newline = text.indexOf("\n", text.length - max - 1);
  return newline < 0 ? "" : text.slice(newline + 1);
}

/** The longest run of whole first lines of `text` within `max` characters. */
function firstLines(text: string, max: number): string {
  if (text.length <= max) return text;
  const newline = text.lastIndexOf("\n", max);
  return newline < 0 ? "" : text.slice(0, newline);
}
