/**
 * npm run bench -- chat [--baseline-ref=<git ref>] [--quick]: the chat view's rendering
 * of long replies in Chromium (the real bundle in the renderer tests' harness):
 * - the view's main-thread work per streamed chunk once the reply is 50 KB, 800 KB and 1 MB
 *   long (markdown with code, and one long code block);
 * - a whole 1 MB reply streamed from the start: work per chunk (median, p95, longest);
 * - a 10 MB reply opened from history: the longest main-thread callback and the time until
 *   it is all shown.
 * With --baseline-ref, the same runs on the chat bundle built from that commit's sources
 * (for example the commit before incremental rendering), in the same browser; a step the
 * baseline cannot finish in time is reported as such.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import type { Browser } from "playwright-core";
import { ChatPage, launchChromium, medianMs, type StepFigure } from "../test/webview/chatPage";
import { startHarness, type Harness } from "../test/webview/harness";
import { chunksOf, codeBlockReply, markdownReply } from "../test/webview/replyText";
import { machineInfo, markdownTable, percentile, repoRoot, round, writeResult } from "./benchSupport";

const KB = 1024;
const SIZES = [50 * KB, 800 * KB, 1024 * KB];
const CHUNK = 64;
/** Chunks timed at each size (after a prefill to just below it). */
const PROBES = 5;

interface SizeFigure {
  shape: string;
  size: number;
  /** Median work per chunk at that size, ms. */
  perChunkMs: number;
  longestMs: number;
}

interface Bundle {
  name: string;
  harness: Harness;
}

/** Builds the chat bundle of a git ref from its own sources (with this checkout's node_modules). */
async function bundleOfRef(ref: string): Promise<string> {
  const dir = join(repoRoot, ".cache", "bench-chat", ref.replace(/[^\w.-]/g, "_"));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync("git", ["archive", "--format=tar", ref, "src/webview", "src/protocol"], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  const outfile = join(dir, "chat.js");
  await esbuild.build({
    entryPoints: [join(dir, "src", "webview", "chat", "main.ts")], bundle: true, outfile, platform: "browser", format: "iife", target: "es2022",
    nodePaths: [join(repoRoot, "node_modules")], logLevel: "error",
  });
  return outfile;
}

/** Work per chunk once the reply is `size` long: prefilled as a streaming reply, then PROBES chunks. */
async function perChunkAt(browser: Browser, bundle: Bundle, shape: string, text: string, size: number, timeoutMs: number): Promise<SizeFigure | string> {
  const page = await ChatPage.open(browser, bundle.harness);
  try {
    page.page.setDefaultTimeout(timeoutMs);
    const prefill = text.slice(0, size - PROBES * CHUNK);
    await page.send({ type: "reset", turns: [{ id: "u", role: "user", text: "go" }], streaming: { id: "r", text: prefill } });
    await page.idle(timeoutMs);
    await page.resetFigures();
    const steps = await page.stream("r", chunksOf(text.slice(prefill.length, size), CHUNK));
    const figures = await page.figures();
    return { shape, size, perChunkMs: round(medianMs(steps, 0, Infinity), 2), longestMs: round(figures.longestMs, 1) };
  } catch (error) {
    return `${shape} at ${size / KB} KB: not finished within ${timeoutMs / 1000} s (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
  } finally {
    await page.close().catch(() => undefined);
  }
}

interface StreamFigure {
  shape: string;
  chunks: number;
  medianMs: number;
  p95Ms: number;
  longestMs: number;
  totalBusyMs: number;
  wallMs: number;
  at50KBMs: number;
  at800KBMs: number;
  at1MBMs: number;
}

/** A whole reply streamed from the start, CHUNK characters per chunk, `perFrame` chunks per frame. */
async function wholeStream(browser: Browser, bundle: Bundle, shape: string, text: string, perFrame: number): Promise<StreamFigure> {
  const page = await ChatPage.open(browser, bundle.harness);
  try {
    page.page.setDefaultTimeout(600_000);
    await page.send({ type: "replyStart", id: "r", userText: "go", userId: "u" });
    await page.resetFigures();
    const started = Date.now();
    const steps: StepFigure[] = await page.stream("r", chunksOf(text, CHUNK), perFrame);
    await page.send({ type: "replyEnd", id: "r", stopped: false });
    const wallMs = Date.now() - started;
    const figures = await page.figures();
    const times = steps.map((step) => step.ms);
    const around = (size: number) => round(medianMs(steps, size - 16 * KB, size), 2);
    return {
      shape, chunks: steps.length * perFrame, medianMs: round(percentile(times, 50), 2), p95Ms: round(percentile(times, 95), 2),
      longestMs: round(figures.longestMs, 1), totalBusyMs: Math.round(figures.busyMs), wallMs,
      at50KBMs: around(50 * KB), at800KBMs: around(800 * KB), at1MBMs: around(1024 * KB),
    };
  } finally {
    await page.close();
  }
}

/** A reply of `size` from history: the longest callback, and the time until all of it is rendered. */
async function fromHistory(browser: Browser, bundle: Bundle, shape: string, text: string, timeoutMs: number): Promise<{ shape: string; size: number; longestMs: number; shownMs: number } | string> {
  const page = await ChatPage.open(browser, bundle.harness);
  try {
    page.page.setDefaultTimeout(timeoutMs);
    await page.resetFigures();
    const started = Date.now();
    await page.send({ type: "reset", turns: [{ id: "u", role: "user", text: "go" }, { id: "a", role: "assistant", text }] });
    await page.idle(timeoutMs);
    const figures = await page.figures();
    return { shape, size: text.length, longestMs: round(figures.longestMs, 1), shownMs: Date.now() - started };
  } catch {
    return `${shape} from history (${(text.length / KB / KB).toFixed(0)} MB): not shown within ${timeoutMs / 1000} s`;
  } finally {
    await page.close().catch(() => undefined);
  }
}

export async function runChatBench(args: readonly string[]): Promise<void> {
  const baselineRef = args.find((arg) => arg.startsWith("--baseline-ref="))?.slice("--baseline-ref=".length);
  const quick = args.includes("--quick");
  const browser = await launchChromium();
  const bundles: Bundle[] = [{ name: "current", harness: await startHarness({ instrument: true }) }];
  if (baselineRef) bundles.push({ name: `baseline ${baselineRef}`, harness: await startHarness({ instrument: true, bundle: await bundleOfRef(baselineRef) }) });
  const shapes: [string, string][] = [["markdown", markdownReply(1024 * KB, "bench")], ["code block", codeBlockReply(1024 * KB)]];
  const results: Record<string, unknown> = {};
  try {
    for (const bundle of bundles) {
      console.log(`\n### ${bundle.name}\n`);
      const sizeRows: (SizeFigure | string)[] = [];
      for (const [shape, text] of shapes) {
        for (const size of SIZES) sizeRows.push(await perChunkAt(browser, bundle, shape, text, size, bundle.name === "current" ? 120_000 : 300_000));
      }
      const figures = sizeRows.filter((row): row is SizeFigure => typeof row !== "string");
      console.log(markdownTable(["reply", "length", "work per chunk ms (median)", "longest callback ms"],
        figures.map((row) => [row.shape, `${row.size / KB} KB`, row.perChunkMs, row.longestMs])));
      for (const row of sizeRows) if (typeof row === "string") console.log(`- ${row}`);
      const entry: Record<string, unknown> = { perChunk: sizeRows };
      if (bundle.name === "current" && !quick) {
        const streams: StreamFigure[] = [];
        for (const [shape, text] of shapes) streams.push(await wholeStream(browser, bundle, shape, text, 4));
        console.log(`\nA whole 1 MB reply streamed (${CHUNK}-character chunks, 4 per frame):\n`);
        console.log(markdownTable(["reply", "chunks", "per frame ms median / p95", "at 50 KB / 800 KB / 1 MB ms", "longest callback ms", "view busy s", "wall s"],
          streams.map((row) => [row.shape, row.chunks, `${row.medianMs} / ${row.p95Ms}`, `${row.at50KBMs} / ${row.at800KBMs} / ${row.at1MBMs}`, row.longestMs, round(row.totalBusyMs / 1000, 1), round(row.wallMs / 1000, 1)])));
        entry.streams = streams;
      }
      const history = [
        await fromHistory(browser, bundle, "markdown", markdownReply(10 * 1024 * KB, "history"), bundle.name === "current" ? 120_000 : 180_000),
        await fromHistory(browser, bundle, "code block", codeBlockReply(10 * 1024 * KB), bundle.name === "current" ? 120_000 : 180_000),
      ];
      console.log("\nA 10 MB reply opened from history:\n");
      console.log(markdownTable(["reply", "longest callback ms", "all shown after ms"],
        history.filter((row) => typeof row !== "string").map((row) => typeof row === "string" ? [] : [row.shape, row.longestMs, row.shownMs])));
      for (const row of history) if (typeof row === "string") console.log(`- ${row}`);
      entry.history = history;
      results[bundle.name] = entry;
    }
  } finally {
    await browser.close();
    for (const bundle of bundles) await bundle.harness.close();
  }
  const path = await writeResult("chat", { machine: machineInfo(), baselineRef, chunk: CHUNK, results });
  console.log(`\nwrote ${path}`);
}
