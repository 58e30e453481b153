/**
 * Typing replay: real source files are retyped character by character at a simulated human
 * rhythm (pauses, line breaks, typos fixed with Backspace, cursor jumps to a line above and
 * back) through the real completion pipeline and the real engine; then the same replay, same
 * model file, same threads, against llama.cpp's llama-server asked as llama.vscode asks it.
 * A request is sent where the adaptive debounce would fire; every request that reaches the model
 * counts, shown or not, and one answered after the next keystroke counts as late. Hearth's idle
 * prefill runs in the pauses, cut off at the next keystroke, as in the editor.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CompletionPipeline, type CompletionBackend, type CompletionRequestRecord, type PipelineOptions } from "../src/core/completion/completionPipeline";
import type { DocumentSnapshot } from "../src/core/completion/documentSnapshot";
import { cursorLine } from "../src/core/completion/documentSnapshot";
import type { ContextChunk } from "../src/core/fim/fimLayout";
import { EngineClient } from "../src/core/engine/engineClient";
import { defaultThreads } from "../src/engine/threads";
import type { GenerationStats, LoadedModelInfo } from "../src/protocol/engineProtocol";
import { getTestModel, type TestModelName } from "../test/support/models";
import { Prng } from "../test/support/models/prng";
import { cpuSeconds, fileSha256, LoadRecorder, machineInfo, markdownTable, percentile, repoRoot, round, writeResult } from "./benchSupport";
import { llamaCppTools, type LlamaCppTools } from "./llamaCppBuild";
import { llamaServerBackend, serverRetries, startLlamaServer, type LlamaServer } from "./llamaServer";
import { runLlamaBench, type LlamaBenchFigures } from "./llamaBench";

interface ReplaySource {
  label: string;
  path: string;
  languageId: string;
  /** 0-based first line of the region retyped, and how many lines. */
  startLine: number;
  lines: number;
}

/** What the user did just before a request: the keystroke kinds the figures are split by. */
type KeyKind = "first" | "char" | "enter" | "backspace" | "jump";
const KINDS: readonly KeyKind[] = ["first", "char", "enter", "backspace", "jump"];
const TYPING_ALONG: ReadonlySet<KeyKind> = new Set(["char", "enter", "backspace"]);

interface ModelRequest {
  file: string;
  /** The replay step (same on every side): pairs a Hearth request with the baseline's. */
  step: number;
  kind: KeyKind;
  /** Debounce plus the model's answer: how long the user waits for ghost text. */
  msToGhostText: number;
  /** Answered after the next keystroke. */
  late: boolean;
  stats: GenerationStats;
}

interface SideRun {
  requests: ModelRequest[];
  /** Keystrokes served from the typed-ahead cache with no model time. */
  typedAhead: number;
  typedChars: number;
  cpuSeconds: number | undefined;
  /** Idle prefills; the requests a prefill slice still running at the keystroke delayed past their debounce, and by how much in all. */
  prefills: { runs: number; complete: number; evaluatedTokens: number; delayedRequests: number; delayMs: number };
}

// Regions that cross a window step (multiples of 32 lines) so steps show up among the requests.
const SOURCES: ReplaySource[] = [
  { label: "TypeScript (editions/source/index.ts)", path: "node_modules/editions/source/index.ts", languageId: "typescript", startLine: 52, lines: 40 },
  { label: "JavaScript (esbuild/lib/main.js)", path: "node_modules/esbuild/lib/main.js", languageId: "javascript", startLine: 400, lines: 40 },
  { label: "Python (flatted/python/flatted.py)", path: "node_modules/flatted/python/flatted.py", languageId: "python", startLine: 40, lines: 40 },
];

const SAME_POLICY_LABEL = "llama-server /infill (llama.vscode's requests, --cache-reuse 256), sent when Hearth sends its";
const LLAMA_VSCODE_POLICY_LABEL = "llama-server /infill, sent when llama.vscode sends them (VS Code's 50 ms debounce, one at a time, never cancelled)";

/** As in the extension: a second of uncached prompt at most per request; the rest is prefilled. */
const PROMPT_BUDGET_MS = 1000;
/** The extension's default `hearth.completion.debounceMs`: the adaptive debounce starts from it. */
const CONFIGURED_DEBOUNCE_MS = 150;
const PIPELINE_OPTIONS: PipelineOptions = { maxTokens: { singleLine: 16, multiLine: 32 }, debounceMs: () => CONFIGURED_DEBOUNCE_MS, timeBudgetMs: 3000, speculate: false };
/** The idle prefill's timing in the extension (src/core/completion/idlePrefill.ts). */
const IDLE_PREFILL_MS = 700;
const SOON_PREFILL_MS = 50;
/** Time from opening a file to the first keystroke. */
const OPEN_FILE_MS = 1500;

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

interface ReplayHooks {
  /** Idle prefill in the pauses (Hearth); the baseline has none. */
  prefill: boolean;
  /** Called before each request with the step it answers. */
  beforeRequest?: (step: number) => void;
}

/** One moment VS Code asks for a suggestion: after a keystroke or a cursor move, `gapMs` before the next. */
interface TypingStep {
  step: number;
  kind: KeyKind;
  document: DocumentSnapshot;
  /** When the keystroke or move happened, on the file's simulated clock. */
  atMs: number;
  gapMs: number;
}

/** What the user did, told before the step it leads to: an edit (characters inserted; 0 for Backspace) or a cursor move. */
type UserInput = (atMs: number, change: { insertedChars: number } | "move") => void;

/**
 * The replay of one file as a sequence of steps, the same on every side: `region` retyped
 * character by character with typos fixed at once and looks at a line above.
 */
function* typingSteps(source: ReplaySource, fullText: string, region: { start: number; end: number }, random: Prng, input: UserInput): Generator<TypingStep> {
  const target = fullText.slice(region.start, region.end);
  let text = fullText.slice(0, region.start) + fullText.slice(region.end);
  let offset = region.start;
  let clock = 0;
  let step = 0;
  const snapshot = (): DocumentSnapshot => ({ uri: `file:///${source.label}`, languageId: source.languageId, filePath: source.path || "story.txt", text, offset, indent: { useTabs: false, size: 2 } });
  const edit = (insert: string | "backspace") => {
    if (insert === "backspace") {
      text = text.slice(0, offset - 1) + text.slice(offset);
      offset -= 1;
    } else {
      text = text.slice(0, offset) + insert + text.slice(offset);
      offset += insert.length;
    }
    input(clock, { insertedChars: insert === "backspace" ? 0 : insert.length });
  };
  const at = (kind: KeyKind, gapMs: number): TypingStep => ({ step: ++step, kind, document: snapshot(), atMs: clock, gapMs });

  for (let index = 0; index < target.length; index++) {
    if (random.next() < 0.03 && /\w/.test(target[index])) {
      // A typo fixed at once, then sometimes a moment to re-read.
      edit("x");
      yield at("char", 120);
      clock += 120;
      edit("backspace");
      const gap = random.next() < 0.3 ? 500 + random.next() * 800 : 150;
      yield at("backspace", gap);
      clock += gap;
    }
    const char = target[index];
    edit(char);
    const gap = keyGap(random, char);
    yield at(char === "\n" ? "enter" : "char", gap);
    clock += gap;
    if (char === "\n" && random.next() < 0.12) {
      // A look at a line above (5–40 lines up), then back to where the user was typing.
      const lineStarts = [...text.slice(0, offset).matchAll(/\n/g)].map((match) => match.index);
      const back = lineStarts.length - Math.min(lineStarts.length, 5 + Math.floor(random.next() * 35));
      const saved = offset;
      offset = back > 0 ? lineStarts[back] : 0;
      input(clock, "move");
      const readMs = 1200 + random.next() * 1300;
      yield at("jump", readMs);
      clock += readMs;
      offset = saved;
      input(clock, "move");
      const returnMs = 600 + random.next() * 500;
      yield at("jump", returnMs);
      clock += returnMs;
    }
  }
}

/** Asks the pipeline at `document`; the model request it sent (none when served without one) and the real time it took. */
async function askTimed(pipeline: CompletionPipeline, document: DocumentSnapshot): Promise<{ request: CompletionRequestRecord | undefined; elapsed: number }> {
  const lastBefore = pipeline.lastRequest;
  const started = performance.now();
  await pipeline.provide(document, { manual: false, signal: new AbortController().signal });
  const elapsed = performance.now() - started;
  const request = pipeline.lastRequest;
  return { request: request !== lastBefore ? request : undefined, elapsed };
}

/** The file's simulated clock, which the pipeline's debounce reads. */
interface SimulatedClock { nowMs: number }

/**
 * Hearth's side of one file: a request where the adaptive debounce fires (the pipeline waits it
 * out in real time), idle prefill in the pauses; stops after `maxRequests` model requests.
 * Returns how many steps were replayed, for the baseline to replay the same keystrokes.
 */
async function replayFile(pipeline: CompletionPipeline, source: ReplaySource, fullText: string, region: { start: number; end: number },
  random: Prng, maxRequests: number, hooks: ReplayHooks, run: SideRun, clock: SimulatedClock): Promise<number> {
  let firstInFile = true;
  /**
   * How long after the next keystroke the engine stays busy finishing a prefill slice (the
   * keystroke cancels the prefill, which stops at the end of its slice). The replay runs one
   * thing at a time, so that time passed before the next step; a request that the slice delays
   * beyond its debounce gets the delay added to its time to ghost text.
   */
  let busyAfterKeyMs = 0;
  const prefillIn = async (document: DocumentSnapshot, startAfterMs: number, gapMs: number) => {
    if (!hooks.prefill || startAfterMs >= gapMs) return;
    const allowedMs = Math.max(1, Math.round(gapMs - startAfterMs));
    const began = performance.now();
    const result = await pipeline.prefill(document, AbortSignal.timeout(allowedMs));
    busyAfterKeyMs = Math.max(0, performance.now() - began - allowedMs);
    if (result?.ran) {
      run.prefills.runs++;
      if (result.complete) run.prefills.complete++;
      run.prefills.evaluatedTokens += result.evaluatedTokens;
    }
  };
  const opportunity = async ({ step, kind, document, gapMs: gap }: TypingStep) => {
    // As in the extension (src/core/completion/idlePrefill.ts): a cursor moved without typing prefills nothing.
    const prefill = kind === "jump" ? async () => undefined : prefillIn;
    const line = cursorLine(document);
    if (pipeline.cache.get(document.uri, document.text.slice(0, document.offset), line.after)) {
      run.typedAhead++;
      await prefill(document, IDLE_PREFILL_MS, gap);
      return;
    }
    const debounceMs = pipeline.debounce.remainingMs(CONFIGURED_DEBOUNCE_MS);
    const busyMs = busyAfterKeyMs;
    busyAfterKeyMs = 0;
    if (gap < debounceMs) return;
    hooks.beforeRequest?.(step);
    // The pipeline waits out its debounce itself (in real time), so the elapsed time includes it.
    const { request, elapsed } = await askTimed(pipeline, document);
    if (request) {
      const delayedMs = Math.max(0, busyMs - debounceMs);
      if (delayedMs > 0) {
        run.prefills.delayedRequests++;
        run.prefills.delayMs += delayedMs;
      }
      const msToGhostText = elapsed + delayedMs;
      run.requests.push({ file: source.label, step, kind: firstInFile ? "first" : kind, msToGhostText, late: msToGhostText > gap, stats: request.stats });
      firstInFile = false;
      // The extension prefills right after a request that left context out, else at the next pause.
      const leftOut = (request.stats.leftOutTokens ?? 0) > 0;
      await prefill(document, leftOut ? elapsed + SOON_PREFILL_MS : Math.max(IDLE_PREFILL_MS, elapsed), gap);
    } else {
      await prefill(document, IDLE_PREFILL_MS, gap);
    }
  };

  const requestsAtStart = run.requests.length;
  let steps = 0;
  let opened = false;
  for (const typed of typingSteps(source, fullText, region, random, (atMs, change) => {
    clock.nowMs = atMs;
    if (change === "move") {
      pipeline.debounce.recordMove(atMs);
    } else {
      run.typedChars += change.insertedChars;
      pipeline.debounce.recordKeystroke(atMs);
    }
  })) {
    if (!opened) {
      // Opening the file: a prefill while the user finds the place (before the first keystroke).
      opened = true;
      const beforeTyping = { ...typed.document, text: fullText.slice(0, region.start) + fullText.slice(region.end), offset: region.start };
      await prefillIn(beforeTyping, SOON_PREFILL_MS, OPEN_FILE_MS);
    }
    steps = typed.step;
    await opportunity(typed);
    if (run.requests.length - requestsAtStart >= maxRequests) break;
  }
  return steps;
}

/** VS Code asks inline completion providers this long after the last keystroke (its InlineCompletionsDebounce). */
const VSCODE_DEBOUNCE_MS = 50;
/** llama.vscode polls this often for the request in flight to end (its DELAY_BEFORE_COMPL_REQUEST). */
const LLAMA_VSCODE_POLL_MS = 150;

/**
 * The baseline as llama.vscode drives it in VS Code: asked 50 ms after each keystroke, one request
 * at a time, a call that finds one in flight polls every 150 ms until it ends (and gives up when
 * the next keystroke cancels it), and a request once sent runs to its end (llama.vscode never
 * aborts it). The server's real time per request is laid on the replay's simulated clock, so a
 * request sent during typing delays the answer at the next pause. Not modelled, both of which
 * would only add server work: its future-suggestion requests after each answer and its ring
 * updates. Replays exactly `steps` steps (the keystrokes Hearth's side replayed).
 */
async function replayFileAsLlamaVscode(pipeline: CompletionPipeline, source: ReplaySource, fullText: string, region: { start: number; end: number },
  random: Prng, steps: number, hooks: ReplayHooks, run: SideRun): Promise<void> {
  let busyUntil = 0;
  let firstInFile = true;
  for (const { step, kind, document, atMs, gapMs } of typingSteps(source, fullText, region, random, (_, change) => {
    if (change !== "move") run.typedChars += change.insertedChars;
  })) {
    if (step > steps) break;
    const nextKeyAt = atMs + gapMs;
    const calledAt = atMs + VSCODE_DEBOUNCE_MS;
    if (calledAt >= nextKeyAt) continue;
    const startsAt = busyUntil <= calledAt ? calledAt : calledAt + Math.ceil((busyUntil - calledAt) / LLAMA_VSCODE_POLL_MS) * LLAMA_VSCODE_POLL_MS;
    if (startsAt >= nextKeyAt) continue;
    hooks.beforeRequest?.(step);
    const { request, elapsed } = await askTimed(pipeline, document);
    if (!request) continue;
    busyUntil = startsAt + elapsed;
    const msToGhostText = busyUntil - atMs;
    run.requests.push({ file: source.label, step, kind: firstInFile ? "first" : kind, msToGhostText, late: msToGhostText > gapMs, stats: request.stats });
    firstInFile = false;
  }
}

interface SideSummary {
  label: string;
  modelRequests: number;
  late: number;
  lateShare: number;
  typedAhead: number;
  ghostTextMs: { p50: number; p95: number; p99: number };
  evaluatedPerRequest: number;
  reusedPerRequest: number;
  shiftedPerRequest: number;
  generatedTokens: number;
  generationTokensPerSecond: number;
  /** Of the typing-along requests (characters, Enter, Backspace), the share that evaluated at most the new tokens + 2. */
  withinNewPlusTwo?: number;
  cpuSecondsPer100Chars?: number;
  typedChars: number;
  byKind: Record<KeyKind, { requests: number; evaluated: number; promptMsP50: number; ghostP50: number; ghostP95: number }>;
  prefills: SideRun["prefills"];
  /** Every model request, for a closer look. */
  requests: { file: string; step: number; kind: KeyKind; msToGhostText: number; late: boolean; stats: GenerationStats }[];
}

/** A request that generated enough tokens to time its generation (after the first token, which the prompt decides). */
const generatesEnough = (request: ModelRequest) => request.stats.generatedTokens >= 4 && request.stats.generationMs > request.stats.firstTokenMs;
const generationRate = (request: ModelRequest) => (request.stats.generatedTokens - 1) / ((request.stats.generationMs - request.stats.firstTokenMs) / 1000);

/** Generation slows as the context grows: Hearth's requests in three bands of prompt depth, each compared with llama-bench at its median depth. */
interface DepthBand { depth: number; requests: number; hearthTokensPerSecond: number }

function depthBands(requests: readonly ModelRequest[]): DepthBand[] {
  const generating = requests.filter(generatesEnough).sort((a, b) => a.stats.promptTokens - b.stats.promptTokens);
  const bands = 3;
  return Array.from({ length: bands }, (_, band) => generating.slice(Math.floor((band * generating.length) / bands), Math.floor(((band + 1) * generating.length) / bands)))
    .filter((band) => band.length > 0)
    .map((band) => ({
      depth: Math.round(percentile(band.map((request) => request.stats.promptTokens), 50)),
      requests: band.length,
      hearthTokensPerSecond: round(mean(band.map(generationRate)), 1),
    }));
}

const mean = (values: readonly number[]) => values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;

function summarize(label: string, run: SideRun): SideSummary {
  const requests = run.requests;
  const times = requests.map((request) => request.msToGhostText);
  const byKind = Object.fromEntries(KINDS.map((kind) => {
    const ofKind = requests.filter((request) => request.kind === kind);
    return [kind, {
      requests: ofKind.length,
      evaluated: round(mean(ofKind.map((request) => request.stats.evaluatedTokens)), 1),
      promptMsP50: ofKind.length ? round(percentile(ofKind.map((request) => request.stats.promptMs), 50), 0) : 0,
      ghostP50: ofKind.length ? round(percentile(ofKind.map((request) => request.msToGhostText), 50), 0) : 0,
      ghostP95: ofKind.length ? round(percentile(ofKind.map((request) => request.msToGhostText), 95), 0) : 0,
    }];
  })) as SideSummary["byKind"];
  // Typing along (characters, Enter, Backspace; not the first request in a file nor a cursor jump):
  // each request against the one before it in the same file.
  const pairs = requests.flatMap((request, index) => {
    const previous = requests[index - 1];
    if (!previous || previous.file !== request.file || !TYPING_ALONG.has(request.kind)) return [];
    return [{ evaluated: request.stats.evaluatedTokens, fresh: Math.max(0, request.stats.promptTokens - previous.stats.promptTokens) }];
  });
  const generating = requests.filter(generatesEnough);
  return {
    label,
    modelRequests: requests.length,
    late: requests.filter((request) => request.late).length,
    lateShare: requests.length ? round(requests.filter((request) => request.late).length / requests.length, 3) : 0,
    typedAhead: run.typedAhead,
    ghostTextMs: { p50: round(percentile(times, 50), 0), p95: round(percentile(times, 95), 0), p99: round(percentile(times, 99), 0) },
    evaluatedPerRequest: round(mean(requests.map((request) => request.stats.evaluatedTokens)), 1),
    reusedPerRequest: round(mean(requests.map((request) => request.stats.reusedTokens)), 1),
    shiftedPerRequest: round(mean(requests.map((request) => request.stats.shiftedTokens ?? 0)), 1),
    generatedTokens: requests.reduce((sum, request) => sum + request.stats.generatedTokens, 0),
    generationTokensPerSecond: round(mean(generating.map(generationRate)), 1),
    withinNewPlusTwo: pairs.length ? round(pairs.filter((pair) => pair.evaluated <= pair.fresh + 2).length / pairs.length, 3) : undefined,
    cpuSecondsPer100Chars: run.cpuSeconds === undefined || run.typedChars === 0 ? undefined : round((run.cpuSeconds / run.typedChars) * 100, 2),
    typedChars: run.typedChars,
    byKind,
    prefills: run.prefills,
    requests: requests.map((request) => ({ ...request, msToGhostText: round(request.msToGhostText, 0) })),
  };
}

/** Earlier files' first lines as context chunks (llama.vscode's ring of recently seen text does the same), most recent last. */
function contextFrom(opened: readonly ReplaySource[], texts: ReadonlyMap<string, string>): ContextChunk[] {
  return opened.slice(-2).map((source) => ({ filePath: source.path, text: (texts.get(source.path) ?? "").split("\n").slice(0, 30).join("\n") }));
}

export async function runReplayBench(args: readonly string[]): Promise<void> {
  const large = args.includes("--large");
  const codeModel: TestModelName = large ? "qwen2.5-coder-1.5b-shape" : "qwen2.5-coder-0.5b-shape";
  const maxRequests = Number(args.find((arg) => arg.startsWith("--requests="))?.split("=")[1] ?? 40);
  const threadsArg = args.find((arg) => arg.startsWith("--threads="))?.split("=")[1];
  const threads = threadsArg ? Number(threadsArg) : defaultThreads();
  const machine = machineInfo();
  const load = new LoadRecorder();
  const engine = new EngineClient({ enginePath: join(repoRoot, "dist", "engine.js") });
  const codePath = await getTestModel(codeModel);
  const models: { name: TestModelName; sha256: string }[] = [{ name: codeModel, sha256: await fileSha256(codePath) }];
  const texts = new Map(SOURCES.map((source) => [source.path, readFileSync(join(repoRoot, source.path), "utf8")]));
  const tools: LlamaCppTools | string = args.includes("--no-llama-server") ? "skipped (--no-llama-server)" : await llamaCppTools().catch((error: unknown) => `build failed: ${String(error)}`);
  const summaries: SideSummary[] = [];
  let hearthInfo: LoadedModelInfo | undefined;
  /** Tokens Hearth generated per replay step: the baseline generates as many. */
  const generatedAt = new Map<string, number>();
  let storySummary: SideSummary | undefined;
  let llamaBench: LlamaBenchFigures | string = "skipped: no llama-bench binary";
  let bands: DepthBand[] = [];

  /** Steps Hearth's side replayed per file: the other sides replay the same keystrokes. */
  const stepsPerFile = new Map<string, number>();
  /**
   * The same files, seeds, rhythm and context on every side; one pipeline for all files, as in
   * the editor. `asLlamaVscode`: the requests llama.vscode would send (see replayFileAsLlamaVscode).
   */
  const replaySide = async (label: string, backend: CompletionBackend, options: { prefill: boolean; pid: () => number | undefined; onStep?: (key: string) => void; asLlamaVscode?: boolean }) => {
    const opened: ReplaySource[] = [];
    const clock: SimulatedClock = { nowMs: 0 };
    const pipeline = new CompletionPipeline(backend, {
      ...PIPELINE_OPTIONS,
      // llama.vscode has no debounce of its own: VS Code's 50 ms is modelled by its replay.
      ...(options.asLlamaVscode ? { debounceMs: () => 0 } : {}),
      promptBudgetMs: options.prefill ? PROMPT_BUDGET_MS : undefined,
      context: async () => contextFrom(opened.slice(0, -1), texts),
      now: () => clock.nowMs,
    });
    const run: SideRun = { requests: [], typedAhead: 0, typedChars: 0, cpuSeconds: undefined, prefills: { runs: 0, complete: 0, evaluatedTokens: 0, delayedRequests: 0, delayMs: 0 } };
    const cpuBefore = cpuSeconds(options.pid());
    for (const source of SOURCES) {
      const fullText = texts.get(source.path) ?? "";
      const lines = fullText.split("\n");
      const start = lines.slice(0, source.startLine).join("\n").length + 1;
      const end = start + lines.slice(source.startLine, source.startLine + source.lines).join("\n").length;
      opened.push(source);
      const hooks: ReplayHooks = { prefill: options.prefill, beforeRequest: (step) => options.onStep?.(`${source.label}:${step}`) };
      if (options.asLlamaVscode) {
        await replayFileAsLlamaVscode(pipeline, source, fullText, { start, end }, new Prng(7), stepsPerFile.get(source.label) ?? Infinity, hooks, run);
      } else {
        const steps = await replayFile(pipeline, source, fullText, { start, end }, new Prng(7), maxRequests, hooks, run, clock);
        if (!stepsPerFile.has(source.label)) stepsPerFile.set(source.label, steps);
      }
      console.log(`  ${label}: ${source.label}, ${run.requests.length} model requests so far`);
    }
    const cpuAfter = cpuSeconds(options.pid());
    run.cpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    pipeline.dispose();
    const summary = summarize(label, run);
    summaries.push(summary);
    return run;
  };

  try {
    hearthInfo = await engine.request("loadModel", { role: "completion", modelPath: codePath, settings: { threads, contextSize: 4096, gpuLayers: 0, gpu: false } });
    const hearthBackend = (reusePrefix: boolean): CompletionBackend => ({
      model: async () => ({ name: hearthInfo?.displayName ?? codeModel, fim: hearthInfo?.fim ?? null }),
      infill: (params, signal) => engine.request("infill", { ...params, reusePrefix }, { signal }),
      complete: (params, signal) => engine.request("complete", { ...params, reusePrefix }, { signal }),
      ...(reusePrefix ? { prefill: (params, signal) => engine.request("prefill", params, { signal }) } : {}),
    });
    const hearth = await replaySide(`Hearth (${codeModel})`, hearthBackend(true), { prefill: true, pid: () => engine.pid });
    for (const request of hearth.requests) generatedAt.set(`${request.file}:${request.step}`, request.stats.generatedTokens);
    if (args.includes("--reuse-off")) {
      await engine.request("unloadModel", { role: "completion" });
      hearthInfo = await engine.request("loadModel", { role: "completion", modelPath: codePath, settings: { threads, contextSize: 4096, gpuLayers: 0, gpu: false } });
      await replaySide("Hearth, reuse and prefill off (in-process baseline)", hearthBackend(false), { prefill: false, pid: () => engine.pid });
    }
    await engine.request("unloadModel", { role: "completion" });

    if (typeof tools !== "string") {
      let server: LlamaServer | undefined;
      let step = "";
      try {
        server = await startLlamaServer(tools.server, codePath, { threads, contextSize: 4096 });
        const url = server.url;
        const model = { name: hearthInfo.displayName, fim: hearthInfo.fim };
        const tokensAtStep = () => generatedAt.get(step) ?? PIPELINE_OPTIONS.maxTokens.singleLine;
        await replaySide(SAME_POLICY_LABEL, llamaServerBackend(url, model, tokensAtStep), { prefill: false, pid: () => server?.pid, onStep: (key) => (step = key) });
        if (!args.includes("--no-llama-vscode-policy")) {
          await replaySide(LLAMA_VSCODE_POLICY_LABEL, llamaServerBackend(url, model, tokensAtStep), { prefill: false, pid: () => server?.pid, onStep: (key) => (step = key), asLlamaVscode: true });
        }
      } finally {
        await server?.stop();
      }
      // At the depths of Hearth's prompts: the context its completions generate after.
      bands = depthBands(hearth.requests);
      if (tools.bench) llamaBench = await runLlamaBench(tools.bench, codePath, threads, bands.map((band) => band.depth)).catch((error: unknown) => `llama-bench failed: ${String(error)}`);
    }

    const storiesPath = await getTestModel("stories260K-fim");
    models.push({ name: "stories260K-fim", sha256: await fileSha256(storiesPath) });
    const stories = await engine.request("loadModel", { role: "completion", modelPath: storiesPath, settings: { threads: 1, contextSize: 4096, gpuLayers: 0, gpu: false } });
    const storyClock: SimulatedClock = { nowMs: 0 };
    const storyPipeline = new CompletionPipeline({
      model: async () => ({ name: stories.displayName, fim: stories.fim }),
      infill: (params, signal) => engine.request("infill", params, { signal }),
      complete: (params, signal) => engine.request("complete", params, { signal }),
      prefill: (params, signal) => engine.request("prefill", params, { signal }),
    }, { ...PIPELINE_OPTIONS, promptBudgetMs: PROMPT_BUDGET_MS, now: () => storyClock.nowMs });
    const storyRun: SideRun = { requests: [], typedAhead: 0, typedChars: 0, cpuSeconds: undefined, prefills: { runs: 0, complete: 0, evaluatedTokens: 0, delayedRequests: 0, delayMs: 0 } };
    await replayFile(storyPipeline, STORY, STORY_TEXT, { start: 0, end: STORY_TEXT.length }, new Prng(11), 60, { prefill: true }, storyRun, storyClock);
    storyPipeline.dispose();
    storySummary = summarize("stories260K-fim retyping a story (real model, its own domain)", storyRun);
  } finally {
    await engine.dispose();
  }

  const machineLoad = load.stop();
  const [hearth] = summaries;
  const ratio = (a: number | undefined, b: number | undefined) => a === undefined || b === undefined || b === 0 ? undefined : round(a / b, 3);
  const against = (server: SideSummary) => ({
    ghostTextP50: ratio(hearth.ghostTextMs.p50, server.ghostTextMs.p50),
    ghostTextP95: ratio(hearth.ghostTextMs.p95, server.ghostTextMs.p95),
    cpuSecondsPer100Chars: ratio(hearth.cpuSecondsPer100Chars, server.cpuSecondsPer100Chars),
    byKind: Object.fromEntries(KINDS.map((kind) => [kind, {
      evaluated: ratio(hearth.byKind[kind].evaluated, server.byKind[kind].evaluated),
      ghostP50: ratio(hearth.byKind[kind].ghostP50, server.byKind[kind].ghostP50),
    }])) as Record<KeyKind, { evaluated: number | undefined; ghostP50: number | undefined }>,
  });
  const baselines = [
    { key: "sameRequests", short: "server, same requests", summary: summaries.find((summary) => summary.label === SAME_POLICY_LABEL) },
    { key: "asLlamaVscode", short: "server, llama.vscode's requests", summary: summaries.find((summary) => summary.label === LLAMA_VSCODE_POLICY_LABEL) },
  ].flatMap(({ key, short, summary }) => summary ? [{ key, short, summary, comparison: against(summary) }] : []);
  const shortName = (summary: SideSummary) => baselines.find((baseline) => baseline.summary === summary)?.short ?? summary.label.split(" ")[0];
  const comparison = baselines.length ? Object.fromEntries(baselines.map((baseline) => [baseline.key, baseline.comparison])) : undefined;
  // Each band against llama-bench at its depth; overall, both weighted by the band's requests.
  const byDepth = typeof llamaBench === "string" ? [] : bands.map((band, index) => {
    const bench = llamaBench.depths[index]?.generationTokensPerSecond ?? Number.NaN;
    return { ...band, llamaBenchTokensPerSecond: bench, ratio: Number.isFinite(bench) ? ratio(band.hearthTokensPerSecond, bench) : undefined };
  });
  const weighted = (pick: (band: (typeof byDepth)[number]) => number) => byDepth.reduce((sum, band) => sum + band.requests * pick(band), 0);
  const generation = {
    hearthTokensPerSecond: hearth.generationTokensPerSecond,
    llamaBench,
    byDepth,
    hearthOverLlamaBench: byDepth.length && byDepth.every((band) => Number.isFinite(band.llamaBenchTokensPerSecond))
      ? ratio(weighted((band) => band.hearthTokensPerSecond), weighted((band) => band.llamaBenchTokensPerSecond)) : undefined,
  };
  const path = await writeResult(large ? "replay-large" : "replay", {
    benchmark: "replay", date: new Date().toISOString(), machine, machineLoad, threads, contextSize: 4096, models, promptBudgetMs: PROMPT_BUDGET_MS,
    hearthPromptTokensPerSecondAtLoad: hearthInfo?.promptTokensPerSecond,
    llamaCpp: typeof tools === "string" ? tools : tools.origin,
    scenarios: [...summaries, ...(storySummary ? [storySummary] : [])], hearthOverLlamaServer: comparison ?? (typeof tools === "string" ? tools : "no baseline run"), llamaServerRetries: serverRetries.count, generation,
  });

  console.log(`\nThreads ${threads}, context 4096, ${machine.cores} cores (${machine.cpuModel}); load average ${machineLoad.start} at start, mean ${machineLoad.mean}, max ${machineLoad.max}; ${models.map((model) => `${model.name} ${model.sha256.slice(0, 12)}…`).join(", ")}; llama.cpp ${typeof tools === "string" ? tools : tools.origin}\n`);
  console.log(markdownTable(
    ["side", "model requests", "late (after next key)", "ghost text p50/p95/p99 ms", "evaluated / reused (shifted) per request", "≤ new+2", "generated", "gen tok/s", "CPU s per 100 chars", "prefills (complete), tokens; requests a slice delayed (ms)"],
    [...summaries, ...(storySummary ? [storySummary] : [])].map((summary) => [summary.label, summary.modelRequests, `${summary.late} (${round(summary.lateShare * 100, 0)}%)`,
      `${summary.ghostTextMs.p50}/${summary.ghostTextMs.p95}/${summary.ghostTextMs.p99}`,
      `${summary.evaluatedPerRequest} / ${summary.reusedPerRequest} (${summary.shiftedPerRequest})`, summary.withinNewPlusTwo ?? "–", summary.generatedTokens,
      summary.generationTokensPerSecond, summary.cpuSecondsPer100Chars ?? "–", summary.prefills.runs ? `${summary.prefills.runs} (${summary.prefills.complete}), ${summary.prefills.evaluatedTokens}; ${summary.prefills.delayedRequests} (${round(summary.prefills.delayMs, 0)})` : "–"])));
  console.log();
  console.log(markdownTable(["keystroke", ...summaries.flatMap((summary) => [`${shortName(summary)}: requests`, "evaluated", "prompt ms p50", "ghost p50/p95 ms"]),
    ...baselines.flatMap((baseline) => [`evaluated ratio (${baseline.short})`, `ghost p50 ratio (${baseline.short})`])],
  KINDS.map((kind) => [kind, ...summaries.flatMap((summary) => {
    const figures = summary.byKind[kind];
    return [figures.requests, figures.evaluated, figures.promptMsP50, `${figures.ghostP50}/${figures.ghostP95}`];
  }), ...baselines.flatMap((baseline) => [baseline.comparison.byKind[kind].evaluated ?? "–", baseline.comparison.byKind[kind].ghostP50 ?? "–"])])));
  console.log();
  for (const baseline of baselines) {
    console.log(`Hearth ÷ llama-server (${baseline.short}): time to ghost text p50 ${baseline.comparison.ghostTextP50}, p95 ${baseline.comparison.ghostTextP95}; CPU seconds per 100 typed characters ${baseline.comparison.cpuSecondsPer100Chars}`);
  }
  if (!baselines.length) console.log(`llama-server baseline: ${typeof tools === "string" ? tools : "not run"}`);
  if (serverRetries.count > 0) console.log(`llama-server: ${serverRetries.count} request(s) sent again with one more token to generate (its output parser rejected a broken character)`);
  if (typeof llamaBench === "string") {
    console.log(`generation: Hearth ${generation.hearthTokensPerSecond} tok/s; llama-bench ${llamaBench}`);
  } else {
    console.log(`generation by prompt depth (Hearth's generating requests in thirds; llama-bench at each third's median depth, same file and threads):`);
    console.log(markdownTable(["depth (tokens in the cache)", "Hearth requests", "Hearth gen tok/s", "llama-bench gen tok/s", "llama-bench prompt tok/s", "ratio"],
      byDepth.map((band, index) => [band.depth, band.requests, band.hearthTokensPerSecond, band.llamaBenchTokensPerSecond, llamaBench.depths[index]?.promptTokensPerSecond ?? "–", band.ratio ?? "–"])));
    console.log(`generation: Hearth ${generation.hearthTokensPerSecond} tok/s over all requests; Hearth ÷ llama-bench at the same depths, weighted by requests: ${generation.hearthOverLlamaBench ?? "–"}`);
  }
  console.log(`written ${path}`);
}
