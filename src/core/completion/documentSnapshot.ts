/** The document as the completion pipeline sees it: plain text and a cursor offset. */
export interface DocumentSnapshot {
  uri: string;
  languageId: string;
  /** Workspace-relative path, shown to the model. */
  filePath: string;
  text: string;
  /** Cursor offset in `text`. */
  offset: number;
  /**
   * Where `text` starts in the document, so that `windowStart + offset` is always the cursor's
   * offset in the document; 0 by default. Positive when a large document is windowed; negative
   * when `text` begins with a notebook's earlier cells and the document is the cell being edited
   * (see notebookContext.ts).
   */
  windowStart?: number;
  /** Indentation of the editor: tabs, or this many spaces. */
  indent?: { useTabs: boolean; size: number };
}

/** An offset in `document.text` as an offset in the editor's document. */
export function documentOffset(document: DocumentSnapshot, textOffset: number): number {
  return (document.windowStart ?? 0) + textOffset;
}

export interface CursorLine {
  /** Offset of the start of the cursor's line. */
  lineStart: number;
  /** Offset of the end of the cursor's line (before its line break). */
  lineEnd: number;
  lineNumber: number;
  before: string;
  after: string;
}

export function cursorLine(document: DocumentSnapshot): CursorLine {
  const { text, offset } = document;
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const newline = text.indexOf("\n", offset);
  const lineEnd = newline < 0 ? text.length : text[newline - 1] === "\r" ? newline - 1 : newline;
  let lineNumber = 0;
  for (let index = text.indexOf("\n"); index >= 0 && index < lineStart; index = text.indexOf("\n", index + 1)) lineNumber++;
  return { lineStart, lineEnd, lineNumber, before: text.slice(lineStart, offset), after: text.slice(offset, Math.max(offset, lineEnd)) };
}

/** The offset where the line `count` lines above the line starting at `lineStart` starts (0 at the top). */
export function startOfLinesAbove(text: string, lineStart: number, count: number): number {
  let start = lineStart;
  for (let seen = 0; seen < count && start > 0; seen++) start = text.lastIndexOf("\n", start - 2) + 1;
  return start;
}

export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)?.[0] ?? "";
}

/** Visual width of leading whitespace, tabs counted as `tabSize`. */
export function indentWidth(line: string, tabSize = 4): number {
  let width = 0;
  for (const char of leadingWhitespace(line)) width += char === "\t" ? tabSize : 1;
  return width;
}
