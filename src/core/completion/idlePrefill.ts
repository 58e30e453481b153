/**
 * When to prefill (DESIGN.md "Prompt layout for cache reuse"): after the user pauses in typing,
 * and soon after a stable moment (a file opened or switched, a save, a request typed here that
 * left context out). Typing or moving the cursor cancels a prefill at once: the request that
 * follows must not wait. A cursor moved without typing (reading, looking something up) prefills
 * nothing until the user types there: such a prefill evaluated the whole prompt at a place the
 * user left again (in the replay benchmark, 2,485 of Hearth's 14,576 prompt tokens).
 */
export class IdlePrefill {
  private timer: NodeJS.Timeout | undefined;
  /** What the armed timer is for: a pause in typing, or a stable moment. */
  private pending: "idle" | "soon" | undefined;
  private running: AbortController | undefined;
  private disposed = false;
  /** The user has typed since the cursor last moved. */
  private typedHere = true;

  constructor(private readonly run: (signal: AbortSignal) => Promise<unknown>, private readonly options: { idleMs: number; soonMs: number } = { idleMs: 700, soonMs: 50 }) {}

  /** The user typed: stop any prefill, prefill at the next pause. */
  typed(): void {
    this.typedHere = true;
    this.cancel();
    this.arm(this.options.idleMs, "idle");
  }

  /**
   * The cursor moved without typing: stop any prefill, and prefill nothing until the user types.
   * A stable moment's prefill still goes (opening a file moves the cursor too).
   */
  moved(): void {
    this.typedHere = false;
    this.running?.abort();
    this.running = undefined;
    if (this.pending === "idle") this.clearTimer();
  }

  /** A stable moment: prefill shortly, unless the user types first. */
  soon(): void {
    if (this.running) return;
    this.arm(this.options.soonMs, "soon");
  }

  /** A request left context out to answer in time: prefill soon where the user is typing. */
  contextLeftOut(): void {
    if (this.typedHere) this.soon();
  }

  cancel(): void {
    this.running?.abort();
    this.running = undefined;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private arm(ms: number, kind: "idle" | "soon"): void {
    if (this.disposed) return;
    this.clearTimer();
    this.pending = kind;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pending = undefined;
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
