/**
 * A ring buffer of recently edited, yanked (copied) and visited chunks, as
 * llama.vscode keeps: oldest first, so the prompt's stable head stays in the KV
 * cache; a new chunk evicts near-duplicates of itself.
 */
import type { ChunkReason, ContextChunk, LineRange } from "../contextTypes";
import { jaccard, tokenSet } from "./tokens";
import { LineIndex } from "../parsing/lineIndex";

export type RecentKind = "edit" | "yank" | "visit";

export interface RecentChunkInput {
  kind: RecentKind;
  filePath: string;
  range: LineRange;
  text: string;
}

const REASONS: Readonly<Record<RecentKind, ChunkReason>> = { edit: "recent-edit", yank: "recent-yank", visit: "recent-visit" };
const NEAR_DUPLICATE = 0.8;
const MAX_CHUNK_LINES = 64;

interface Entry {
  chunk: ContextChunk;
  tokens: Set<string>;
}

export class RecentChunks {
  private readonly entries: Entry[] = [];

  constructor(private readonly capacity = 16) {}

  add(input: RecentChunkInput): void {
    const lines = new LineIndex(input.text);
    if (input.text.trim() === "") return;
    const text = lines.lineCount > MAX_CHUNK_LINES ? lines.lines(0, MAX_CHUNK_LINES - 1) : input.text;
    const tokens = tokenSet(lines, 0, Math.min(lines.lineCount, MAX_CHUNK_LINES) - 1);
    for (let index = this.entries.length - 1; index >= 0; index--) {
      const entry = this.entries[index];
      const sameRegion = entry.chunk.filePath === input.filePath
        && entry.chunk.range.startLine <= input.range.endLine && input.range.startLine <= entry.chunk.range.endLine;
      if (sameRegion || jaccard(entry.tokens, tokens) >= NEAR_DUPLICATE) this.entries.splice(index, 1);
    }
    this.entries.push({ chunk: { filePath: input.filePath, range: input.range, text, reason: REASONS[input.kind] }, tokens });
    while (this.entries.length > this.capacity) this.entries.shift();
  }

  /** Oldest first. */
  chunks(): ContextChunk[] {
    return this.entries.map((entry) => entry.chunk);
  }

  /** Forgets a file's chunks (deleted or renamed). */
  forget(filePath: string): void {
    for (let index = this.entries.length - 1; index >= 0; index--) if (this.entries[index].chunk.filePath === filePath) this.entries.splice(index, 1);
  }
}
