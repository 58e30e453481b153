/** One completion generation in flight: a newer request aborts the older one. */
export class RequestManager {
  private current: AbortController | undefined;
  private open = 0;

  /** Requests begun and not yet ended: 0 when idle (a leak check for long sessions). */
  get openRequests(): number {
    return this.open;
  }

  /** Starts a request; its signal aborts when a newer one starts or the caller's signal aborts. */
  begin(callerSignal?: AbortSignal): { signal: AbortSignal; end(): void } {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    const onAbort = () => controller.abort();
    callerSignal?.addEventListener("abort", onAbort, { once: true });
    if (callerSignal?.aborted) controller.abort();
    this.open += 1;
    let ended = false;
    return {
      signal: controller.signal,
      end: () => {
        if (ended) return;
        ended = true;
        this.open -= 1;
        callerSignal?.removeEventListener("abort", onAbort);
        if (this.current === controller) this.current = undefined;
      },
    };
  }

  cancel(): void {
    this.current?.abort();
    this.current = undefined;
  }
}
