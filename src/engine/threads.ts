import { availableParallelism } from "node:os";

/**
 * The engine's default thread count. Measured with the engine benchmark on an otherwise idle
 * 2-core machine (bench/README.md, "engine", 2026-12-01): 2 threads evaluated prompts 1.9× faster
 * than 1 (383 against 200 tokens/s) and generated 1.3× faster (56.5 against 44.2 tokens/s, with
 * the engine's one libuv thread), so up to 4 cores every core is used. Above that, one thread
 * per physical core (two logical cores each on most machines), at most 8: more threads than
 * cores, or than memory bandwidth feeds, only wait.
 */
export function defaultThreads(cores = availableParallelism()): number {
  if (cores <= 4) return Math.max(1, cores);
  return Math.max(4, Math.min(8, Math.floor(cores / 2)));
}

/**
 * The threads a model runs with: the setting (0 = the default), never more than the machine's
 * cores. On 2 cores, 4 threads took 4.7 s for 8 tokens: threads beyond the cores only contend.
 */
export function resolveThreads(requested: number, cores = availableParallelism()): { threads: number; clamped: boolean } {
  if (!Number.isFinite(requested) || requested <= 0) return { threads: defaultThreads(cores), clamped: false };
  const wanted = Math.floor(requested);
  const threads = Math.max(1, Math.min(wanted, Math.max(1, cores)));
  return { threads, clamped: threads !== wanted };
}
