import { strict as assert } from "node:assert";
import { mostStableFirst } from "../../src/core/completion/contextOrder";
import { IdlePrefill } from "../../src/core/completion/idlePrefill";
import type { PromptPart } from "../../src/core/fim/fimLayout";
import { findRun, planReuse, prefillTarget } from "../../src/engine/cacheReuse";
import { capToContext, fitPrompt, piecesTokens, trimUncached, withoutUncachedInsertions, type PromptPiece } from "../../src/engine/promptFit";
import { defaultThreads, resolveThreads } from "../../src/engine/threads";

const range = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index);
const piece = (part: PromptPart, tokens: number[], chunk?: number): PromptPiece => ({ part, text: `${part}${tokens.length}`, tokens, ...(chunk === undefined ? {} : { chunk }) });

describe("KV-cache reuse plan (llama-server's cache-reuse idea)", () => {
  it("keeps the common prefix and leaves the last prompt token to evaluate", () => {
    const plan = planReuse([1, 2, 3, 4, 9], [1, 2, 3, 4]);
    assert.deepEqual(plan, { erase: [{ start: 3, end: 5 }], reused: 3, shifted: 0 });
  });

  it("keeps runs beyond a deleted stretch at shifted positions", () => {
    const cached = [0, ...range(100, 20), ...range(200, 30), ...range(300, 20)];
    const prompt = [0, ...range(100, 20), ...range(300, 20), 7];
    const plan = planReuse(cached, prompt);
    assert.deepEqual(plan.erase, [{ start: 21, end: 51 }]);
    assert.equal(plan.reused, 41);
    assert.equal(plan.shifted, 20);
  });

  it("skips runs shorter than the minimum and cannot reuse past an insertion", () => {
    const cached = [0, ...range(100, 10), ...range(300, 40)];
    assert.equal(planReuse(cached, [0, ...range(300, 40), 1]).reused, 41, "a 40-token run is kept");
    assert.equal(planReuse(cached, [0, ...range(300, 8), 5, 6]).reused, 1, "an 8-token run is not worth a shift");
    // New tokens before a cached run: the run cannot move up, everything after the insertion is evaluated.
    assert.equal(planReuse(cached, [0, 55, ...range(100, 10), ...range(300, 40)]).reused, 1);
  });

  it("keeps the common prefix only when shifting is off", () => {
    const cached = [0, ...range(100, 20), ...range(300, 20)];
    const plan = planReuse(cached, [0, ...range(300, 20), 1], { shift: false });
    assert.equal(plan.reused, 1);
    assert.deepEqual(plan.erase, [{ start: 1, end: 41 }]);
  });

  it("prefills in the last request's sequence only to extend it a little, keeping what it holds", () => {
    const target = (caches: number[][], prompt: number[]) => prefillTarget(caches, prompt, caches.map((cached) => planReuse(cached, prompt)));
    const request = [0, ...range(100, 200), ...range(900, 20)];
    // The next keystroke's prompt: the request's prompt (less what it generated) and a few new tokens.
    assert.equal(target([request, []], [0, ...range(100, 200), 7, 8]), 0);
    // The whole prompt of a request cut to its budget: far lines inserted before the ones it kept,
    // even a few (a preempted prefill would have left the request's sequence only their start).
    assert.equal(target([request, []], [0, ...range(5_000, 150), ...range(100, 200), 7]), 1);
    assert.equal(target([request, []], [0, ...range(5_000, 50), ...range(100, 200), 7]), 1);
    // Much to add: in the other sequence, so a preempted prefill leaves the request's intact.
    assert.equal(target([request, []], [0, ...range(100, 200), ...range(3_000, 400)]), 1);
    // The other sequence already holds more of it.
    assert.equal(target([request, [0, ...range(5_000, 150), ...range(100, 100)]], [0, ...range(5_000, 150), ...range(100, 200), 7]), 1);
    assert.equal(target([request], [0, ...range(5_000, 150)]), 0, "a single sequence");
  });

  it("finds a run of tokens in a cache", () => {
    assert.equal(findRun([1, 2, 3, 2, 3, 4], [2, 3, 4], 0), 6);
    assert.equal(findRun([1, 2, 3], [3, 4], 0), -1);
    assert.equal(findRun([1, 2, 3], [1], 1), -1);
  });
});

describe("fitting a prompt to the caches and a time budget", () => {
  // A FIM prompt: [chunk a][chunk b][file][PRE] prefix lines [SUF] suffix lines [MID] recent + current.
  const prompt = (chunks: number[][], prefixLines: number[][], suffixLines: number[][], middle: number[]) => [
    ...chunks.map((tokens, index) => piece("chunk", tokens, index)),
    piece("fixed", [1, 2]),
    piece("fixed", [3]),
    ...prefixLines.map((tokens) => piece("prefix", tokens)),
    piece("fixed", [4]),
    ...suffixLines.map((tokens) => piece("suffix", tokens)),
    piece("fixed", [5]),
    piece("middle", middle),
  ];
  const lines = (from: number, count: number, width = 10) => Array.from({ length: count }, (_, index) => range(from + index * 100, width));

  it("uses the whole prompt when what is uncached fits", () => {
    const pieces = prompt([range(50_000, 40)], lines(10_000, 10), lines(20_000, 3), [9, 9]);
    const choice = fitPrompt(pieces, [[]], { budgetTokens: 1_000 });
    assert.equal(choice.variant, "whole");
    assert.equal(choice.leftOut, 0);
  });

  it("a prompt longer than the context holds keeps the FIM tokens and the nearest lines; what is cut is not 'left out' for a prefill to bring back", () => {
    const pieces = prompt([range(50_000, 40)], lines(10_000, 20), lines(20_000, 10), [9, 9]);
    const choice = fitPrompt(pieces, [[]], { maxPromptTokens: 80 });
    assert.ok(choice.tokens.length <= 80, `${choice.tokens.length}`);
    assert.equal(choice.pieces.filter((p) => p.part === "fixed").length, 4, "every FIM token and the file header");
    assert.deepEqual(choice.pieces.filter((p) => p.part === "prefix").map((p) => p.tokens[0]).at(-1), 11_900, "the line above the cursor");
    assert.equal(choice.leftOut, 0);
    assert.deepEqual(capToContext(pieces, 10_000), pieces, "a prompt that fits is unchanged");
  });

  it("cold: keeps the lines nearest the cursor, a quarter for the suffix, chunks last", () => {
    const pieces = prompt([range(50_000, 40)], lines(10_000, 20), lines(20_000, 10), [9, 9]);
    const choice = fitPrompt(pieces, [[], []], { budgetTokens: 80 });
    assert.equal(choice.variant, "trimmed");
    assert.ok(choice.tokens.length <= 80, `${choice.tokens.length}`);
    const kept = (part: PromptPart) => choice.pieces.filter((p) => p.part === part).map((p) => p.tokens[0]);
    // 80 − 7 required = 73: 18 for the suffix (one line), 55 for the prefix (five lines nearest the cursor).
    assert.deepEqual(kept("prefix"), [11_500, 11_600, 11_700, 11_800, 11_900]);
    assert.deepEqual(kept("suffix"), [20_000]);
    assert.deepEqual(kept("chunk"), []);
  });

  it("leaves out a new chunk when what follows it is cached (the deletion is free, the insertion is not)", () => {
    const old = prompt([range(50_000, 40)], lines(10_000, 20), lines(20_000, 5), [9, 9]);
    const cached = piecesTokens(old);
    const next = prompt([range(50_000, 40), range(60_000, 60)], lines(10_000, 20), lines(20_000, 5), [9, 9, 9]);
    assert.ok(fitPrompt(next, [cached], {}).plan.reused < 45, "without a budget the new chunk costs everything after it");
    const choice = fitPrompt(next, [cached], { budgetTokens: 30 });
    assert.equal(choice.variant, "cached");
    assert.ok(!choice.pieces.some((p) => p.tokens[0] === 60_000), "the new chunk waits for a prefill");
    assert.ok(choice.tokens.length - choice.plan.reused <= 2);
  });

  it("leaves out far prefix lines the cache no longer holds only where the rest is cached", () => {
    const cached = piecesTokens(prompt([], lines(10_500, 15), lines(20_000, 5), [9]));
    const wider = prompt([], lines(10_000, 20), lines(20_000, 5), [9, 9]);
    const dropped = withoutUncachedInsertions(wider, cached);
    assert.equal(dropped.filter((p) => p.part === "prefix").length, 15);
    // Nothing of this prompt cached: nothing is dropped for reuse's sake.
    assert.equal(withoutUncachedInsertions(wider, []).length, wider.length);
  });

  it("typing along after a cold request cut to its budget evaluates only the new tokens: the far lines wait for a prefill", () => {
    const pieces = (middle: number[]) => prompt([range(50_000, 40)], lines(10_000, 20), lines(20_000, 10), middle);
    const cold = fitPrompt(pieces([9, 9]), [[], []], { budgetTokens: 80 });
    assert.equal(cold.variant, "trimmed");
    const typed = fitPrompt(pieces([9, 9, 8]), [cold.tokens, []], { budgetTokens: 80 });
    assert.equal(typed.variant, "cached");
    assert.ok(typed.tokens.length - typed.plan.reused <= 2, `${typed.tokens.length - typed.plan.reused} evaluated`);
    const kept = (choice: typeof cold, part: PromptPart) => choice.pieces.filter((p) => p.part === part).map((p) => p.tokens[0]);
    assert.deepEqual(kept(typed, "prefix"), kept(cold, "prefix"));
    assert.deepEqual(kept(typed, "suffix"), kept(cold, "suffix"), "the suffix lines nearest the cursor, no more");
  });

  it("typing along after a cold cut that left out the whole suffix keeps it out until a prefill", () => {
    // The first suffix line is longer than the quarter of the budget the suffix gets.
    const pieces = (middle: number[]) => prompt([], lines(10_000, 20), [range(20_000, 40), ...lines(21_000, 5)], middle);
    const cold = fitPrompt(pieces([9]), [[], []], { budgetTokens: 60 });
    assert.equal(cold.pieces.filter((p) => p.part === "suffix").length, 0);
    const typed = fitPrompt(pieces([9, 8]), [cold.tokens, []], { budgetTokens: 60 });
    assert.equal(typed.variant, "cached");
    assert.ok(typed.tokens.length - typed.plan.reused <= 2, `${typed.tokens.length - typed.plan.reused} evaluated`);
    // A cached suffix that differs (the cursor moved) is not left out: the new one is evaluated.
    const moved = piecesTokens(prompt([], lines(10_000, 20), lines(29_000, 2), [9]));
    assert.equal(withoutUncachedInsertions(pieces([9]), moved).filter((p) => p.part === "suffix").length, 6);
  });

  it("keeps to the budget when a cache holds only the start of the prompt (a preempted prefill)", () => {
    const pieces = prompt([range(50_000, 40)], lines(10_000, 60), lines(20_000, 10), [9]);
    const tokens = piecesTokens(pieces);
    const choice = fitPrompt(pieces, [[], tokens.slice(0, 200)], { budgetTokens: 80 });
    assert.ok(choice.tokens.length - choice.plan.reused <= 80, `${choice.tokens.length - choice.plan.reused} evaluated`);
  });

  it("does not take a short line far above for one of the recent lines it matches further on", () => {
    const brace = [77, 78];
    const recent = [range(30_000, 10), brace, range(30_100, 10)];
    const withRecent = (prefixLines: number[][], current: number[]) => [
      piece("fixed", [1, 2]), ...prefixLines.map((tokens) => piece("prefix", tokens)), piece("fixed", [4]), piece("suffix", range(20_000, 10)),
      piece("fixed", [5]), ...recent.map((tokens) => piece("recent", tokens)), piece("middle", current),
    ];
    // The cut cached: no prefix lines; the prompt's far prefix has the same short line.
    const cached = piecesTokens(withRecent([], [9]));
    const choice = fitPrompt(withRecent([range(10_000, 10), brace, range(10_100, 10)], [9, 8]), [cached], { budgetTokens: 8 });
    assert.equal(choice.variant, "cached");
    assert.equal(choice.pieces.filter((p) => p.part === "prefix").length, 0);
    assert.ok(choice.tokens.length - choice.plan.reused <= 2, `${choice.tokens.length - choice.plan.reused} evaluated`);
  });

  it("leaves out suffix lines only as a tail, never a gap in the text below the cursor", () => {
    const cachedSuffix = [...lines(20_000, 3), range(29_000, 10), ...lines(20_400, 2)];
    const cached = piecesTokens(prompt([], lines(10_000, 5), cachedSuffix, [9]));
    const next = prompt([], lines(10_000, 5), lines(20_000, 6), [9, 9]);
    const choice = withoutUncachedInsertions(next, cached);
    assert.deepEqual(choice.filter((p) => p.part === "suffix").map((p) => p.tokens[0]), [20_000, 20_100, 20_200]);
    assert.equal(choice[choice.length - 1].part, "middle");
  });

  it("prefers the most recently used cache unless another saves real work", () => {
    const pieces = prompt([], lines(10_000, 5), lines(20_000, 2), [9]);
    const tokens = piecesTokens(pieces);
    assert.equal(fitPrompt(pieces, [tokens.slice(0, 3), tokens.slice(0, 20)]).cache, 0, "17 tokens are not worth overwriting the other cache");
    assert.equal(fitPrompt(pieces, [tokens.slice(0, 3), tokens.slice(0, 60)]).cache, 1);
  });

  it("trims only what the cache does not serve, and never the prefix in the middle", () => {
    const pieces = prompt([], lines(10_000, 10), lines(20_000, 10), [9]);
    const covered = 3 + 5 * 10;
    const trimmed = trimUncached(pieces, covered, 20);
    assert.equal(trimmed.filter((p) => p.part === "prefix").length, 10, "a partly covered prefix stays whole");
    assert.ok(trimmed.filter((p) => p.part === "suffix").length < 10);
  });
});

describe("context chunk order", () => {
  const chunk = (name: string) => ({ filePath: name, text: `text of ${name}` });
  it("keeps chunks still wanted in their places at the front, new ones after", () => {
    assert.deepEqual(mostStableFirst([chunk("a"), chunk("b"), chunk("c")], [chunk("d"), chunk("c"), chunk("a")]).map((c) => c.filePath), ["a", "c", "d"]);
    assert.deepEqual(mostStableFirst([], [chunk("x"), chunk("y")]).map((c) => c.filePath), ["x", "y"]);
  });
});

describe("engine threads", () => {
  it("uses every core up to 4, then one per physical core, at most 8", () => {
    assert.deepEqual([1, 2, 3, 4, 8, 16, 64].map((cores) => defaultThreads(cores)), [1, 2, 3, 4, 4, 8, 8]);
  });
  it("caps the setting at the core count", () => {
    assert.deepEqual(resolveThreads(4, 2), { threads: 2, clamped: true });
    assert.deepEqual(resolveThreads(1e9, 2), { threads: 2, clamped: true });
    assert.deepEqual(resolveThreads(1, 2), { threads: 1, clamped: false });
    assert.deepEqual(resolveThreads(0, 2), { threads: 2, clamped: false });
  });
});

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An IdlePrefill whose prefills each take 40 ms, and the signals they ran with. */
function recordingPrefill(idleMs: number): { idle: IdlePrefill; runs: AbortSignal[] } {
  const runs: AbortSignal[] = [];
  const idle = new IdlePrefill(async (signal) => {
    runs.push(signal);
    await wait(40);
  }, { idleMs, soonMs: 1 });
  return { idle, runs };
}

describe("idle prefill timing", () => {
  it("runs after a pause, is cancelled by typing, and runs soon after a stable moment", async () => {
    const { idle, runs } = recordingPrefill(30);
    try {
      idle.typed();
      await wait(10);
      idle.typed();
      await wait(15);
      assert.equal(runs.length, 0, "no prefill while the user types");
      await wait(30);
      assert.equal(runs.length, 1);
      idle.typed();
      assert.equal(runs[0].aborted, true, "a keystroke stops a running prefill");
      idle.soon();
      await wait(10);
      assert.equal(runs.length, 2);
    } finally {
      idle.dispose();
    }
  });

  it("prefills nothing after a cursor move until the user types there; stable moments still prefill", async () => {
    const { idle, runs } = recordingPrefill(20);
    try {
      idle.typed();
      await wait(25);
      assert.equal(runs.length, 1, "a pause in typing prefills");
      idle.moved();
      assert.equal(runs[0].aborted, true, "a move stops a running prefill");
      idle.contextLeftOut();
      await wait(40);
      assert.equal(runs.length, 1, "a request after a move that left context out prefills nothing");
      idle.typed();
      idle.moved();
      await wait(40);
      assert.equal(runs.length, 1, "a move right after typing (no pause) disarms the pause's prefill");
      idle.soon();
      idle.moved();
      await wait(20);
      assert.equal(runs.length, 2, "opening a file moves the cursor, and still prefills");
      await wait(50);
      idle.typed();
      idle.contextLeftOut();
      await wait(10);
      assert.equal(runs.length, 3, "a request typed here that left context out prefills soon");
    } finally {
      idle.dispose();
    }
  });
});
