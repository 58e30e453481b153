import type { ContextChunk } from "../fim/fimLayout";

const sameChunk = (a: ContextChunk, b: ContextChunk) => a.filePath === b.filePath && a.text === b.text;

/**
 * Orders context chunks most stable first: those of `previous` still wanted keep their order at
 * the front, new ones follow in the order given. The engine keeps the cached tokens of a prompt's
 * unchanged start and of chunks that stay in order; a chunk that is gone costs nothing, a new
 * one costs itself and what follows it, so change is kept to the end of the chunk list.
 */
export function mostStableFirst(previous: readonly ContextChunk[], next: readonly ContextChunk[]): ContextChunk[] {
  const kept = previous.filter((chunk) => next.some((wanted) => sameChunk(chunk, wanted)));
  const added = next.filter((chunk) => !kept.some((known) => sameChunk(known, chunk)));
  return [...kept, ...added];
}
