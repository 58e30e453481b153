import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp" with { "resolution-mode": "import" };
import { spanEnd } from "../core/completion/suggestionShape";
import type { GenerationStats, SamplingParams, StopReason } from "../protocol/engineProtocol";

export interface GenerationOutcome {
  text: string;
  stopReason: StopReason;
  stats: GenerationStats;
}

/**
 * Evaluates `promptTokens` on a sequence that keeps its tokens between requests, so
 * only the part after the longest common prefix costs time, then samples tokens
 * until a stop condition. Text is streamed through `onText` as it becomes valid UTF-8.
 */
export async function generateOnSequence(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  promptTokens: Token[],
  params: SamplingParams,
  signal: AbortSignal,
  onText: (chunk: string) => void,
  stopTokens: readonly Token[] = [],
): Promise<GenerationOutcome> {
  const started = performance.now();
  // Keep at least the last prompt token to evaluate: its logits pick the first new token.
  const common = params.reusePrefix === false ? 0 : sequence.compareContextTokens(promptTokens).firstDifferentIndex;
  const reused = Math.min(common, Math.max(0, promptTokens.length - 1));
  if (sequence.nextTokenIndex > reused) {
    await sequence.eraseContextTokenRanges([{ start: reused, end: sequence.nextTokenIndex }]);
  }
  const toEvaluate = promptTokens.slice(reused);
  const stats: GenerationStats = {
    promptTokens: promptTokens.length,
    reusedTokens: reused,
    evaluatedTokens: toEvaluate.length,
    promptMs: 0,
    firstTokenMs: 0,
    generationMs: 0,
    generatedTokens: 0,
  };
  const generated: Token[] = [];
  // Detokenizing with the preceding tokens keeps SentencePiece word-start spaces right.
  const precedingTokens = promptTokens.slice(-8);
  let emitted = "";
  /** Where the span rule cut the text (the last token may run past it). */
  let kept: number | undefined;
  let stopReason: StopReason = "eog";
  if (signal.aborted) return finish("aborted");

  const iterator = sequence.evaluate(toEvaluate, {
    temperature: params.temperature,
    topK: params.topK,
    topP: params.topP,
    seed: params.temperature > 0 ? Date.now() : undefined,
  });
  try {
    for await (const token of iterator) {
      if (stats.firstTokenMs === 0) {
        stats.promptMs = performance.now() - started;
        stats.firstTokenMs = stats.promptMs;
      }
      if (stopTokens.includes(token)) {
        stopReason = "eog";
        break;
      }
      generated.push(token);
      const text = model.detokenize(generated, false, precedingTokens);
      // A multi-byte character split across tokens decodes to U+FFFD until complete.
      if (!text.endsWith("\uFFFD")) {
        const stopAt = findStop(text, params.stopStrings);
        if (stopAt !== undefined) {
          emit(text.slice(0, stopAt));
          stopReason = "stopString";
          break;
        }
        // A completion stops as soon as more text cannot change what the suggestion keeps:
        // one line, or the block that line opened, or the siblings of an empty line.
        if (params.span) {
          const span = spanEnd(params.span, text, false);
          if (span.complete) {
            kept = span.end;
            emit(text.slice(0, span.end));
            stopReason = "stopString";
            break;
          }
        }
        // Hold back a tail that may be the start of a stop string.
        const sent = emit(text.slice(0, text.length - heldBackLength(text, params.stopStrings)));
        if (params.timeBudgetMs !== undefined && performance.now() - started > params.timeBudgetMs && sent.includes("\n")) {
          stopReason = "timeBudget";
          break;
        }
      }
      if (signal.aborted) {
        stopReason = "aborted";
        break;
      }
      if (budgetSpent(generated.length, text, params)) {
        stopReason = "maxTokens";
        break;
      }
    }
  } finally {
    await iterator.return();
  }
  if (stopReason !== "stopString") {
    const text = model.detokenize(generated, false, precedingTokens);
    emit(text.endsWith("\uFFFD") ? text.slice(0, -1) : text);
  }
  return finish(stopReason);

  /** Streams the part of `upTo` not sent yet; returns it. */
  function emit(upTo: string): string {
    if (upTo.length <= emitted.length) return "";
    const chunk = upTo.slice(emitted.length);
    emitted = upTo;
    onText(chunk);
    return chunk;
  }

  function finish(reason: StopReason): GenerationOutcome {
    stats.generatedTokens = generated.length;
    stats.generationMs = performance.now() - started;
    if (generated.length === 0) stats.promptMs = stats.generationMs;
    return { text: kept === undefined ? emitted : emitted.slice(0, kept), stopReason: reason, stats };
  }
}

/** The token budget is spent: all of it, or a first line's while that line is still open. */
function budgetSpent(generated: number, text: string, params: SamplingParams): boolean {
  if (generated >= params.maxTokens) return true;
  return params.firstLineMaxTokens !== undefined && generated >= params.firstLineMaxTokens && !text.trimStart().includes("\n");
}

function heldBackLength(text: string, stopStrings: readonly string[] | undefined): number {
  let held = 0;
  for (const stop of stopStrings ?? []) {
    for (let length = Math.min(stop.length - 1, text.length); length > held; length--) {
      if (text.endsWith(stop.slice(0, length))) {
        held = length;
        break;
      }
    }
  }
  return held;
}

function findStop(text: string, stopStrings: readonly string[] | undefined): number | undefined {
  if (!stopStrings) return undefined;
  let earliest: number | undefined;
  for (const stop of stopStrings) {
    if (!stop) continue;
    const index = text.indexOf(stop);
    if (index >= 0 && (earliest === undefined || index < earliest)) earliest = index;
  }
  return earliest;
}
