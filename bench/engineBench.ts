/**
 * Engine figures on a model of Qwen2.5-Coder-0.5B's shape (the factory's shape twin, or
 * --large for the 1.5B twin): load time, prompt processing and generation speed per
 * thread count (to justify the default), and prefix reuse: a cold FIM request against a
 * typing-along request, with reuse on and off.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineClient } from "../src/core/engine/engineClient";
import { defaultThreads } from "../src/engine/threads";
import type { CompleteResult, InfillParams, LoadSettings } from "../src/protocol/engineProtocol";
import { getTestModel } from "../test/support/models";
import { fileSha256, machineInfo, markdownTable, repoRoot, round, writeResult } from "./benchSupport";

const CONTEXT_SIZE = 4096;

function sourceWindow(): { prefix: string; suffix: string; currentLine: string } {
  // A real TypeScript declaration file: about 1k prompt tokens, a short suffix.
  const lines = readFileSync(join(repoRoot, "node_modules", "typescript", "lib", "lib.es5.d.ts"), "utf8").split("\n");
  const cursor = 1400;
  return {
    prefix: lines.slice(cursor - 45, cursor).join("\n") + "\n",
    currentLine: "    ",
    suffix: "\n" + lines.slice(cursor + 1, cursor + 21).join("\n"),
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

export async function runEngineBench(options: { large: boolean; maxThreads?: number }): Promise<void> {
  const modelName = options.large ? "qwen2.5-coder-1.5b-shape" : "qwen2.5-coder-0.5b-shape";
  console.log(`engine bench: preparing ${modelName} (generated once into .cache/models)…`);
  const modelPath = await getTestModel(modelName);
  const sha256 = await fileSha256(modelPath);
  const machine = machineInfo();
  const engine = new EngineClient({ enginePath: join(repoRoot, "dist", "engine.js") });
  const settings = (threads: number): LoadSettings => ({ threads, contextSize: CONTEXT_SIZE, gpuLayers: 0, gpu: false });
  const window = sourceWindow();
  const infill = (extra: Partial<InfillParams> = {}): Promise<CompleteResult> =>
    engine.request("infill", { ...window, maxTokens: 16, temperature: 0, ...extra });
  try {
    const threadRows: { threads: number; loadMs: number; promptTokens: number; promptTokensPerSecond: number; generationTokensPerSecond: number }[] = [];
    const maxThreads = options.maxThreads ?? machine.cores;
    const load = async (threads: number) => {
      await engine.request("unloadModel", { role: "completion" });
      return timed(() => engine.request("loadModel", { role: "completion", modelPath, settings: settings(threads) }));
    };
    /** The request figures users feel, at one thread count. */
    const requestRows = async (threads: number) => {
      const loaded = (await load(threads)).value;
      const cold = await infill();
      const typed = await infill({ currentLine: window.currentLine + "readon" });
      // Enter: the finished line joins the recent lines after the middle token; the suffix stays.
      const enter = await infill({ recentLines: window.currentLine + "readonly\n", currentLine: "    " });
      const noReuse = await infill({ currentLine: window.currentLine + "readonly", reusePrefix: false });
      // The first request in a file with the extension's 1 s budget for uncached prompt, then a pause's prefill.
      await load(threads);
      const coldBudget = await infill({ promptBudgetMs: 1000 });
      const prefill = await engine.request("prefill", { fim: window });
      const afterPrefill = await infill({ currentLine: window.currentLine + "r", promptBudgetMs: 1000 });
      const rows = [
        ["cold request (whole prompt)", cold],
        ["typing along (+6 chars, reuse on)", typed],
        ["Enter (a new line, reuse on)", enter],
        ["typing along (+8 chars, reuse off: baseline)", noReuse],
        ["cold request, 1 s prompt budget", coldBudget],
        [`next keystroke after an idle prefill (${prefill.evaluatedTokens} tokens in ${Math.round(prefill.promptMs)} ms)`, afterPrefill],
      ] as const;
      return { threads, promptTokensPerSecondAtLoad: loaded.promptTokensPerSecond, rows };
    };
    for (let threads = 1; threads <= maxThreads; threads++) {
      const loaded = await load(threads);
      // Generation varies from run to run (the engine's own thread, the machine): the median of three.
      const runs: CompleteResult[] = [];
      for (let run = 0; run < 3; run++) runs.push(await infill({ reusePrefix: false, maxTokens: 64 }));
      const speeds = runs.map((full) => Math.max(0, full.stats.generatedTokens - 1) / ((full.stats.generationMs - full.stats.promptMs) / 1000)).sort((a, b) => a - b);
      const prompts = runs.map((full) => full.stats.evaluatedTokens / (full.stats.promptMs / 1000)).sort((a, b) => a - b);
      threadRows.push({
        threads,
        loadMs: round(loaded.ms, 0),
        promptTokens: runs[0].stats.evaluatedTokens,
        promptTokensPerSecond: round(prompts[1]),
        generationTokensPerSecond: round(speeds[1]),
      });
      console.log(`threads ${threads}: ${JSON.stringify(threadRows.at(-1))}`);
    }
    const threads = defaultThreads();
    const requestTables = [];
    for (let count = 1; count <= maxThreads; count++) requestTables.push(await requestRows(count));
    const defaultTable = requestTables.find((table) => table.threads === threads) ?? requestTables[0];

    const result = {
      benchmark: "engine",
      date: new Date().toISOString(),
      machine,
      model: { file: modelName, path: modelPath, sha256 },
      contextSize: CONTEXT_SIZE,
      defaultThreads: threads,
      promptTokensPerSecondAtLoad: defaultTable.promptTokensPerSecondAtLoad,
      threads: threadRows,
      reuse: requestTables.flatMap((table) => table.rows.map(([label, response]) => ({ label, threads: table.threads, ...response.stats }))),
    };
    const path = await writeResult("engine", result);
    console.log(`\nModel ${modelName} (sha256 ${sha256.slice(0, 16)}…), context ${CONTEXT_SIZE}, ${machine.cores} cores (${machine.cpuModel})\n`);
    console.log(markdownTable(["threads", "load ms", "prompt tokens", "prompt tok/s", "generation tok/s"],
      threadRows.map((row) => [row.threads, row.loadMs, row.promptTokens, row.promptTokensPerSecond, row.generationTokensPerSecond])));
    console.log();
    for (const table of requestTables) {
      console.log(markdownTable([`request (threads ${table.threads}${table.threads === threads ? ", the default here" : ""})`, "prompt tokens", "reused", "evaluated", "left out", "prompt ms", "first token ms", "total ms"],
        table.rows.map(([label, response]) => [label, response.stats.promptTokens, response.stats.reusedTokens, response.stats.evaluatedTokens, response.stats.leftOutTokens ?? 0,
          round(response.stats.promptMs, 0), round(response.stats.firstTokenMs, 0), round(response.stats.generationMs, 0)])));
      console.log(`prompt speed measured at load (threads ${table.threads}): ${table.promptTokensPerSecondAtLoad} tokens/s\n`);
    }
    console.log(`\nwritten ${path}`);
  } finally {
    await engine.dispose();
  }
}
