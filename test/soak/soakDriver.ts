import type { CompletionPipeline, PipelineResult, SuggestionSource } from "../../src/core/completion/completionPipeline";
import type { Prng } from "../support/models/prng";
import { SoakDocument } from "./soakDocument";

export interface SoakCounts {
  /** Calls to the pipeline's provide(). */
  requests: number;
  /** Requests with a suggestion, by where it came from. */
  served: Record<SuggestionSource, number>;
  /** Requests with no suggestion (nothing to suggest there, or an empty answer). */
  empty: number;
  /** Requests cancelled by the soak (the editor's cancellation token). */
  aborted: number;
  /** Requests superseded by a newer one before they finished. */
  superseded: number;
  /** Requests that rejected (the scripted backend fails some on purpose). */
  errors: number;
  edits: number;
  accepted: number;
  modelSwitches: number;
}

export interface SoakTarget {
  pipeline: CompletionPipeline;
  /** Makes the next request use another model. */
  switchModel(): void;
  /** Waits a random short while before a cancellation: in flight, or not yet started. */
  pause(random: Prng): Promise<void>;
  /** Rate of model switches per request. */
  switchRate: number;
  /** Called after every step with the number of requests made so far (memory sampling). */
  afterStep?(requests: number): void;
}

/**
 * Drives a completion pipeline like an editor does: random edits, requests (automatic and
 * manual with alternatives), cancellations, requests superseded by newer ones, accepted and
 * partly accepted suggestions, and model switches. `atWarmUp` runs once after `warmUp` requests.
 */
export async function runSoak(target: SoakTarget, total: number, random: Prng, warmUp: number, atWarmUp: () => Promise<void> | void): Promise<SoakCounts> {
  const counts: SoakCounts = {
    requests: 0, served: { model: 0, cache: 0, "typed-ahead": 0, speculative: 0 }, empty: 0, aborted: 0, superseded: 0,
    errors: 0, edits: 0, accepted: 0, modelSwitches: 0,
  };
  const { pipeline } = target;
  const document = new SoakDocument(random);
  let warmedUp = false;
  /** Right after accepting a suggestion whole, the editor asks again at once: the speculative suggestion's moment. */
  let justAccepted = false;

  const provide = async (signal: AbortSignal, manual = false): Promise<PipelineResult | undefined> => {
    counts.requests += 1;
    try {
      const result = await pipeline.provide(document.snapshot(), { manual, signal, alternatives: manual ? 1 + Math.floor(random.next() * 3) : undefined });
      if (result) counts.served[result.source] += 1;
      else counts.empty += 1;
      return result;
    } catch {
      counts.errors += 1;
      return undefined;
    }
  };

  while (counts.requests < total) {
    if (!warmedUp && counts.requests >= warmUp) {
      warmedUp = true;
      await atWarmUp();
    }
    if (!justAccepted || random.next() < 0.3) {
      document.edit();
      counts.edits += 1;
      if (random.next() < 0.1) pipeline.cancelSpeculation();
    }
    justAccepted = false;
    if (random.next() < target.switchRate) {
      target.switchModel();
      counts.modelSwitches += 1;
    }
    const roll = random.next();
    let shown: PipelineResult | undefined;
    if (roll < 0.6) {
      shown = await provide(new AbortController().signal);
    } else if (roll < 0.7) {
      shown = await provide(new AbortController().signal, true);
    } else if (roll < 0.85) {
      const controller = new AbortController();
      const pending = provide(controller.signal);
      await target.pause(random);
      controller.abort();
      counts.aborted += 1;
      await pending;
    } else {
      // Typing on while a request runs: the newer request supersedes the older one.
      const older = provide(new AbortController().signal);
      document.edit();
      counts.edits += 1;
      const newer = provide(new AbortController().signal);
      counts.superseded += 1;
      [, shown] = await Promise.all([older, newer]);
    }
    const suggestion = shown?.suggestions[0];
    if (suggestion && random.next() < 0.3) {
      const partly = random.next() < 0.5 && suggestion.text.length > 1;
      const length = partly ? 1 + Math.floor(random.next() * (suggestion.text.length - 1)) : suggestion.text.length;
      if (partly) pipeline.acceptedPartially(document.snapshot(), suggestion, length);
      document.accept(suggestion, length);
      counts.accepted += 1;
      justAccepted = !partly;
      // Reading the suggestion before accepting it gives the speculation time to finish.
      if (justAccepted) await target.pause(random);
    }
    target.afterStep?.(counts.requests);
  }
  return counts;
}

export function describeCounts(counts: SoakCounts): string {
  const served = Object.entries(counts.served).map(([source, count]) => `${source} ${count}`).join(", ");
  return `requests ${counts.requests} (served: ${served}; empty ${counts.empty}; aborted ${counts.aborted}; superseded ${counts.superseded}; errors ${counts.errors}), ` +
    `edits ${counts.edits}, accepted ${counts.accepted}, model switches ${counts.modelSwitches}`;
}
