/** One completion generation in flight: a newer request aborts the older one. */
export class RequestManager {
  private current: AbortController | undefined;

  /** Starts a request; its signal aborts when a newer one starts or the caller's signal aborts. */
  begin(callerSignal?: AbortSignal): { signal: AbortSignal; end(): void } {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    const onAbort = () => controller.abort();
    callerSignal?.addEventListener("abort", onAbort, { once: true });
    if (callerSignal?.aborted) controller.abort();
    return {
      signal: controller.signal,
      end: () => {
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
