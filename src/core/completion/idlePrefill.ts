/**
 * When to prefill (DESIGN.md "Prompt layout for cache reuse"): after the user pauses, and soon
 * after a stable moment (a file opened or switched, a save, a request that left context out).
 * Typing or moving the cursor cancels a prefill at once: the request that follows must not wait.
 */
export class IdlePrefill {
  private timer: NodeJS.Timeout | undefined;
  private running: AbortController | undefined;
  private disposed = false;

  constructor(private readonly run: (signal: AbortSignal) => Promise<unknown>, private readonly options: { idleMs: number; soonMs: number } = { idleMs: 700, soonMs: 50 }) {}

  /** The user typed or moved the cursor: stop any prefill, wait for the next pause. */
  activity(): void {
    this.cancel();
    this.arm(this.options.idleMs);
  }

  /** A stable moment: prefill shortly, unless the user types first. */
  soon(): void {
    if (this.running) return;
    this.arm(this.options.soonMs);
  }

  cancel(): void {
    this.running?.abort();
    this.running = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const controller = new AbortController();
      this.running = controller;
      void this.run(controller.signal).catch(() => undefined).finally(() => {
        if (this.running === controller) this.running = undefined;
      });
    }, ms);
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
  }
}
