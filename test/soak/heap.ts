import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * A full garbage collection, so that heap figures compare live objects only. Node exposes
 * `gc` with --expose-gc; without it the flag is set now and `gc` taken from a new context
 * (V8 installs it in contexts created after the flag is set).
 */
export function collectGarbage(): void {
  let gc: unknown = Reflect.get(globalThis, "gc");
  if (typeof gc !== "function") {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc");
  }
  if (typeof gc !== "function") throw new Error("Cannot force a garbage collection: run node with --expose-gc.");
  gc();
  gc();
}

/** Live heap bytes of this process after a full collection. */
export function liveHeapBytes(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** Relative change from `before` to `after` (0.05 = 5 % more). */
export function growth(before: number, after: number): number {
  return (after - before) / before;
}
