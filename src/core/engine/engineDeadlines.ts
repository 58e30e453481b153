import type { EngineMethod } from "../../protocol/engineProtocol";

/**
 * How long the extension waits for the engine. A request past its deadline is cancelled; an
 * engine that then does not answer the cancel, or that does not answer a status probe, is
 * stuck (a native hang, a blocked main thread) and is killed and started again.
 */
export interface EngineDeadlines {
  /** Per method, in ms. Streaming methods measure the time without progress: each chunk restarts it. */
  requests: Record<EngineMethod, number>;
  /** From starting the process until it says it is ready. */
  startMs: number;
  /** After a cancel, how long a working engine may take to answer it. */
  cancelGraceMs: number;
  /** While requests are pending, a silence this long sends a status probe. */
  silenceMs: number;
  /** How long the probe may take: the engine answers status at once unless its main thread is stuck. */
  probeMs: number;
}

export const DEFAULT_DEADLINES: EngineDeadlines = {
  requests: {
    status: 10_000,
    describeModel: 60_000,
    unloadModel: 60_000,
    // A large model from a slow disk; llama.cpp reports no progress while it loads.
    loadModel: 600_000,
    // Until the first token a long prompt is evaluated without output: minutes on a slow CPU.
    complete: 120_000,
    infill: 120_000,
    chat: 300_000,
    // Idle prefill evaluates a whole prompt without output, like a completion's first token.
    prefill: 120_000,
  },
  startMs: 30_000,
  cancelGraceMs: 5_000,
  silenceMs: 15_000,
  probeMs: 10_000,
};

/** Streaming requests make progress while they run; the others answer once. */
export function measuresProgress(method: EngineMethod): boolean {
  return method === "complete" || method === "infill" || method === "chat";
}
