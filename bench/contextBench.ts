/**
 * npm run bench -- context [--root <folder>] [--only parse|assembly|index]: parse and
 * reparse times, context assembly time at a cursor, and workspace indexing throughput,
 * memory and main-thread event-loop delay while the worker indexes: on the worker alone
 * and with its analyzer threads, one after the other in this process, so both rows
 * see the same machine.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { ContextClient } from "../src/context/contextClient";
import { defaultAnalyzerThreads } from "../src/context/index/parallelAnalysis";
import { DocumentStore } from "../src/context/parsing/documentStore";
import { machineInfo, markdownTable, percentile, repoRoot, round, writeResult } from "./benchSupport";

const WORKER_PATH = join(__dirname, "..", "src", "context", "worker.js");
/** First samples run while V8 still compiles the hot paths: left out of the percentiles. */
const WARMUP = 20;
const GENEROUS = { importSignatureMs: 1000, similarWindowMs: 1000, enclosingHeaderMs: 1000, recentMs: 1000, maxChunksPerSource: 4 };

/** A realistic-looking TypeScript file of `lines` lines: classes with methods, imports at the top. */
function generatedSource(lines: number, modules: number): string {
  const out: string[] = [];
  for (let index = 0; index < modules; index++) out.push(`import { helper${index}, Model${index} } from "./lib/mod${index}";`);
  for (let cls = 0; out.length < lines; cls++) {
    out.push(`export class Service${cls} {`, `  private readonly items: Model${cls % Math.max(1, modules)}[] = [];`, "");
    for (let method = 0; method < 8 && out.length < lines - 6; method++) {
      out.push(`  handle${method}(input: number, label: string): string {`, `    const value = helper${(cls + method) % Math.max(1, modules)}(input) * ${method};`,
        `    if (value > ${cls}) return \`\${label}: \${value}\`;`, `    return label.repeat(${method + 1});`, "  }", "");
    }
    out.push("}", "");
  }
  return out.slice(0, lines).join("\n");
}

function moduleSource(index: number): string {
  return [`export interface Model${index} { id: number; name: string }`, "",
    `export function helper${index}(value: number): number {`, `  return value + ${index};`, "}", "",
    `export function unused${index}(): void {}`, ""].join("\n");
}

function stats(values: readonly number[]): { p50: number; p95: number } {
  return { p50: round(percentile(values, 50), 3), p95: round(percentile(values, 95), 3) };
}

async function parseTimes(): Promise<{ lines: number; fullParseMs: number; reparse: { p50: number; p95: number } }[]> {
  const rows = [];
  for (const lines of [1000, 5000, 20000]) {
    const store = new DocumentStore();
    const text = generatedSource(lines, 10);
    // Warm the grammar so the first number is the parse, not the wasm load.
    await store.open({ uri: "warm", filePath: "/warm.ts", languageId: "typescript", version: 1, text: "const a = 1;" });
    const started = performance.now();
    await store.open({ uri: "doc", filePath: "/doc.ts", languageId: "typescript", version: 1, text });
    const fullParseMs = performance.now() - started;
    const reparses: number[] = [];
    const middle = text.indexOf("return label", Math.floor(text.length / 2));
    for (let version = 2; version < 202; version++) {
      const begin = performance.now();
      store.change("doc", version, [{ rangeOffset: middle + version - 2, rangeLength: 0, text: "x" }]);
      reparses.push(performance.now() - begin);
    }
    store.dispose();
    rows.push({ lines, fullParseMs: round(fullParseMs, 2), reparse: stats(reparses.slice(WARMUP)) });
  }
  return rows;
}

async function assemblyTimes(): Promise<{ p50: number; p95: number; chunks: number }> {
  const workspace = mkdtempSync(join(tmpdir(), "hearth-bench-ctx-"));
  const storage = mkdtempSync(join(tmpdir(), "hearth-bench-storage-"));
  const client = new ContextClient({ workerPath: WORKER_PATH });
  try {
    mkdirSync(join(workspace, "lib"));
    for (let index = 0; index < 10; index++) writeFileSync(join(workspace, "lib", `mod${index}.ts`), moduleSource(index));
    const text = generatedSource(5000, 10);
    const mainPath = join(workspace, "main.ts");
    writeFileSync(mainPath, text);
    await client.indexFolders({ folders: [workspace], storageDir: storage, excludes: [] });
    for (let other = 0; other < 5; other++) {
      await client.openDocument({ uri: `mem://other${other}.ts`, filePath: join(workspace, `other${other}.ts`), languageId: "typescript", version: 1, text: generatedSource(1000, 10) });
    }
    await client.openDocument({ uri: "mem://main.ts", filePath: mainPath, languageId: "typescript", version: 1, text });
    const times: number[] = [];
    let chunks = 0;
    let current = text;
    for (let sample = 0; sample < 200; sample++) {
      const offset = current.indexOf("const value", Math.floor((current.length * sample) / 200));
      const line = current.slice(0, offset).split("\n").length - 1;
      const started = performance.now();
      // A keystroke before each request, as when typing: the current file's version changes.
      client.changeDocument("mem://main.ts", sample + 2, [{ rangeOffset: offset, rangeLength: 0, text: " " }]);
      current = current.slice(0, offset) + " " + current.slice(offset);
      const result = await client.gatherForCompletion({ uri: "mem://main.ts", offset: offset + 1, window: { startLine: Math.max(0, line - 96), endLine: line + 24 } }, GENEROUS);
      times.push(performance.now() - started);
      chunks += result.length;
    }
    return { ...stats(times.slice(WARMUP)), chunks: round(chunks / times.length, 1) };
  } finally {
    await client.dispose();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(storage, { recursive: true, force: true });
  }
}

async function indexing(root: string, analyzerThreads: number) {
  const storage = mkdtempSync(join(tmpdir(), "hearth-bench-index-"));
  const client = new ContextClient({ workerPath: WORKER_PATH });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 20);
  try {
    await client.stats();
    delay.enable();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const summary = await client.indexFolders({ folders: [root], storageDir: storage, excludes: [], analyzerThreads });
    const cpu = process.cpuUsage(cpuBefore);
    const seconds = (performance.now() - started) / 1000;
    delay.disable();
    const folder = summary.folders[0];
    const restarted = performance.now();
    const again = await client.indexFolders({ folders: [root], storageDir: storage, excludes: [], analyzerThreads });
    const reuseSeconds = (performance.now() - restarted) / 1000;
    return {
      root, analyzerThreads, files: folder.files, parsed: folder.parsed, skipped: folder.skipped, seconds: round(seconds, 2),
      filesPerSecond: round((folder.parsed + folder.skipped) / seconds, 0),
      // All threads' CPU time: files per CPU-second does not depend on how busy the machine is.
      filesPerCpuSecond: round((folder.parsed + folder.skipped) / ((cpu.user + cpu.system) / 1e6), 0),
      unchangedFilesPerSecond: round(again.folders[0].reused / reuseSeconds, 0),
      peakRssMiB: round(peakRss / 1024 ** 2, 0),
      eventLoopDelayP99Ms: round(delay.percentile(99) / 1e6, 2), eventLoopDelayMaxMs: round(delay.max / 1e6, 2),
    };
  } finally {
    clearInterval(sampler);
    await client.dispose();
    rmSync(storage, { recursive: true, force: true });
  }
}

export async function runContextBench(args: readonly string[]): Promise<void> {
  const rootIndex = args.indexOf("--root");
  const root = rootIndex >= 0 && args[rootIndex + 1] ? args[rootIndex + 1] : join(repoRoot, "node_modules");
  const onlyIndex = args.indexOf("--only");
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  const runs = (part: string) => only === undefined || only === part;
  const machine = machineInfo();
  console.log(`Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}\n`);

  const parses = runs("parse") ? await parseTimes() : [];
  if (parses.length > 0) {
    console.log(markdownTable(["lines", "full parse (ms)", "incremental reparse p50 (ms)", "p95 (ms)"],
      parses.map((row) => [row.lines, row.fullParseMs, row.reparse.p50, row.reparse.p95])));
    console.log("Target: incremental reparse ≤ 1 ms.\n");
  }

  const assembly = runs("assembly") ? await assemblyTimes() : undefined;
  if (assembly) {
    console.log(markdownTable(["context assembly at a cursor, 5k-line file", "p50 (ms)", "p95 (ms)", "chunks"], [["worker round trip, all sources", assembly.p50, assembly.p95, assembly.chunks]]));
    console.log("Target: p95 ≤ 10 ms.\n");
  }

  const index = [];
  if (runs("index")) {
    const threads = defaultAnalyzerThreads();
    for (const analyzerThreads of threads > 0 ? [0, threads] : [0]) index.push(await indexing(root, analyzerThreads));
    console.log(markdownTable(["index of", "analyzer threads", "files", "parsed", "skipped", "s", "files/s", "files/CPU-s", "unchanged files/s", "peak RSS (MiB)", "event-loop delay p99 (ms)", "max (ms)"],
      index.map((row) => [row.root, row.analyzerThreads, row.files, row.parsed, row.skipped, row.seconds, row.filesPerSecond, row.filesPerCpuSecond, row.unchangedFilesPerSecond, row.peakRssMiB, row.eventLoopDelayP99Ms, row.eventLoopDelayMaxMs])));
    console.log("Targets: ≥ 500 files/s, event-loop delay p99 ≤ 20 ms.\n");
  }

  const path = await writeResult("context", { machine, parses, assembly, index });
  console.log(`Wrote ${path}`);
}
