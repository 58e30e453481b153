import { MAX_REPLY_CHARS } from "../../protocol/webviewProtocol";
import { ChunkedText } from "./chunkedText";
import { el } from "./dom";
import { MAX_HIGHLIGHTED_CODE, normalizeMarkdown, renderMarkdown, topLevelBlocks, type MarkdownEnv } from "./markdown";

/** A finished reply with reference definitions up to this size is rendered again whole (a link may use a later definition). */
const REFERENCE_RERENDER_CHARS = 256 * 1024;
/** How much new text one update takes on: a long reply from history is shown over several frames. */
const SLICE_CHARS = 8 * 1024;
/** An open code block longer than this streams as text appended (plain until it is finished). */
const LIVE_FENCE_CHARS = 4096;
/** An unfinished block longer than this (a huge list or paragraph) streams as plain text until it is complete. */
export const PLAIN_TAIL_CHARS = 48 * 1024;
/** While the tail streams as plain text, its blocks are looked for again once it has grown by this factor. */
const PLAIN_REPARSE_GROWTH = 1.25;

/** A fenced code block still open at the end of the text: its new lines are appended as text. */
interface LiveFence {
  /** Where the code starts in the text. */
  contentStart: number;
  /** The fence's marker ("```", "~~~~"…): a line of at least as many of that character closes it. */
  marker: string;
  /** Where the next unscanned line starts (a closing fence is looked for in complete lines only). */
  scanFrom: number;
  /** How much of the text the code element shows. */
  shown: number;
  text: ChunkedText;
}

/** An unfinished block too long to format on every frame: shown as plain text meanwhile. */
interface PlainTail {
  shown: number;
  text: ChunkedText;
  /** The tail's length at which to look for finished blocks again. */
  reparseAt: number;
}

/** Above this length a reply's blocks are laid out and painted only near the viewport (the `long` class). */
const LONG_REPLY_CHARS = 64 * 1024;

/** The opening fence of `tail` when it is a fenced code block at column 0 with no closing line yet. */
function openFence(tail: string): { marker: string; contentStart: number } | undefined {
  const firstEnd = tail.indexOf("\n");
  if (firstEnd < 0) return undefined;
  const opening = /^(`{3,}|~{3,})(.*)$/.exec(tail.slice(0, firstEnd));
  if (!opening) return undefined;
  const marker = opening[1] ?? "";
  if (marker.startsWith("`") && (opening[2] ?? "").includes("`")) return undefined;
  let lineStart = firstEnd + 1;
  for (;;) {
    const lineEnd = tail.indexOf("\n", lineStart);
    if (lineEnd < 0) break;
    if (closesFence(tail.slice(lineStart, lineEnd), marker)) return undefined;
    lineStart = lineEnd + 1;
  }
  return { marker, contentStart: firstEnd + 1 };
}

/** Whether a whole line closes a fence opened with `marker` (markdown-it's rule: up to 3 spaces, the marker, blanks). */
function closesFence(line: string, marker: string): boolean {
  const match = /^ {0,3}(`+|~+)[ \t]*$/.exec(line);
  return match !== null && (match[1] ?? "").startsWith(marker);
}

/** An unfinished last line that may yet become a closing fence is held back. */
function mayCloseFence(partial: string, marker: string): boolean {
  const match = /^ {0,3}(`*|~*)[ \t]*$/.exec(partial);
  return match !== null && (match[1] === "" || (match[1] ?? "")[0] === marker[0]);
}

function offsetOfLine(text: string, line: number): number {
  let offset = 0;
  for (let index = 0; index < line; index++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset;
}

/**
 * Renders one reply's markdown into `content` as it grows, without redoing what is done:
 * top-level blocks that can no longer change (another block follows them) are rendered
 * once and kept; only the open last block is rendered again. An open code block gets its
 * new lines appended as text (highlighted once it is finished, if short enough), and an
 * open block too long to format on every frame streams as plain text until it is complete.
 * Every render goes through renderMarkdown (markdown-it, DOMPurify).
 */
export class ReplyRenderer {
  private text = "";
  /** Characters received as sent (before line breaks are normalized): what the person has been shown. */
  private receivedChars = 0;
  private pendingCarriageReturn = false;
  private truncated = false;
  private final = false;
  private finalized = false;
  /** Text that the DOM reflects. */
  private processed = 0;
  /** Text rendered as finished blocks. */
  private committed = 0;
  private env: MarkdownEnv = { references: {} };
  private tail: ChildNode[] = [];
  private fence: LiveFence | undefined;
  private plain: PlainTail | undefined;
  /** What the last commit rendered (where it starts, its nodes): Continue opens it again. */
  private lastCommit: { from: number; nodes: ChildNode[] } | undefined;

  constructor(private readonly content: HTMLElement, private readonly decorate: (root: DocumentFragment) => void) {}

  get value(): string {
    return this.text;
  }

  /** Characters received, as the extension counts them. */
  get received(): number {
    return this.receivedChars;
  }

  /** The reply was longer than the view keeps (MAX_REPLY_CHARS). */
  get wasTruncated(): boolean {
    return this.truncated;
  }

  /** Text received and not yet rendered. */
  get backlog(): number {
    return this.text.length - this.processed;
  }

  /** How much of the text is rendered, 0 to 1. */
  get progress(): number {
    return this.text.length === 0 ? 1 : this.processed / this.text.length;
  }

  /** Whether update() has work left. */
  get busy(): boolean {
    return this.processed < this.text.length || (this.final && !this.finalized);
  }

  append(chunk: string): void {
    if (this.final || chunk === "") return;
    this.receivedChars += chunk.length;
    // Cut before normalizing: a 10 MB text is not worked on to keep 2 MB of it.
    const room = MAX_REPLY_CHARS - this.text.length;
    if (chunk.length > room) {
      this.truncated = true;
      chunk = chunk.slice(0, Math.max(0, room));
    }
    let text = this.pendingCarriageReturn ? `\r${chunk}` : chunk;
    this.pendingCarriageReturn = text.endsWith("\r");
    if (this.pendingCarriageReturn) text = text.slice(0, -1);
    this.add(normalizeMarkdown(text));
  }

  private add(text: string): void {
    const room = MAX_REPLY_CHARS - this.text.length;
    if (text.length > room) {
      this.truncated = true;
      text = text.slice(0, Math.max(0, room));
    }
    this.text += text;
    if (this.text.length > LONG_REPLY_CHARS) this.content.classList.add("long");
  }

  /** No more text comes: the next updates render it all as finished blocks. */
  finish(): void {
    if (this.final) return;
    if (this.pendingCarriageReturn) this.add("\n");
    this.pendingCarriageReturn = false;
    this.final = true;
  }

  /**
   * The reply streams again (Continue): its last block is open again, and may go on (a
   * paragraph continued mid-sentence): what the last commit rendered becomes the open tail.
   */
  reopen(): void {
    this.final = false;
    this.finalized = false;
    this.clearTail();
    const last = this.lastCommit;
    if (!last) return;
    for (const node of last.nodes) node.remove();
    this.committed = last.from;
    this.processed = last.from;
    this.lastCommit = undefined;
    // The last commit may hold finished blocks before the last one: they are rendered (again) at once.
    const source = this.text.slice(last.from);
    const lastBlock = topLevelBlocks(source).pop();
    if (lastBlock && lastBlock.start > 0) this.commit(last.from + offsetOfLine(source, lastBlock.start));
  }

  /** Renders what changed since the last update (at most SLICE_CHARS of new text). */
  update(): void {
    if (!this.busy) return;
    const end = Math.min(this.text.length, this.processed + SLICE_CHARS);
    const last = this.final && end === this.text.length;
    if (!last && this.fence && this.extendFence(end)) {
      this.processed = end;
      return;
    }
    if (!last && this.plain && end - this.committed < this.plain.reparseAt) {
      this.extendPlain(end);
      this.processed = end;
      return;
    }
    if (last && this.fence && this.fence.shown - this.fence.contentStart > MAX_HIGHLIGHTED_CODE && this.extendFence(end, true)) {
      // A long code block open at the end is shown as rendering it again would show it (plain): keep it.
      this.lastCommit = { from: this.committed, nodes: this.tail };
      this.tail = [];
      this.fence = undefined;
      this.committed = end;
    } else if (last) {
      this.commit(end);
      if (Object.keys(this.env.references ?? {}).length > 0 && this.text.length <= REFERENCE_RERENDER_CHARS) this.renderAgain();
    } else {
      this.commitFinishedBlocks(end);
    }
    this.renderTail(end, last);
    this.processed = end;
    if (last) this.finalized = true;
  }

  /**
   * Commits the top-level blocks among the complete lines up to `end` that later text can
   * no longer change: all but the last, and the last too when it is a closed code fence.
   */
  private commitFinishedBlocks(end: number): void {
    const completeEnd = this.text.lastIndexOf("\n", end - 1) + 1;
    if (completeEnd <= this.committed) return;
    const source = this.text.slice(this.committed, completeEnd);
    const blocks = topLevelBlocks(source);
    const last = blocks[blocks.length - 1];
    if (!last) return;
    if (last.type === "fence" && last.end - 1 > last.start) {
      const closingStart = offsetOfLine(source, last.end - 1);
      const closingEnd = source.indexOf("\n", closingStart);
      if (closingEnd >= 0 && closesFence(source.slice(closingStart, closingEnd), last.markup)) {
        this.commit(this.committed + closingEnd + 1);
        return;
      }
    }
    if (blocks.length >= 2) this.commit(this.committed + offsetOfLine(source, last.start));
  }

  private commit(upTo: number): void {
    if (upTo <= this.committed) return;
    const source = this.text.slice(this.committed, upTo);
    const fragment = renderMarkdown(source, this.env);
    this.decorate(fragment);
    this.lastCommit = { from: this.committed, nodes: Array.from(fragment.childNodes) };
    this.content.insertBefore(fragment, this.tail[0] ?? null);
    this.committed = upTo;
  }

  /** Renders the whole text again as one document. */
  private renderAgain(): void {
    this.clearTail();
    this.content.replaceChildren();
    this.env = { references: {} };
    const end = this.committed;
    this.committed = 0;
    this.commit(end);
  }

  private clearTail(): void {
    for (const node of this.tail) node.remove();
    this.tail = [];
    this.fence = undefined;
    this.plain = undefined;
  }

  private renderTail(end: number, last: boolean): void {
    this.clearTail();
    if (last || end <= this.committed) return;
    const tail = this.text.slice(this.committed, end);
    const fence = openFence(tail);
    // A short open code block is rendered whole, highlighted as it grows; a longer one gets its lines appended.
    if (fence && tail.length - fence.contentStart > LIVE_FENCE_CHARS) {
      // The frame and the language come from rendering the opening line alone, plain as a long block is.
      const fragment = renderMarkdown(`${tail.slice(0, fence.contentStart)}${fence.marker}\n`, {}, { highlight: false });
      this.decorate(fragment);
      const code = fragment.querySelector("pre > code");
      if (code instanceof HTMLElement) {
        code.replaceChildren();
        this.tail = Array.from(fragment.childNodes);
        this.content.appendChild(fragment);
        const start = this.committed + fence.contentStart;
        this.fence = { contentStart: start, marker: fence.marker, scanFrom: start, shown: start, text: new ChunkedText(code) };
        this.extendFence(end);
        return;
      }
    }
    if (tail.length > PLAIN_TAIL_CHARS) {
      const element = el("div", "plain-tail");
      this.tail = [element];
      this.content.appendChild(element);
      this.plain = { shown: this.committed, text: new ChunkedText(element), reparseAt: tail.length * PLAIN_REPARSE_GROWTH };
      this.extendPlain(end);
      return;
    }
    const fragment = renderMarkdown(tail, { references: { ...this.env.references } });
    this.decorate(fragment);
    this.tail = Array.from(fragment.childNodes);
    this.content.appendChild(fragment);
  }

  /** Appends the new lines of an open code block (all of them when `final`); false when the block has closed. */
  private extendFence(end: number, final = false): boolean {
    const fence = this.fence;
    if (!fence) return false;
    let lineStart = fence.scanFrom;
    for (;;) {
      const lineEnd = this.text.indexOf("\n", lineStart);
      if (lineEnd < 0 || lineEnd >= end) break;
      if (closesFence(this.text.slice(lineStart, lineEnd), fence.marker)) return false;
      lineStart = lineEnd + 1;
    }
    fence.scanFrom = lineStart;
    const partial = this.text.slice(lineStart, end);
    if (final && closesFence(partial, fence.marker)) return false;
    const showUpTo = !final && mayCloseFence(partial, fence.marker) ? lineStart : end;
    if (showUpTo > fence.shown) {
      fence.text.append(this.text.slice(fence.shown, showUpTo));
      fence.shown = showUpTo;
    }
    return true;
  }

  private extendPlain(end: number): void {
    const plain = this.plain;
    if (!plain || end <= plain.shown) return;
    plain.text.append(this.text.slice(plain.shown, end));
    plain.shown = end;
  }
}
