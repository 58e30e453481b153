/**
 * Chooses the prompt a completion request evaluates, given what the engine's sequences hold
 * (DESIGN.md "Prompt layout for cache reuse"). The requested prompt is used whole when its
 * uncached tokens fit the time budget. Otherwise context grows only where the cache makes it
 * free: context chunks and far prefix lines the caches do not hold are left out when what
 * follows them is cached; and what is still uncached is cut to the budget, farthest from the
 * cursor first. Idle prefill evaluates the whole prompt later, so the next request gets it free.
 */
import type { PromptPart } from "../core/fim/fimLayout";
import { DEFAULT_MIN_REUSE_RUN, findRun, planReuse, type ReusePlan } from "./cacheReuse";

export interface PromptPiece<T extends number = number> {
  part: PromptPart;
  /** The chunk a "chunk" piece holds (a whole chunk is one piece). */
  chunk?: number;
  text: string;
  tokens: readonly T[];
}

export type FitVariant = "whole" | "cached" | "trimmed";

export interface FitChoice<T extends number = number> {
  pieces: PromptPiece<T>[];
  tokens: T[];
  /** Index into the caches given to `fitPrompt`. */
  cache: number;
  plan: ReusePlan;
  variant: FitVariant;
  /** Prompt tokens of the requested prompt left out. */
  leftOut: number;
}

export interface FitOptions {
  /** Most tokens to evaluate; undefined evaluates the whole prompt whatever it costs. */
  budgetTokens?: number;
  /**
   * Most tokens the prompt may have: what a sequence holds less the tokens to generate. A longer
   * prompt would be shifted out at its start by the context (the FIM tokens and the file header
   * with it), so it loses its farthest context first instead.
   */
  maxPromptTokens?: number;
  shift?: boolean;
  minRun?: number;
}

export function piecesTokens<T extends number>(pieces: readonly PromptPiece<T>[]): T[] {
  const tokens: T[] = [];
  for (const piece of pieces) for (const token of piece.tokens) tokens.push(token);
  return tokens;
}

function cheapest<T extends number>(pieces: PromptPiece<T>[], caches: readonly (readonly number[])[], variant: FitVariant, options: FitOptions, total: number): FitChoice<T> {
  const tokens = piecesTokens(pieces);
  let best: FitChoice<T> | undefined;
  caches.forEach((cached, index) => {
    const plan = planReuse(cached, tokens, options);
    // Another cache than the preferred one must save real work: moving there overwrites what it holds.
    const gain = index === 0 || !best ? 0 : best.cache === 0 ? SWITCH_GAIN_TOKENS : 0;
    if (!best || plan.reused > best.plan.reused + gain) best = { pieces, tokens, cache: index, plan, variant, leftOut: total - tokens.length };
  });
  if (!best) throw new Error("fitPrompt needs at least one sequence");
  return best;
}

/** Tokens a cache other than the preferred (most recently used) one must save to be chosen. */
const SWITCH_GAIN_TOKENS = 32;

const cost = <T extends number>(choice: FitChoice<T>) => choice.tokens.length - choice.plan.reused;

/** The prompt within `maxPromptTokens` (see FitOptions): chunks and the farthest lines go first. */
export function capToContext<T extends number>(pieces: readonly PromptPiece<T>[], maxPromptTokens: number | undefined): PromptPiece<T>[] {
  const total = pieces.reduce((sum, piece) => sum + piece.tokens.length, 0);
  return maxPromptTokens === undefined || total <= maxPromptTokens ? [...pieces] : trimUncached(pieces, 0, Math.max(0, maxPromptTokens));
}

/** The prompt to evaluate and on which cache; `caches` in order of preference when costs tie. */
export function fitPrompt<T extends number>(requested: readonly PromptPiece<T>[], caches: readonly (readonly number[])[], options: FitOptions = {}): FitChoice<T> {
  // What the context cannot hold is not counted as left out: no prefill could bring it back.
  const pieces = capToContext(requested, options.maxPromptTokens);
  const total = pieces.reduce((sum, piece) => sum + piece.tokens.length, 0);
  const whole = cheapest([...pieces], caches, "whole", options, total);
  const budget = options.budgetTokens;
  if (budget === undefined || cost(whole) <= budget) return whole;
  let best = whole;
  const candidates: FitChoice<T>[] = [];
  caches.forEach((cached) => {
    const kept = withoutUncachedInsertions(pieces, cached);
    if (kept.length < pieces.length) candidates.push(cheapest(kept, caches, "cached", options, total));
  });
  for (const candidate of candidates) {
    if (cost(candidate) <= budget && (cost(best) > budget || candidate.tokens.length > best.tokens.length)) best = candidate;
  }
  if (cost(best) <= budget) return best;
  // Nothing fits: cut what is uncached down to the budget, from the whole prompt and from each cached variant.
  // The cold cut (nothing counted as cached) fits whatever the caches hold, such as the start of a
  // preempted prefill that a cut may not leave a gap after.
  const trimmed = [...[whole, ...candidates].map((choice) => trimUncached(choice.pieces, choice.plan.reused, budget)), trimUncached(pieces, 0, budget)]
    .map((kept) => cheapest(kept, caches, "trimmed", options, total));
  return trimmed.reduce((chosen, candidate) => {
    const fits = cost(candidate) <= budget;
    const chosenFits = cost(chosen) <= budget;
    if (fits !== chosenFits) return fits ? candidate : chosen;
    return fits ? (candidate.tokens.length > chosen.tokens.length ? candidate : chosen) : (cost(candidate) < cost(chosen) ? candidate : chosen);
  });
}

/**
 * The prompt without the chunks, far lines above the cursor and far suffix lines a cache lacks where
 * leaving them out lets what follows them be reused (an insertion costs everything after it; a
 * deletion is free). After a cold request cut to its budget, typing along then evaluates only
 * its new tokens instead of growing the prompt by a budget's worth each time: the far lines come
 * back when a prefill has put them in a cache.
 */
export function withoutUncachedInsertions<T extends number>(pieces: readonly PromptPiece<T>[], cached: readonly number[]): PromptPiece<T>[] {
  const kept: PromptPiece<T>[] = [];
  let pending: PromptPiece<T>[] = [];
  let position = 0;
  /** A line above the cursor's line (prefix or recent) is kept: the lines below it must stay. */
  let aboveKept = false;
  let suffixKept = false;
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index];
    let end = findRun(cached, piece.tokens, position);
    // A short line (a brace, a blank line) also occurs in text further on: found away from where
    // the cache goes on, it is a coincidence, not this line, unless it is long enough to tell.
    // (The FIM tokens and the file header occur once: found further on, the cache held text the
    // prompt no longer has, which is free to leave.)
    const line = piece.part !== "fixed" && piece.part !== "chunk";
    if (end >= 0 && line && end - piece.tokens.length !== position && piece.tokens.length < DEFAULT_MIN_REUSE_RUN) end = -1;
    // Suffix lines are left out only as a tail (the lines farthest from the cursor): a cached
    // suffix line after a left-out one would close a gap in the text below the cursor.
    const gapInSuffix = piece.part === "suffix" && pending.some((waiting) => waiting.part === "suffix");
    if (end >= 0 && !gapInSuffix) {
      // What follows the pending pieces is cached: leaving them out makes it reusable.
      pending = [];
      kept.push(piece);
      position = end;
      if (piece.part === "prefix" || piece.part === "recent") aboveKept = true;
      if (piece.part === "suffix") suffixKept = true;
      continue;
    }
    const droppable = piece.part === "chunk" || ((piece.part === "prefix" || piece.part === "recent") && !aboveKept)
      || (piece.part === "suffix" && (suffixKept || cachedSuffixLeftOut(pieces, index, cached, position)));
    if (!droppable) {
      // A change the prompt needs (an edited line, a moved cursor): nothing after it is reusable.
      kept.push(...pending, ...pieces.slice(index));
      return kept;
    }
    pending.push(piece);
  }
  // Left out only where something after them was found.
  return [...kept, ...pending];
}

/**
 * True when the cache holds this prompt with its whole suffix left out (a cold request cut to its
 * budget): the token after the suffix follows at once where the suffix would start.
 */
function cachedSuffixLeftOut<T extends number>(pieces: readonly PromptPiece<T>[], index: number, cached: readonly number[], position: number): boolean {
  const next = pieces.slice(index).find((piece) => piece.part !== "suffix" && piece.tokens.length > 0);
  return next !== undefined && position > 0 && cached[position] === next.tokens[0];
}

/**
 * Cuts the part of the prompt after the first `covered` tokens (those the cache serves) down to
 * `budget` tokens: required pieces stay; of the lines above the cursor's line those nearest it,
 * of the suffix the lines nearest the cursor (about a quarter of what is left), then whole chunks.
 */
export function trimUncached<T extends number>(pieces: readonly PromptPiece<T>[], covered: number, budget: number): PromptPiece<T>[] {
  let offset = 0;
  const starts = pieces.map((piece) => {
    const start = offset;
    offset += piece.tokens.length;
    return start;
  });
  // A piece that starts inside the covered tokens stays whole.
  const inTail = (index: number) => starts[index] >= covered;
  const tail = pieces.map((_, index) => index).filter(inTail);
  const size = (indexes: readonly number[]) => indexes.reduce((sum, index) => sum + pieces[index].tokens.length, 0);
  const ofPart = (part: PromptPart) => tail.filter((index) => pieces[index].part === part);
  // The lines before the cursor's line (prefix, then recent lines) lose their farthest lines
  // first, and only when none of them is covered: what stays is contiguous text.
  const above = (part: PromptPart) => part === "prefix" || part === "recent";
  const aboveCovered = pieces.some((piece, index) => above(piece.part) && !inTail(index));
  const prefix = aboveCovered ? [] : tail.filter((index) => above(pieces[index].part));
  const suffix = ofPart("suffix");
  const chunks = ofPart("chunk");
  const required = tail.filter((index) => !prefix.includes(index) && !suffix.includes(index) && !chunks.includes(index));
  const available = Math.max(0, budget - size(required));
  let suffixAllowance = Math.min(size(suffix), Math.floor(available / 4));
  const prefixAllowance = Math.min(size(prefix), available - suffixAllowance);
  suffixAllowance = Math.min(size(suffix), available - prefixAllowance);
  const keep = new Set<number>(required);
  let used = 0;
  for (let at = prefix.length - 1; at >= 0; at--) {
    const length = pieces[prefix[at]].tokens.length;
    if (used + length > prefixAllowance) break;
    used += length;
    keep.add(prefix[at]);
  }
  const prefixUsed = used;
  used = 0;
  for (const index of suffix) {
    const length = pieces[index].tokens.length;
    if (used + length > suffixAllowance) break;
    used += length;
    keep.add(index);
  }
  let chunkAllowance = available - prefixUsed - used;
  for (const index of chunks) {
    const length = pieces[index].tokens.length;
    if (length > chunkAllowance) continue;
    chunkAllowance -= length;
    keep.add(index);
  }
  return pieces.filter((_, index) => !inTail(index) || keep.has(index));
}
