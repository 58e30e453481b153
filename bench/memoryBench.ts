/**
 * Memory and start-up: the engine process's resident memory idle and with each model loaded
 * (after one request, so the context's buffers are touched), and the time from starting a
 * fresh engine to the first completion a user could see (spawn, load, first infill). The
 * extension host's own figures (activation to first completion, memory over 1,000 requests)
 * come from the in-host suite (test/integration/suite/hostFigures.test.ts); this benchmark
 * includes them when that run left test-results/integration/host-figures.json.
 *
 * Model switches: two engines switch between stories260K-fim and stories260K in turn, one with
 * the memory settings Hearth gives the engine (src/core/engine/engineLaunch.ts) and one with
 * Node's and glibc's defaults, and their RSS after each switch is compared from warm-up to the end.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { EngineClient } from "../src/core/engine/engineClient";
import { defaultThreads } from "../src/engine/threads";
import type { LoadSettings } from "../src/protocol/engineProtocol";
import { getTestModel, type TestModelName } from "../test/support/models";
import { fileSha256, machineInfo, markdownTable, repoRoot, round, writeResult } from "./benchSupport";

const CONTEXT_SIZE = 4096;
const PROMPT = { prefix: "function add(a: number, b: number): number {\n  return ", suffix: "\n}\n", currentLine: "", maxTokens: 16, temperature: 0 };

/** Resident set of a process in MiB, from /proc (Linux). */
function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? round(Number(match[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Switches before the first RSS sample that counts: the allocator's pools fill up first. */
const SWITCH_WARM_UP = 20;
const SWITCH_SETTINGS: LoadSettings = { threads: 1, contextSize: 512, gpuLayers: 0, gpu: false };

interface SwitchRun {
  label: string;
  memoryTuning: boolean;
  rssMiB: number[];
}

function numberOption(args: readonly string[], name: string, fallback: number): number {
  const value = args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  return value === undefined ? fallback : Number(value);
}

/** RSS after each of `switches` model switches, for each engine environment, switched in turn. */
async function measureSwitches(enginePath: string, switches: number): Promise<SwitchRun[]> {
  const models = [await getTestModel("stories260K-fim"), await getTestModel("stories260K")];
  const runs: SwitchRun[] = [
    { label: "Hearth's memory settings", memoryTuning: true, rssMiB: [] },
    { label: "Node's and glibc's defaults", memoryTuning: false, rssMiB: [] },
  ];
  const engines = runs.map((run) => new EngineClient({ enginePath, memoryTuning: run.memoryTuning,
    env: run.memoryTuning ? process.env : { ...process.env, MALLOC_ARENA_MAX: undefined, MALLOC_MMAP_THRESHOLD_: undefined } }));
  try {
    for (let index = 0; index < switches; index += 1) {
      for (const [slot, engine] of engines.entries()) {
        await engine.request("loadModel", { role: "completion", modelPath: models[index % 2], settings: SWITCH_SETTINGS });
        await engine.request("complete", { prompt: "Once upon a time", maxTokens: 8, temperature: 0 });
        runs[slot].rssMiB.push(rssMiB(engine.pid));
      }
    }
  } finally {
    await Promise.all(engines.map((engine) => engine.dispose()));
  }
  return runs;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Mean RSS over the ten switches after warm-up and over the last ten, and the growth between them. */
function switchSummary(run: SwitchRun): { afterWarmUpMiB: number; atEndMiB: number; growthPercent: number; peakMiB: number } {
  const afterWarmUpMiB = mean(run.rssMiB.slice(SWITCH_WARM_UP, SWITCH_WARM_UP + 10));
  const atEndMiB = mean(run.rssMiB.slice(-10));
  return { afterWarmUpMiB: round(afterWarmUpMiB), atEndMiB: round(atEndMiB), growthPercent: round((atEndMiB / afterWarmUpMiB - 1) * 100), peakMiB: Math.max(...run.rssMiB) };
}

interface ModelRow {
  model: string;
  sha256: string;
  fileMiB: number;
  engineRssMiB: number;
  loadMs: number;
}

export async function runMemoryBench(args: readonly string[]): Promise<void> {
  const names: TestModelName[] = ["stories260K", "stories260K-fim", "qwen2.5-coder-0.5b-shape"];
  if (args.includes("--large")) names.push("qwen2.5-coder-1.5b-shape");
  const threads = defaultThreads();
  const settings: LoadSettings = { threads, contextSize: CONTEXT_SIZE, gpuLayers: 0, gpu: false };
  const machine = machineInfo();
  const enginePath = join(repoRoot, "dist", "engine.js");
  const rows: ModelRow[] = [];
  let idleRssMiB = Number.NaN;
  const startup: { model: string; readyMs: number; loadMs: number; firstCompletionMs: number; totalMs: number }[] = [];

  for (const name of names) {
    const path = await getTestModel(name);
    const sha256 = await fileSha256(path);
    // A fresh engine per model: the figure is that model alone, and start-up is measured cold.
    const started = performance.now();
    const engine = new EngineClient({ enginePath });
    try {
      await engine.request("status", {});
      const readyMs = performance.now() - started;
      if (Number.isNaN(idleRssMiB)) idleRssMiB = rssMiB(engine.pid);
      const loadStarted = performance.now();
      const info = await engine.request("loadModel", { role: "completion", modelPath: path, settings });
      const loadMs = performance.now() - loadStarted;
      const inferStarted = performance.now();
      // A model without FIM tokens completes the prefix, as the pipeline does for it.
      if (info.fim) await engine.request("infill", PROMPT);
      else await engine.request("complete", { prompt: PROMPT.prefix, maxTokens: PROMPT.maxTokens, temperature: PROMPT.temperature });
      const firstCompletionMs = performance.now() - inferStarted;
      startup.push({ model: name, readyMs: round(readyMs, 0), loadMs: round(loadMs, 0), firstCompletionMs: round(firstCompletionMs, 0), totalMs: round(performance.now() - started, 0) });
      rows.push({ model: name, sha256, fileMiB: round(statSync(path).size / 2 ** 20), engineRssMiB: rssMiB(engine.pid), loadMs: round(loadMs, 0) });
      console.log(`  ${name}: ${JSON.stringify(rows.at(-1))}`);
    } finally {
      await engine.dispose();
    }
  }

  const switches = numberOption(args, "switches", 200);
  const switchRuns = switches > SWITCH_WARM_UP + 10 ? await measureSwitches(enginePath, switches) : [];

  const hostFile = join(repoRoot, "test-results", "integration", "host-figures.json");
  const host: unknown = existsSync(hostFile) ? JSON.parse(readFileSync(hostFile, "utf8")) : undefined;
  const path = await writeResult("memory", { benchmark: "memory", date: new Date().toISOString(), machine, threads, contextSize: CONTEXT_SIZE, engineIdleRssMiB: idleRssMiB, models: rows, startup,
    modelSwitches: switchRuns.map((run) => ({ ...run, ...switchSummary(run) })), extensionHost: host ?? "not measured: run npm run test:integration first" });

  console.log(`\nThreads ${threads}, context ${CONTEXT_SIZE}, ${machine.cores} cores (${machine.cpuModel}); engine idle (no model): ${idleRssMiB} MiB RSS\n`);
  console.log(markdownTable(["model", "sha256", "file MiB", "engine RSS MiB (loaded, after one request)", "load ms"],
    rows.map((row) => [row.model, `${row.sha256.slice(0, 12)}…`, row.fileMiB, row.engineRssMiB, row.loadMs])));
  console.log();
  console.log(markdownTable(["model", "engine ready ms", "load ms", "first completion ms", "start to first completion ms"],
    startup.map((row) => [row.model, row.readyMs, row.loadMs, row.firstCompletionMs, row.totalMs])));
  if (switchRuns.length > 0) {
    console.log(`\n${switches} model switches (stories260K-fim ⇄ stories260K, one short completion after each), engine RSS in MiB, mean of 10 switches:\n`);
    console.log(markdownTable(["engine", `after switch ${SWITCH_WARM_UP}`, "last 10", "growth", "peak"],
      switchRuns.map((run) => {
        const summary = switchSummary(run);
        return [run.label, summary.afterWarmUpMiB, summary.atEndMiB, `${summary.growthPercent} %`, summary.peakMiB];
      })));
  }
  console.log(host ? `\nextension host (from ${hostFile}): ${JSON.stringify(host)}` : "\nextension host: not measured (run npm run test:integration, which writes test-results/integration/host-figures.json)");
  console.log(`written ${path}`);
}
