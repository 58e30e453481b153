import { el } from "./dom";

/** Lines per block of a long text: the browser lays out (and skips, off screen) each block on its own. */
export const TEXT_CHUNK_LINES = 100;
/** Appending to a text node copies it: a new node every few KB keeps appends cheap. */
const TEXT_NODE_CHARS = 4096;

/**
 * A long text (a long code block, or an unfinished block streaming as plain text), appended
 * in blocks of TEXT_CHUNK_LINES lines (`span.text-chunk`, display: block and
 * content-visibility: auto in chat.css): one growing text in a single element would be laid
 * out again whole on every append. Text only: never parsed as markup. The parent's
 * `textContent` is the text.
 */
export class ChunkedText {
  private chunk: HTMLElement | undefined;
  private node: Text | undefined;
  private lines = 0;

  constructor(private readonly parent: HTMLElement) {}

  append(text: string): void {
    let start = 0;
    while (start < text.length) {
      if (!this.chunk || this.lines >= TEXT_CHUNK_LINES) {
        this.chunk = el("span", "text-chunk");
        this.parent.appendChild(this.chunk);
        this.node = undefined;
        this.lines = 0;
      }
      let end = start;
      while (this.lines < TEXT_CHUNK_LINES) {
        const newline = text.indexOf("\n", end);
        if (newline < 0) {
          end = text.length;
          break;
        }
        end = newline + 1;
        this.lines += 1;
      }
      this.appendToChunk(this.chunk, text.slice(start, end));
      start = end;
    }
  }

  private appendToChunk(chunk: HTMLElement, text: string): void {
    if (!this.node || this.node.length > TEXT_NODE_CHARS) {
      this.node = document.createTextNode(text);
      chunk.appendChild(this.node);
    } else {
      this.node.appendData(text);
    }
  }
}
