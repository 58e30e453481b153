/**
 * Typing replay: real source files are retyped character by character at a simulated
 * human rhythm (pauses, line breaks, typos fixed with Backspace, cursor jumps) through the
 * real completion pipeline and the real engine. A request is sent where the adaptive
 * debounce would fire; a result that arrives after the next keystroke counts as aborted.
 * The same replay with prefix reuse off is the in-process baseline.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CompletionPipeline, type CompletionBackend } from "../src/core/completion/completionPipeline";
import type { DocumentSnapshot } from "../src/core/completion/documentSnapshot";
import { cursorLine } from "../src/core/completion/documentSnapshot";
import { EngineClient } from "../src/core/engine/engineClient";
import { defaultThreads } from "../src/engine/threads";
import type { GenerationStats, LoadedModelInfo } from "../src/protocol/engineProtocol";
import { getTestModel, type TestModelName } from "../test/support/models";
import { Prng } from "../test/support/models/prng";
import { llamaServerBackend, startLlamaServer, type LlamaServer } from "./llamaServer";
import { fileSha256, machineInfo, markdownTable, percentile, repoRoot, round, writeResult } from "./benchSupport";

interface ReplaySource {
  label: string;
  path: string;
  languageId: string;
  /** 0-based first line of the region retyped, and how many lines. */
  startLine: number;
  lines: number;
}

interface RequestRecord {
  file: string;
  source: "model" | "typed-ahead" | "cache" | "speculative" | "none";
  msToGhostText: number;
  shown: boolean;
  aborted: boolean;
  stats?: GenerationStats;
}

const SOURCES: ReplaySource[] = [
  { label: "TypeScript (editions/source/index.ts)", path: "node_modules/editions/source/index.ts", languageId: "typescript", startLine: 60, lines: 10 },
  { label: "JavaScript (esbuild/lib/main.js)", path: "node_modules/esbuild/lib/main.js", languageId: "javascript", startLine: 400, lines: 10 },
  { label: "Python (flatted/python/flatted.py)", path: "node_modules/flatted/python/flatted.py", languageId: "python", startLine: 40, lines: 10 },
];

const PIPELINE_OPTIONS = { maxTokens: { singleLine: 16, multiLine: 32 }, debounceMs: () => 0, timeBudgetMs: 3000, speculate: false };

const STORY: ReplaySource = { label: "Story text (stories260K-fim on its own domain)", path: "", languageId: "plaintext", startLine: 0, lines: 0 };
const STORY_TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.\n" +
  "One day, she saw a big dog. The dog was very happy. Lily and the dog played all day.\n";

/** Gap before the next keystroke, in ms: quick within words, slower after spaces, long at line ends. */
function keyGap(random: Prng, typed: string): number {
  if (typed === "\n") return 600 + random.next() * 900;
  if (random.next() < 0.05) return 1200 + random.next() * 1500;
  if (typed === " ") return 160 + random.next() * 180;
  return 80 + random.next() * 90;
}

async function replay(
  pipeline: CompletionPipeline,
  source: ReplaySource,
  fullText: string,
  region: { start: number; end: number },
  random: Prng,
  maxRequests: number,
): Promise<RequestRecord[]> {
  const target = fullText.slice(region.start, region.end);
  let text = fullText.slice(0, region.start) + fullText.slice(region.end);
  let offset = region.start;
  const records: RequestRecord[] = [];
  let clock = 0;
  const snapshot = (): DocumentSnapshot => ({ uri: `file:///${source.label}`, languageId: source.languageId, filePath: source.path || "story.txt", text, offset, indent: { useTabs: false, size: 2 } });
  const keystroke = (insert: string | "backspace") => {
    if (insert === "backspace") {
      text = text.slice(0, offset - 1) + text.slice(offset);
      offset -= 1;
    } else {
      text = text.slice(0, offset) + insert + text.slice(offset);
      offset += insert.length;
    }
    pipeline.debounce.recordKeystroke(clock);
    pipeline.cancelSpeculation();
  };
  // Every request that reached the model counts, shown or not: the shape twins' random output is often discarded.
  let modelRequests = 0;
  for (let index = 0; index < target.length && modelRequests < maxRequests; index++) {
    if (random.next() < 0.02 && /\w/.test(target[index])) {
      keystroke("x");
      clock += 120;
      keystroke("backspace");
      clock += 150;
    }
    const char = target[index];
    keystroke(char);
    const gap = keyGap(random, char);
    const document = snapshot();
    // Like VS Code: the provider is asked at every keystroke; the cache answers at once.
    const line = cursorLine(document);
    const hit = pipeline.cache.get(document.uri, document.text.slice(0, document.offset), line.after);
    if (hit) {
      records.push({ file: source.label, source: hit.origin === "speculative" ? "speculative" : "typed-ahead", msToGhostText: 0, shown: true, aborted: false });
    } else if (gap >= pipeline.debounce.delayMs(150)) {
      // The debounce is simulated (the pipeline's own wait is 0 here) but counted: the user waits for it.
      const debounceMs = pipeline.debounce.delayMs(150);
      const started = performance.now();
      const lastBefore = pipeline.lastRequest;
      const result = await pipeline.provide(document, { manual: false, signal: new AbortController().signal });
      if (pipeline.lastRequest !== lastBefore) modelRequests++;
      const elapsed = debounceMs + performance.now() - started;
      const lateFor = elapsed > gap;
      records.push({
        file: source.label,
        source: result ? "model" : "none",
        msToGhostText: elapsed,
        shown: result !== undefined && !lateFor,
        aborted: lateFor,
        stats: result?.request?.stats ?? pipeline.lastRequest?.stats,
      });
    }
    clock += gap;
  }
  return records;
}

function summarize(label: string, records: RequestRecord[]) {
  const modelRecords = records.filter((record) => record.stats !== undefined && record.source === "model");
  const shown = records.filter((record) => record.shown);
  const zeroModel = shown.filter((record) => record.source === "typed-ahead" || record.source === "speculative" || record.source === "cache");
  const times = shown.map((record) => record.msToGhostText);
  const modelTimes = modelRecords.map((record) => record.msToGhostText);
  const sum = (pick: (stats: GenerationStats) => number) => modelRecords.reduce((total, record) => total + (record.stats ? pick(record.stats) : 0), 0);
  return {
    label,
    requestsToModel: modelRecords.length,
    shown: shown.length,
    aborted: records.filter((record) => record.aborted).length,
    zeroModelShare: shown.length ? round(zeroModel.length / shown.length, 3) : 0,
    ghostTextMs: { p50: round(percentile(times, 50), 0), p95: round(percentile(times, 95), 0), p99: round(percentile(times, 99), 0) },
    modelRequestMs: { p50: round(percentile(modelTimes, 50), 0), p95: round(percentile(modelTimes, 95), 0), p99: round(percentile(modelTimes, 99), 0) },
    evaluatedTokensPerRequest: modelRecords.length ? round(sum((stats) => stats.evaluatedTokens) / modelRecords.length, 1) : 0,
    reusedTokensPerRequest: modelRecords.length ? round(sum((stats) => stats.reusedTokens) / modelRecords.length, 1) : 0,
    generatedTokens: sum((stats) => stats.generatedTokens),
  };
}

export async function runReplayBench(args: readonly string[]): Promise<void> {
  const large = args.includes("--large");
  const codeModel: TestModelName = large ? "qwen2.5-coder-1.5b-shape" : "qwen2.5-coder-0.5b-shape";
  const maxRequests = Number(args.find((arg) => arg.startsWith("--requests="))?.split("=")[1] ?? 12);
  const engine = new EngineClient({ enginePath: join(repoRoot, "dist", "engine.js") });
  const threadsArg = args.find((arg) => arg.startsWith("--threads="))?.split("=")[1];
  const threads = threadsArg ? Number(threadsArg) : defaultThreads();
  const machine = machineInfo();
  const scenarios: ReturnType<typeof summarize>[] = [];
  const models: { name: string; sha256: string }[] = [];
  try {
    const load = async (name: TestModelName): Promise<LoadedModelInfo> => {
      const path = await getTestModel(name);
      models.push({ name, sha256: await fileSha256(path) });
      return engine.request("loadModel", { role: "completion", modelPath: path, settings: { threads, contextSize: 4096, gpuLayers: 0, gpu: false } });
    };
    const backendFor = (info: LoadedModelInfo, reusePrefix: boolean): CompletionBackend => ({
      model: async () => ({ name: info.displayName, fim: info.fim }),
      infill: (params, signal) => engine.request("infill", { ...params, reusePrefix }, { signal }),
      complete: (params, signal) => engine.request("complete", { ...params, reusePrefix }, { signal }),
    });
    const pipelineFor = (info: LoadedModelInfo, reusePrefix: boolean) => new CompletionPipeline(backendFor(info, reusePrefix), PIPELINE_OPTIONS);

    /** The same files, seeds and rhythm for every scenario; `freshState` runs before each file. */
    const replayFiles = async (label: string, makePipeline: () => CompletionPipeline, requests: number, freshState: () => Promise<unknown>) => {
      const records: RequestRecord[] = [];
      for (const source of SOURCES) {
        const fullText = readFileSync(join(repoRoot, source.path), "utf8");
        const lines = fullText.split("\n");
        const start = lines.slice(0, source.startLine).join("\n").length + 1;
        const end = start + lines.slice(source.startLine, source.startLine + source.lines).join("\n").length;
        await freshState();
        const pipeline = makePipeline();
        records.push(...await replay(pipeline, source, fullText, { start, end }, new Prng(7), requests));
        pipeline.dispose();
        console.log(`  ${source.label}, ${label}: ${records.length} records so far`);
      }
      scenarios.push(summarize(`${codeModel}, TS+JS+Python, ${label}`, records));
    };

    const coder = await load(codeModel);
    // A fresh engine state per file, as when the user switches files.
    const reloadCoder = async () => {
      await engine.request("unloadModel", { role: "completion" });
      await load(codeModel);
    };
    await replayFiles("prefix reuse on", () => pipelineFor(coder, true), maxRequests, reloadCoder);
    await replayFiles("prefix reuse off (baseline)", () => pipelineFor(coder, false), Math.ceil(maxRequests / 3), reloadCoder);

    if (process.env.LLAMA_SERVER) {
      // Same model file, threads, context and samplers; llama-server restarted per file like the engine.
      await engine.request("unloadModel", { role: "completion" });
      const coderPath = await getTestModel(codeModel);
      let server: LlamaServer | undefined;
      try {
        await replayFiles("llama-server /infill (llama.vscode's requests, --cache-reuse 256)", () => new CompletionPipeline(llamaServerBackend(server?.url ?? "", { name: coder.displayName, fim: coder.fim }), PIPELINE_OPTIONS),
          maxRequests, async () => {
            await server?.stop();
            server = await startLlamaServer(process.env.LLAMA_SERVER ?? "", coderPath, { threads, contextSize: 4096 });
          });
      } finally {
        await server?.stop();
      }
    }

    const stories = await load("stories260K-fim");
    const storyPipeline = pipelineFor(stories, true);
    const storyRecords = await replay(storyPipeline, STORY, STORY_TEXT, { start: 0, end: STORY_TEXT.length }, new Prng(11), 60);
    storyPipeline.dispose();
    scenarios.push(summarize("stories260K-fim retyping a story (real model, its own domain)", storyRecords));
  } finally {
    await engine.dispose();
  }
  const on = scenarios[0];
  const ratioTo = (other: ReturnType<typeof summarize> | undefined) => other && {
    p50: round(on.ghostTextMs.p50 / other.ghostTextMs.p50, 3),
    p95: round(on.ghostTextMs.p95 / other.ghostTextMs.p95, 3),
  };
  const reuseOnOverOff = ratioTo(scenarios[1]);
  const server = scenarios.find((scenario) => scenario.label.includes("llama-server"));
  const overLlamaServer = ratioTo(server);
  const skipped = "skipped: LLAMA_SERVER is not set (no llama-server binary on this machine)";
  const path = await writeResult("replay", { benchmark: "replay", date: new Date().toISOString(), machine, threads, contextSize: 4096, models, scenarios, reuseOnOverOff,
    hearthOverLlamaServer: overLlamaServer ?? skipped });
  console.log(`\nThreads ${threads}, context 4096, ${machine.cores} cores (${machine.cpuModel}); models: ${models.map((model) => `${model.name} ${model.sha256.slice(0, 12)}…`).filter((value, index, all) => all.indexOf(value) === index).join(", ")}\n`);
  console.log(markdownTable(
    ["scenario", "model requests", "shown", "aborted", "zero-model share", "ghost text p50/p95/p99 ms", "model request p50/p95/p99 ms", "evaluated/req", "reused/req", "generated"],
    scenarios.map((scenario) => [scenario.label, scenario.requestsToModel, scenario.shown, scenario.aborted, scenario.zeroModelShare,
      `${scenario.ghostTextMs.p50}/${scenario.ghostTextMs.p95}/${scenario.ghostTextMs.p99}`,
      `${scenario.modelRequestMs.p50}/${scenario.modelRequestMs.p95}/${scenario.modelRequestMs.p99}`,
      scenario.evaluatedTokensPerRequest, scenario.reusedTokensPerRequest, scenario.generatedTokens])));
  console.log(`\ntime to ghost text, reuse on ÷ reuse off: p50 ${reuseOnOverOff?.p50}, p95 ${reuseOnOverOff?.p95}`);
  console.log(overLlamaServer ? `time to ghost text, Hearth ÷ llama-server: p50 ${overLlamaServer.p50}, p95 ${overLlamaServer.p95}` : `llama-server baseline: ${skipped}`);
  console.log(`written ${path}`);
}
