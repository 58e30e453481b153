export interface DebounceOptions {
  minMs: number;
  maxMs: number;
  /** Which of the recent gaps between keys a pause must outlast (0.95: all but the longest twentieth). */
  percentile: number;
  /** A margin on that gap. */
  factor: number;
  /** How many recent gaps are kept. */
  window: number;
}

const DEFAULTS: DebounceOptions = { minMs: 40, maxMs: 600, percentile: 0.95, factor: 1.3, window: 50 };
/** Gaps needed before the rhythm is trusted over the configured delay. */
const LEARN_AFTER = 8;

/**
 * A debounce that learns the user's typing rhythm: a request goes out once the user has paused
 * longer than nearly every recent gap between their keys, so none is spent on the gap between
 * two words, whose answer would come after the next keystroke and be thrown away (on a CPU an
 * answer takes a few hundred milliseconds). In the replay benchmark (bench/README.md, "replay"),
 * 1.5 times the mean gap sent requests about 220 ms into a pause and 68% of them were answered
 * after the next key; the 95th percentile with a 30% margin waits about 380 ms (Continue waits a
 * fixed 350 ms) and 13–15% were. The configured delay is where it starts and the least it waits.
 */
export class AdaptiveDebounce {
  private readonly gaps: number[] = [];
  private lastKeyAt: number | undefined;
  private readonly options: DebounceOptions;

  constructor(options: Partial<DebounceOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Call on every document change made by typing. */
  recordKeystroke(now = Date.now()): void {
    if (this.lastKeyAt !== undefined) {
      const gap = now - this.lastKeyAt;
      // Pauses longer than a second are thinking, not typing rhythm.
      if (gap >= 0 && gap < 1000) {
        this.gaps.push(gap);
        if (this.gaps.length > this.options.window) this.gaps.shift();
      }
    }
    this.lastKeyAt = now;
  }

  /** How long to wait before asking the model; `configuredMs` is the starting point and the least. */
  delayMs(configuredMs: number): number {
    if (this.gaps.length < LEARN_AFTER) return configuredMs;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    const gap = sorted[Math.min(sorted.length - 1, Math.floor(this.options.percentile * sorted.length))];
    const learned = Math.min(this.options.maxMs, Math.max(this.options.minMs, gap * this.options.factor));
    return Math.round(Math.max(configuredMs, learned));
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
