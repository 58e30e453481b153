/**
 * The completion role's KV-cache sequences: two, so that idle prefill can build the next prompt
 * in one while the other keeps what the requests being typed reuse (a prefill a keystroke
 * preempts loses nothing), and so that two files' prompts stay cached. Each request runs on the
 * sequence that serves the most of its prompt (DESIGN.md "Prompt layout for cache reuse").
 */
import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp" with { "resolution-mode": "import" };
import { commonPrefixLength, type ReusePlan } from "./cacheReuse";

/** Architectures whose KV cache cannot move tokens to other positions (multi-section RoPE, per-layer RoPE dims). */
const NO_SHIFT_ARCHITECTURES: ReadonlySet<string> = new Set([
  "qwen2vl", "qwen3vl", "qwen3vlmoe", "qwen35", "qwen35moe", "paddleocr", "step35", "dflash",
]);

/** Whether cached tokens can be kept at shifted positions (llama.cpp aborts on a K-shift it does not support). */
export function canShiftPositions(model: LlamaModel): boolean {
  const metadata = model.fileInfo.metadata;
  const architecture = metadata.general.architecture;
  if (NO_SHIFT_ARCHITECTURES.has(architecture)) return false;
  // Multi-section RoPE (GLM-4V, Hunyuan-VL…) shows as <arch>.rope.dimension_sections.
  return field(field(field(metadata, architecture), "rope"), "dimension_sections") === undefined;
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
}

/** Used until a measurement exists: a small model on a laptop core. */
const FALLBACK_TOKENS_PER_SECOND = 100;
const CALIBRATION_TOKENS = 40;

export class CompletionSequences {
  /** Most recently used first. */
  private order: LlamaContextSequence[];
  /** Prompt tokens per second, measured at load and kept current by larger evaluations. */
  private speed = 0;

  constructor(sequences: readonly LlamaContextSequence[], readonly canShift: boolean) {
    this.order = [...sequences];
  }

  get calibrated(): boolean {
    return this.speed > 0;
  }

  get promptTokensPerSecond(): number {
    return this.speed > 0 ? this.speed : FALLBACK_TOKENS_PER_SECOND;
  }

  /**
   * Measures prompt tokens per second on this machine with these threads, once, when the model
   * starts serving completions (a cold request's prompt is sized to a time budget with it). The
   * first evaluation also pages the weights in, so it is left out of the timing.
   */
  async calibrate(model: LlamaModel): Promise<void> {
    const sequence = this.order[this.order.length - 1];
    const sample = model.tokenize("function measure(values) {\n  let total = 0;\n  for (const value of values) total += value * 2;\n  return total;\n}\n".repeat(6), false);
    const tokens = sample.slice(0, CALIBRATION_TOKENS);
    if (tokens.length < 16) return;
    await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, 4));
    await sequence.clearHistory();
    const started = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(tokens);
    const seconds = (performance.now() - started) / 1000;
    await sequence.clearHistory();
    this.speed = seconds > 0 ? tokens.length / seconds : FALLBACK_TOKENS_PER_SECOND;
  }

  /** The sequences, most recently used first, and the tokens each holds. */
  snapshot(): { sequences: LlamaContextSequence[]; caches: number[][] } {
    return { sequences: [...this.order], caches: this.order.map((sequence) => sequence.contextTokens) };
  }

  touch(sequence: LlamaContextSequence): void {
    this.order = [sequence, ...this.order.filter((other) => other !== sequence)];
  }

  /** A measured prompt evaluation; small ones say little about throughput. */
  recordPromptSpeed(tokens: number, ms: number): void {
    if (tokens < 24 || ms <= 0) return;
    const measured = tokens / (ms / 1000);
    this.speed = this.speed > 0 ? this.speed * 0.7 + measured * 0.3 : measured;
  }

  /** Tokens a budget of `ms` milliseconds of prompt evaluation allows (never fewer than 32). */
  budgetTokens(ms: number | undefined): number | undefined {
    return ms === undefined ? undefined : Math.max(32, Math.floor((this.promptTokensPerSecond * ms) / 1000));
  }
}

/**
 * Erases what `plan` does not keep, so the sequence holds the first `plan.reused` prompt tokens;
 * returns how many it holds (fewer when llama.cpp could not remove cells and node-llama-cpp
 * evaluated the rest again, which it reports as its own tokens).
 */
export async function applyReusePlan(sequence: LlamaContextSequence, prompt: readonly number[], plan: ReusePlan): Promise<number> {
  if (plan.erase.length > 0) await sequence.eraseContextTokenRanges(plan.erase);
  const held = commonPrefixLength(sequence.contextTokens, prompt);
  const reused = Math.min(held, plan.reused, Math.max(0, prompt.length - 1));
  if (sequence.nextTokenIndex > reused) await sequence.eraseContextTokenRanges([{ start: reused, end: sequence.nextTokenIndex }]);
  return reused;
}

/**
 * Evaluates `tokens` without generating, a slice at a time so that a newer request preempts
 * it within one slice; what was evaluated stays in the sequence. Returns the tokens evaluated.
 */
export async function evaluateInSlices(sequence: LlamaContextSequence, tokens: readonly Token[], sliceTokens: number, signal: AbortSignal): Promise<number> {
  let done = 0;
  while (done < tokens.length && !signal.aborted) {
    const slice = tokens.slice(done, done + Math.max(1, sliceTokens));
    await sequence.evaluateWithoutGeneratingNewTokens(slice);
    done += slice.length;
  }
  return done;
}
