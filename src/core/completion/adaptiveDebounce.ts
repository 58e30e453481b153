/**
 * A debounce that learns the user's typing rhythm (as Tabby does): fast typists wait a
 * little longer than their usual gap between keys, so no request is spent mid-word;
 * slow typists get a suggestion soon after they pause.
 */
export class AdaptiveDebounce {
  private averageGapMs: number | undefined;
  private lastKeyAt: number | undefined;

  constructor(private readonly options: { minMs: number; maxMs: number; factor: number } = { minMs: 40, maxMs: 300, factor: 1.5 }) {}

  /** Call on every document change made by typing. */
  recordKeystroke(now = Date.now()): void {
    if (this.lastKeyAt !== undefined) {
      const gap = now - this.lastKeyAt;
      // Pauses longer than a second are thinking, not typing rhythm.
      if (gap < 1000) this.averageGapMs = this.averageGapMs === undefined ? gap : this.averageGapMs * 0.8 + gap * 0.2;
    }
    this.lastKeyAt = now;
  }

  /** How long to wait before asking the model; `configuredMs` is the starting point. */
  delayMs(configuredMs: number): number {
    if (this.averageGapMs === undefined) return configuredMs;
    return Math.round(Math.min(this.options.maxMs, Math.max(this.options.minMs, this.averageGapMs * this.options.factor)));
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
