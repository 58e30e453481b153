import { strict as assert } from "node:assert";
import { appendFileSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { execFileSync, spawn } from "node:child_process";
import type { EngineClient, EngineRequestError } from "../../src/core/engine/engineClient";
import { ModelController, type ModelConfiguration } from "../../src/core/models/modelController";
import { sha256File } from "../../src/core/models/sha256";
import { abortingCases, hostileCases, loaderCases, writeHugeVocabulary, writeWithFimIds, type HostileCase, type LlamaCppVerdict } from "../support/gguf/hostileCases";
import type { ModelDescription } from "../../src/protocol/engineProtocol";
import { getTestModel } from "../support/models";
import { sharedModelPath } from "../support/models/paths";
import { repoRoot, startEngine, testLoadSettings } from "./engineHarness";

const WITHOUT_DAC = "-dac_override,-dac_read_search";

/** Whether setpriv can drop the capabilities that let root read any file (it needs CAP_SETPCAP). */
function canDropFileCapabilities(): boolean {
  try {
    execFileSync("setpriv", [`--inh-caps=${WITHOUT_DAC}`, `--bounding-set=${WITHOUT_DAC}`, "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Every message must tell the person what to do next. */
const ACTIONABLE = /download|choose|pick|select|fix|check|run "git lfs pull"/i;

describe("hostile model files (real engine: stories260K keeps serving)", function () {
  this.timeout(30_000);
  let engine: EngineClient;
  let stories: string;
  let scratch: string;
  let enginePid: number | undefined;

  before(async function () {
    this.timeout(60_000);
    stories = sharedModelPath("stories260K.gguf");
    scratch = await mkdtemp(join(tmpdir(), "hearth-hostile-"));
    engine = startEngine();
    await engine.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
    enginePid = engine.pid;
  });

  after(async () => {
    await engine?.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  async function assertStillServing(target = engine, pid = enginePid): Promise<void> {
    const status = await target.request("status", {});
    assert.deepEqual(status.models.map((model) => model.displayName), ["stories260K"]);
    const result = await target.request("complete", { prompt: "Once upon a time", maxTokens: 4, temperature: 0 });
    assert.ok(result.text.startsWith(", there was"), JSON.stringify(result.text));
    // None of these files may take the engine down: the same process answers.
    assert.equal(target.pid, pid);
  }

  /**
   * Root reads any file, so as root a case about permissions gets an engine of its own started
   * through setpriv without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: permissions then bind it as
   * they bind a user's engine. Other users use the shared engine.
   */
  async function permissionBoundEngine(): Promise<EngineClient | undefined> {
    if (process.getuid?.() !== 0) return undefined;
    const wrapper = join(scratch, "node-without-dac-capabilities.sh");
    await writeFile(wrapper, `#!/bin/sh\nexec setpriv --inh-caps=${WITHOUT_DAC} --bounding-set=${WITHOUT_DAC} '${process.execPath}' "$@"\n`, { mode: 0o755 });
    const bound = startEngine({ execPath: wrapper });
    await bound.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
    return bound;
  }

  function assertClearError(hostile: HostileCase, path: string) {
    return (error: EngineRequestError) => {
      assert.equal(error.code, hostile.expect.code, error.message);
      assert.ok(error.message.includes(basename(path)), `names the file: ${error.message}`);
      assert.match(error.message, hostile.expect.says);
      assert.match(error.message, ACTIONABLE);
      return true;
    };
  }

  for (const hostile of hostileCases) {
    it(`${hostile.name}: ${hostile.what}`, async function () {
      const reason = hostile.skipReason?.();
      if (reason) this.skip();
      if (hostile.needsPermissionChecks && process.getuid?.() === 0 && !canDropFileCapabilities()) this.skip();
      const bound = hostile.needsPermissionChecks ? await permissionBoundEngine() : undefined;
      const target = bound ?? engine;
      const pid = bound ? bound.pid : enginePid;
      try {
        const path = await hostile.create(scratch, stories);
        await assert.rejects(target.request("loadModel", { role: "completion", modelPath: path, settings: testLoadSettings }), assertClearError(hostile, path));
        // The model picker describes files through the same check.
        await assert.rejects(target.request("describeModel", { path }), assertClearError(hostile, path));
        await assertStillServing(target, pid);
      } finally {
        await bound?.dispose();
      }
    });
  }

  for (const hostile of abortingCases) {
    it(`${hostile.name} (llama.cpp ${hostile.unchecked === "hangs" ? "hangs" : "aborts"} on it): ${hostile.what}`, async () => {
      const path = await hostile.create(scratch, stories);
      await assert.rejects(engine.request("loadModel", { role: "completion", modelPath: path, settings: testLoadSettings }), assertClearError(hostile, path));
      await assert.rejects(engine.request("describeModel", { path }), assertClearError(hostile, path));
      await assertStillServing();
    });
  }

  for (const hostile of loaderCases) {
    it(`${hostile.name} (refused by llama.cpp): ${hostile.what}`, async () => {
      const path = await hostile.create(scratch, stories);
      await assert.rejects(engine.request("loadModel", { role: "completion", modelPath: path, settings: testLoadSettings }), assertClearError(hostile, path));
      await assertStillServing();
    });
  }

  it("FIM ids pointing at ordinary text tokens: a model without fill-in-the-middle, said at load, and infill says so", async () => {
    const path = await writeWithFimIds(scratch, stories, "fim-ids-on-text", [300, 301, 302]);
    const warnings: string[] = [];
    const listener = engine.onLog((line) => { if (line.level === "warn") warnings.push(line.message); });
    try {
      const info = await engine.request("loadModel", { role: "chat", modelPath: path, settings: testLoadSettings });
      assert.equal(info.fim, null, "not a FIM model");
      assert.ok(warnings.some((line) => /fim-ids-on-text\.gguf: its tokenizer names fill-in-the-middle tokens that cannot serve \(tokenizer\.ggml\.fim_pre_token_id \(300, "ha"\) is an ordinary text token/.test(line)), warnings.join("\n"));
      assert.equal((await engine.request("describeModel", { path })).fim, null, "the model picker agrees");
      // Before, every request failed with "The middle token of the generic FIM format is missing from the vocabulary".
      await engine.request("loadModel", { role: "completion", modelPath: path, settings: testLoadSettings });
      await assert.rejects(engine.request("infill", { prefix: "Once upon a time", currentLine: "", suffix: "The end.", maxTokens: 4, temperature: 0 }),
        (error: EngineRequestError) => error.code === "fimUnsupported" && /fim-ids-on-text has no fill-in-the-middle tokens/.test(error.message));
    } finally {
      listener.dispose();
      await engine.request("unloadModel", { role: "chat" });
      await engine.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
    }
    await assertStillServing();
  });

  it("FIM ids pointing at real control tokens of unknown names are used (the generic format)", async () => {
    const path = await writeWithFimIds(scratch, await getTestModel("stories260K-fim"), "fim-ids-generic", [512, 513, 514], ["<PRE_X>", "<SUF_X>", "<MID_X>"]);
    const info = await engine.request("loadModel", { role: "chat", modelPath: path, settings: testLoadSettings });
    try {
      assert.deepEqual(info.fim, { name: "generic", order: "psm", tokens: { prefix: "<PRE_X>", suffix: "<SUF_X>", middle: "<MID_X>" } });
      assert.deepEqual((await engine.request("describeModel", { path })).fim, info.fim);
    } finally {
      await engine.request("unloadModel", { role: "chat" });
    }
  });

  /** Completes four tokens in a loop while `work` runs; resolves to the slowest completion. */
  async function slowestCompletionDuring(work: Promise<unknown>): Promise<number> {
    let done = false;
    let slowest = 0;
    const finished = work.finally(() => { done = true; });
    while (!done) {
      const started = performance.now();
      await engine.request("complete", { prompt: "Once upon a time", maxTokens: 4, temperature: 0 });
      slowest = Math.max(slowest, performance.now() - started);
    }
    await finished.catch(() => undefined);
    return slowest;
  }

  it("huge vocabularies are read off the completion path: completions keep coming while one is described", async () => {
    // Before: describing the 4M-token file took 7 s on the engine's main thread, completions waited.
    const huge = await writeHugeVocabulary(scratch, stories, "described-4m", 4_000_000);
    let refusal: unknown;
    const slowestDuringRefusal = await slowestCompletionDuring(engine.request("describeModel", { path: huge }).catch((error: unknown) => { refusal = error; }));
    assert.ok(refusal instanceof Error && /has 4000000 entries; Hearth reads at most 524288/.test(refusal.message), String(refusal));
    // The largest vocabulary allowed, on a tokenizer-only file, is described in full.
    const largest = await writeHugeVocabulary(scratch, stories, "described-524288", 524_288, { withTensors: false });
    let description: ModelDescription | undefined;
    const started = performance.now();
    const slowest = await slowestCompletionDuring(engine.request("describeModel", { path: largest }).then((result) => { description = result; }));
    const describeMs = performance.now() - started;
    assert.equal(description?.vocabularyOnly, true);
    // Generous bounds (the machine may be busy): before, the engine's main thread was held for seconds.
    assert.ok(slowestDuringRefusal < 1000 && slowest < 2000, `slowest completions ${Math.round(slowestDuringRefusal)} and ${Math.round(slowest)} ms`);
    console.log(`      4M tokens refused while completions took at most ${Math.round(slowestDuringRefusal)} ms; 524,288 tokens described in ${Math.round(describeMs)} ms while completions took at most ${Math.round(slowest)} ms`);
    await assertStillServing();
  });

  it("the model controller reports the failure and keeps the previous model serving", async () => {
    const [hostile] = hostileCases.filter((candidate) => candidate.name === "array-billions");
    assert.ok(hostile);
    const path = await hostile.create(scratch, stories);
    const configuration: ModelConfiguration = {
      completionModelPath: stories, chatModelPath: "", load: testLoadSettings, loraAdaptersFor: () => [],
    };
    const logged: string[] = [];
    const controller = new ModelController(engine, () => configuration, (_level, message) => logged.push(message));
    try {
      assert.equal((await controller.load("completion", stories))?.displayName, "stories260K");
      const serving = await controller.load("completion", path);
      assert.equal(serving?.displayName, "stories260K", "the previous model still serves");
      const state = controller.state("completion");
      assert.ok(state.kind === "error" && state.cause === "load", JSON.stringify(state));
      assert.equal(state.previous?.displayName, "stories260K");
      assert.match(state.message, /array-billions\.gguf has a damaged GGUF header: .*4000000000.*download the model again/);
      assert.ok(logged.some((line) => line.includes(path) && line.includes("damaged GGUF header")), logged.join("\n"));
      await assertStillServing();
    } finally {
      controller.dispose();
    }
  });
});

/** Runs a file straight through node-llama-cpp in a child process; resolves to what became of it. */
function loadUnchecked(path: string, hangAfterMs: number): Promise<LlamaCppVerdict | "generated" | "refused"> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, "out", "test", "support", "gguf", "uncheckedLoad.js"), path], { stdio: ["ignore", "pipe", "ignore"] });
    let output = "";
    child.stdout.on("data", (data: Buffer) => { output += data.toString(); });
    const timer = setTimeout(() => child.kill("SIGKILL"), hangAfterMs);
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") resolve("hangs");
      else if (signal) resolve("aborts");
      else resolve(output.startsWith("generated") ? "generated" : "refused");
    });
  });
}

/**
 * The other half of the proof: without Hearth's check, each of these files takes the process
 * down (or hangs it), so the check is what keeps the engine alive. If a llama.cpp update starts
 * refusing one cleanly, this says so and the case can go.
 */
describe("hostile model settings crash llama.cpp when nothing checks them first", function () {
  this.timeout(60_000);
  let scratch: string;
  const verdicts = new Map<string, Promise<string>>();

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "hearth-unchecked-"));
    // Three children at a time: each spends most of its second starting node-llama-cpp.
    const queue = [...abortingCases];
    const worker = async (): Promise<void> => {
      for (let hostile = queue.shift(); hostile; hostile = queue.shift()) {
        const { unchecked } = hostile;
        const verdict = hostile.create(scratch, sharedModelPath("stories260K.gguf")).then((path) => loadUnchecked(path, unchecked === "hangs" ? 15_000 : 50_000));
        verdicts.set(hostile.name, verdict);
        await verdict.catch(() => undefined);
      }
    };
    void Promise.all([worker(), worker(), worker()]);
    await new Promise((resolve) => setImmediate(resolve));
  });

  after(async () => {
    await Promise.allSettled(verdicts.values());
    await rm(scratch, { recursive: true, force: true });
  });

  for (const hostile of abortingCases) {
    it(`${hostile.name}: ${hostile.unchecked}`, async () => {
      while (!verdicts.has(hostile.name)) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await verdicts.get(hostile.name), hostile.unchecked);
    });
  }
});

describe("hashing hostile model files", function () {
  this.timeout(30_000);
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "hearth-hostile-hash-"));
  });

  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("stops at the size the file had and reports a file that grows while being hashed", async () => {
    const path = join(scratch, "growing.gguf");
    const initial = 4 * 1024 * 1024;
    await writeFile(path, Buffer.alloc(initial, 1));
    const reported: Array<{ bytesRead: number; totalBytes: number }> = [];
    // A writer that appends as fast as the hash reads: the old stream read until it caught up.
    let growing = true;
    const grow = () => {
      if (!growing) return;
      appendFileSync(path, Buffer.alloc(1024 * 1024, 2));
      setImmediate(grow);
    };
    setImmediate(grow);
    try {
      await assert.rejects(sha256File(path, (progress) => {
        reported.push(progress);
        appendFileSync(path, "more"); // at least one change before the final check, however fast the read
      }), /growing\.gguf changed while it was being hashed .*Try again when it is complete/);
    } finally {
      growing = false;
    }
    assert.ok(reported.length > 0, "progress was reported");
    const [{ totalBytes }] = reported;
    assert.ok(totalBytes >= initial);
    assert.ok(reported.every((progress) => progress.totalBytes === totalBytes && progress.bytesRead <= totalBytes), JSON.stringify(reported));
    assert.ok((await stat(path)).size > totalBytes, "the file did grow while it was hashed");
  });

  it("refuses a named pipe instead of waiting for a writer", async function () {
    if (process.platform === "win32") this.skip();
    const path = join(scratch, "pipe.gguf");
    execFileSync("mkfifo", [path]);
    await assert.rejects(sha256File(path), /pipe\.gguf is not a regular file, so it cannot be hashed/);
  });

  it("refuses a folder named .gguf", async () => {
    await assert.rejects(sha256File(scratch), /is not a regular file/);
  });
});
