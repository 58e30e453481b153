import { strict as assert } from "node:assert";
import { CompletionPipeline, type PipelineOptions } from "../../src/core/completion/completionPipeline";
import { ModelController } from "../../src/core/models/modelController";
import { getTestModel, sharedModelPath } from "../support/models";
import { Prng } from "../support/models/prng";
import { startEngine, testLoadSettings, waitFor } from "../engine/engineHarness";
import { residentBytes } from "../engine/processTable";
import { formatMegabytes, growth, liveHeapBytes } from "./heap";
import { ScriptedModels } from "./scriptedModels";
import { describeCounts, runSoak } from "./soakDriver";

/**
 * Soak: thousands of completion requests through the real pipeline with random edits,
 * cancellations, superseded requests and model switches, first on scripted models (fast), then
 * on the real engine with stories260K-fim and stories260K. Nothing may leak: no unhandled
 * rejection, no request or abort listener left open, and memory flat after warm-up.
 *
 * `npm test` runs a short version; `npm run test:soak` (HEARTH_SOAK=full) the full one. Memory
 * is only asserted in the full run: a few hundred requests are within the noise of V8's and
 * malloc's own growth, so the short run prints the figures without judging them.
 *
 * The engine's resident memory is sampled after every step, and its floor (the lowest sample)
 * in the window that follows warm-up is compared with its floor in the last window: samples
 * swing by several MB as llama.cpp allocates and frees each model, while a leak raises the
 * floor. The engine runs as the extension runs it, with its memory settings
 * (src/core/engine/engineLaunch.ts); without them its RSS grew by 12–28 % here.
 */
const FULL = process.env.HEARTH_SOAK === "full";
const SCRIPTED_REQUESTS = FULL ? 5000 : 500;
const ENGINE_REQUESTS = FULL ? 500 : 50;
/** Memory is compared from the end of warm-up (this share of the requests) to the end. */
const WARM_UP = 0.1;
const MAX_GROWTH = 0.1;
/** Share of the engine requests in each window of RSS samples. */
const RSS_WINDOW = 0.2;

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

function pipelineOptions(overrides: Partial<PipelineOptions> = {}): PipelineOptions {
  return { maxTokens: { singleLine: 16, multiLine: 32 }, debounceMs: () => 0, timeBudgetMs: 2000, speculate: true, ...overrides };
}

describe(`completion soak (${FULL ? "full" : "short: HEARTH_SOAK=full runs the full one"})`, function () {
  this.timeout(FULL ? 60 * 60_000 : 10 * 60_000);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => { unhandled.push(reason); };

  before(() => { process.on("unhandledRejection", onUnhandled); });
  after(() => { process.off("unhandledRejection", onUnhandled); });

  it(`${SCRIPTED_REQUESTS} requests on scripted models: nothing leaks`, async () => {
    const random = new Prng("hearth/soak/scripted");
    const models = new ScriptedModels(random);
    let debounce = 0;
    const pipeline = new CompletionPipeline(models, pipelineOptions({
      // Now and then a 1 ms debounce, so cancellations also land while the pipeline waits.
      debounceMs: () => debounce,
      checkSyntax: async () => {
        await models.turns();
        return undefined;
      },
    }));
    let heapAtWarmUp = 0;
    const counts = await runSoak({
      pipeline,
      switchRate: 0.02,
      switchModel: () => {
        models.switchModel();
        pipeline.cache.clear(); // what the extension does when the completion model changes
        debounce = debounce === 0 ? 1 : 0;
      },
      pause: (rng) => (rng.next() < 0.5 ? models.turns() : Promise.resolve()),
    }, SCRIPTED_REQUESTS, random, Math.round(SCRIPTED_REQUESTS * WARM_UP), () => { heapAtWarmUp = liveHeapBytes(); });
    await waitFor(() => pipeline.openRequests === 0, 30_000);
    pipeline.dispose();
    const heapAtEnd = liveHeapBytes();
    console.log(`      scripted: ${describeCounts(counts)}; scripted generations ${models.generations}`);
    console.log(`      scripted: heap after warm-up ${formatMegabytes(heapAtWarmUp)}, at the end ${formatMegabytes(heapAtEnd)} (${(growth(heapAtWarmUp, heapAtEnd) * 100).toFixed(1)} %)`);

    assert.equal(counts.requests >= SCRIPTED_REQUESTS, true);
    assert.ok(counts.served.model > 0 && counts.aborted > 0 && counts.superseded > 0 && counts.errors > 0 && counts.modelSwitches > 0,
      `the soak exercises every path: ${describeCounts(counts)}`);
    assert.deepEqual(unhandled, [], "no unhandled rejection");
    assert.equal(pipeline.openRequests, 0, "no request left open in the pipeline");
    if (FULL) assert.ok(growth(heapAtWarmUp, heapAtEnd) < MAX_GROWTH, `heap grew from ${formatMegabytes(heapAtWarmUp)} to ${formatMegabytes(heapAtEnd)}`);
  });

  it(`${ENGINE_REQUESTS} requests on the real engine (stories260K-fim and stories260K): nothing leaks`, async () => {
    const random = new Prng("hearth/soak/engine");
    const fimModel = await getTestModel("stories260K-fim");
    const plainModel = sharedModelPath("stories260K.gguf");
    let modelPath = fimModel;
    const engine = startEngine();
    const loadErrors: string[] = [];
    const models = new ModelController(engine, () => ({ completionModelPath: modelPath, chatModelPath: "", load: testLoadSettings, loraAdaptersFor: () => [] }),
      (level, message) => { if (level === "error") loadErrors.push(message); });
    // The backend of src/extension.ts: the configured model, loaded on demand.
    const pipeline = new CompletionPipeline({
      model: async () => {
        const info = await models.ensure("completion");
        return info ? { name: info.displayName, fim: info.fim } : undefined;
      },
      infill: (params, signal) => engine.request("infill", params, { signal }),
      complete: (params, signal) => engine.request("complete", params, { signal }),
    }, pipelineOptions());
    const stateListener = models.onDidChangeState(() => pipeline.cache.clear());
    let heapAtWarmUp = 0;
    let pidAtWarmUp: number | undefined;
    const warmUp = Math.round(ENGINE_REQUESTS * WARM_UP);
    const window = Math.max(1, Math.round(ENGINE_REQUESTS * RSS_WINDOW));
    const rssAfterWarmUp: number[] = [];
    const rssAtEndWindow: number[] = [];
    try {
      const counts = await runSoak({
        pipeline,
        switchRate: 0.03,
        switchModel: () => { modelPath = modelPath === fimModel ? plainModel : fimModel; },
        pause: (rng) => new Promise((resolve) => setTimeout(resolve, Math.floor(rng.next() * 20))),
        afterStep: (requests) => {
          const rss = engine.pid === undefined ? undefined : residentBytes(engine.pid);
          if (rss === undefined) return;
          if (requests >= warmUp && requests < warmUp + window) rssAfterWarmUp.push(rss);
          if (requests > ENGINE_REQUESTS - window) rssAtEndWindow.push(rss);
        },
      }, ENGINE_REQUESTS, random, warmUp, () => {
        heapAtWarmUp = liveHeapBytes();
        pidAtWarmUp = engine.pid;
      });
      await waitFor(() => pipeline.openRequests === 0 && engine.pendingRequests === 0, 60_000);
      const rssAtWarmUp = Math.min(...rssAfterWarmUp);
      const rssAtEnd = Math.min(...rssAtEndWindow);
      const status = await engine.request("status", {});
      pipeline.dispose();
      const heapAtEnd = liveHeapBytes();
      console.log(`      engine: ${describeCounts(counts)}`);
      console.log(`      engine: heap after warm-up ${formatMegabytes(heapAtWarmUp)}, at the end ${formatMegabytes(heapAtEnd)} (${(growth(heapAtWarmUp, heapAtEnd) * 100).toFixed(1)} %); ` +
        `engine RSS after warm-up ${formatMegabytes(rssAtWarmUp)}, at the end ${formatMegabytes(rssAtEnd)} (${(growth(rssAtWarmUp, rssAtEnd) * 100).toFixed(1)} %; ` +
        `lowest of ${rssAfterWarmUp.length} and ${rssAtEndWindow.length} samples; means ${formatMegabytes(mean(rssAfterWarmUp))} and ${formatMegabytes(mean(rssAtEndWindow))})`);

      assert.ok(counts.served.model > 0 && counts.aborted > 0 && counts.superseded > 0 && counts.modelSwitches > 0, `the soak exercises every path: ${describeCounts(counts)}`);
      assert.equal(counts.errors, 0, "no request failed");
      assert.deepEqual(loadErrors, [], "every model switch loaded");
      assert.deepEqual(unhandled, [], "no unhandled rejection");
      assert.equal(engine.pid, pidAtWarmUp, "the engine never crashed");
      assert.equal(engine.pendingRequests, 0, "no engine request left pending");
      assert.equal(engine.attachedSignalListeners, 0, "no abort listener left on a request's signal");
      assert.equal(pipeline.openRequests, 0, "no request left open in the pipeline");
      assert.deepEqual(status.models.map((model) => [model.role, model.modelPath]), [["completion", models.serving("completion")?.modelPath]],
        "one model loaded: every switch freed the previous one");
      if (FULL) {
        assert.ok(growth(rssAtWarmUp, rssAtEnd) < MAX_GROWTH, `engine RSS grew from ${formatMegabytes(rssAtWarmUp)} to ${formatMegabytes(rssAtEnd)}`);
        assert.ok(growth(heapAtWarmUp, heapAtEnd) < MAX_GROWTH, `heap grew from ${formatMegabytes(heapAtWarmUp)} to ${formatMegabytes(heapAtEnd)}`);
      }
    } finally {
      stateListener.dispose();
      pipeline.dispose();
      models.dispose();
      await engine.dispose();
    }
  });
});
