/**
 * Which cached tokens a new prompt can keep (llama-server's --cache-reuse idea, DESIGN.md
 * "Prompt layout for cache reuse"). A sequence's KV cache can lose ranges of cells and shift
 * the rest down (node-llama-cpp's eraseContextTokenRanges), but tokens can only be appended: so
 * the kept runs of the cache, in their cached order, must spell the start of the new prompt.
 * Beyond the common prefix, runs of at least `minRun` matching tokens are kept at shifted
 * positions (their keys and values were computed after tokens that are now gone: the same
 * approximation llama-server makes); the rest of the prompt is evaluated.
 */

export interface TokenRange {
  start: number;
  end: number;
}

export interface ReusePlan {
  /** Cache ranges to erase, ascending, for eraseContextTokenRanges. */
  erase: TokenRange[];
  /** Prompt tokens served from the cache: prompt[0, reused) is what the cache holds after erasing. */
  reused: number;
  /** Of those, tokens kept at a shifted position (beyond the common prefix). */
  shifted: number;
}

/** Runs shorter than this are not worth keeping at a shifted position (see `planReuse`). */
export const DEFAULT_MIN_REUSE_RUN = 16;

export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a[index] === b[index]) index++;
  return index;
}

/**
 * The reuse plan for evaluating `prompt` on a sequence that holds `cached`. At least the last
 * prompt token is always left to evaluate: its logits choose the first generated token.
 * `shift: false` keeps the common prefix only (models whose cache cannot shift positions).
 */
export function planReuse(cached: readonly number[], prompt: readonly number[], options: { minRun?: number; shift?: boolean } = {}): ReusePlan {
  const minRun = Math.max(1, options.minRun ?? DEFAULT_MIN_REUSE_RUN);
  const limit = Math.max(0, prompt.length - 1);
  const common = Math.min(commonPrefixLength(cached, prompt), limit);
  const erase: TokenRange[] = [];
  let headCache = common;
  let headPrompt = common;
  /** Start of the cache cells not kept yet (everything from here up to a kept run is erased). */
  let keptCacheEnd = common;
  let shifted = 0;
  if (options.shift !== false) {
    while (headCache < cached.length && headPrompt < limit) {
      let match = 0;
      while (headCache + match < cached.length && headPrompt + match < limit && cached[headCache + match] === prompt[headPrompt + match]) match++;
      if (match >= minRun) {
        if (headCache > keptCacheEnd) erase.push({ start: keptCacheEnd, end: headCache });
        headCache += match;
        headPrompt += match;
        shifted += match;
        keptCacheEnd = headCache;
      } else {
        headCache++;
      }
    }
  }
  if (cached.length > keptCacheEnd) erase.push({ start: keptCacheEnd, end: cached.length });
  return { erase, reused: headPrompt, shifted };
}

/** Prompt tokens `plan` leaves to evaluate. */
export function evaluationCost(plan: ReusePlan, promptLength: number): number {
  return promptLength - plan.reused;
}

/**
 * Whether `needle` occurs in `haystack` at or after `from`; returns the index after the match,
 * or -1. Used to tell which prompt pieces a cache still holds somewhere.
 */
export function findRun(haystack: readonly number[], needle: readonly number[], from: number): number {
  if (needle.length === 0) return from;
  const first = needle[0];
  for (let start = from; start + needle.length <= haystack.length; start++) {
    if (haystack[start] !== first) continue;
    let index = 1;
    while (index < needle.length && haystack[start + index] === needle[index]) index++;
    if (index === needle.length) return start + needle.length;
  }
  return -1;
}

/** A prefill that only appends this many tokens to the last request's sequence runs there. */
const PREFILL_EXTEND_TOKENS = 256;
/** ... and gives up at most this many of its tokens (what it generated, an edited line). */
const PREFILL_GIVE_UP_TOKENS = 64;

/**
 * The sequence (index into `caches`, most recently used first) an idle prefill builds in: the one
 * that holds the most of the prompt, but the last request's sequence only when the prefill
 * extends it a little and keeps what it holds. A preempted prefill that had rebuilt it (say the
 * whole prompt inserting far lines before those a budgeted request kept) would leave the requests
 * being typed a start to reuse and nothing after it.
 */
export function prefillTarget(caches: readonly (readonly number[])[], prompt: readonly number[], plans: readonly ReusePlan[]): number {
  const target = plans.reduce((best, plan, index) => plan.reused > plans[best].reused ? index : best, 0);
  if (target !== 0 || caches.length < 2) return target;
  const extendsLittle = prompt.length - plans[0].reused <= PREFILL_EXTEND_TOKENS;
  const keeps = caches[0].length - plans[0].reused <= PREFILL_GIVE_UP_TOKENS;
  return extendsLittle && keeps ? 0 : 1;
}
