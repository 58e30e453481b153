export interface DebounceOptions {
  minMs: number;
  maxMs: number;
  /** Which of the recent gaps between keys a pause must outlast (0.95: all but the longest twentieth). */
  percentile: number;
  /** A margin on that gap. */
  factor: number;
  /** How many recent gaps are kept. */
  window: number;
  /** The clock keystrokes and waits are measured on (the replay benchmark runs on a simulated one). */
  now: () => number;
}

const DEFAULTS: DebounceOptions = { minMs: 40, maxMs: 600, percentile: 0.95, factor: 1.3, window: 50, now: () => Date.now() };
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
  /** The last keystroke or cursor move: the pause a request waits for starts there. */
  private lastActivityAt: number | undefined;
  private readonly options: DebounceOptions;

  constructor(options: Partial<DebounceOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Call on every document change made by typing. */
  recordKeystroke(now = this.options.now()): void {
    if (this.lastKeyAt !== undefined) {
      const gap = now - this.lastKeyAt;
      // Pauses longer than a second are thinking, not typing rhythm.
      if (gap >= 0 && gap < 1000) {
        this.gaps.push(gap);
        if (this.gaps.length > this.options.window) this.gaps.shift();
      }
    }
    this.lastKeyAt = now;
    this.lastActivityAt = now;
  }

  /** Call when the cursor moves without typing: the wait starts again, the rhythm is unchanged. */
  recordMove(now = this.options.now()): void {
    this.lastActivityAt = now;
  }

  /** How long to wait before asking the model; `configuredMs` is the starting point and the least. */
  delayMs(configuredMs: number): number {
    if (this.gaps.length < LEARN_AFTER) return configuredMs;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    const gap = sorted[Math.min(sorted.length - 1, Math.floor(this.options.percentile * sorted.length))];
    const learned = Math.min(this.options.maxMs, Math.max(this.options.minMs, gap * this.options.factor));
    return Math.round(Math.max(configuredMs, learned));
  }

  /**
   * What is left of the wait, counted from the last keystroke or cursor move: VS Code asks for
   * inline completions 50 ms after one, and that time already counts toward the pause.
   */
  remainingMs(configuredMs: number): number {
    const delay = this.delayMs(configuredMs);
    if (delay <= 0 || this.lastActivityAt === undefined) return delay;
    const elapsed = Math.max(0, this.options.now() - this.lastActivityAt);
    return Math.max(0, delay - elapsed);
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
