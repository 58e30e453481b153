import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EngineClient, type EngineRequestError } from "../../src/core/engine/engineClient";
import { sharedModelPath } from "../support/models/paths";
import { enginePath, isAlive, startEngine, testLoadSettings, waitFor } from "./engineHarness";

/** A process's arguments, as the kernel holds them. */
function commandLineOf(pid: number | undefined): string[] {
  assert.ok(pid !== undefined, "a running engine");
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
}

/** A variable of a process's environment, as the kernel holds it. */
function environmentOf(pid: number | undefined, name: string): string | undefined {
  assert.ok(pid !== undefined, "a running engine");
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  return entries.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);
}

const LILY = ", there was a little girl named Lily";

describe("engine process (real node-llama-cpp, stories260K)", function () {
  this.timeout(60_000);
  let engine: EngineClient;
  let stories: string;
  let scratch: string;

  before(async () => {
    stories = sharedModelPath("stories260K.gguf");
    scratch = await mkdtemp(join(tmpdir(), "hearth-engine-test-"));
    engine = startEngine();
    const info = await engine.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
    assert.equal(info.displayName, "stories260K");
    assert.equal(info.architecture, "llama");
    assert.equal(info.threads, 1);
    assert.equal(info.fim, null, "stories260K has no FIM tokens");
    assert.equal(info.gpuLayers, 0);
    assert.ok(info.memoryEstimate.ramBytes > 1_000_000, `memory estimate ${info.memoryEstimate.ramBytes}`);
  });

  after(async () => {
    await engine?.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  it("runs in its own process", () => {
    assert.ok(engine.pid !== undefined && engine.pid !== process.pid);
    assert.ok(isAlive(engine.pid));
  });

  it("runs with Hearth's memory settings, and the user's environment wins", async () => {
    assert.equal(environmentOf(engine.pid, "MALLOC_ARENA_MAX"), process.env.MALLOC_ARENA_MAX ?? "2");
    assert.equal(environmentOf(engine.pid, "MALLOC_MMAP_THRESHOLD_"), process.env.MALLOC_MMAP_THRESHOLD_ ?? "131072");
    assert.ok(commandLineOf(engine.pid).includes("--max-semi-space-size=1"), commandLineOf(engine.pid).join(" "));
    const other = startEngine({ env: { ...process.env, MALLOC_ARENA_MAX: "4", MALLOC_MMAP_THRESHOLD_: "65536" } });
    const untuned = new EngineClient({ enginePath, memoryTuning: false, env: { ...process.env, MALLOC_ARENA_MAX: undefined, MALLOC_MMAP_THRESHOLD_: undefined } });
    try {
      await Promise.all([other.request("status", {}), untuned.request("status", {})]);
      assert.equal(environmentOf(other.pid, "MALLOC_ARENA_MAX"), "4");
      assert.equal(environmentOf(other.pid, "MALLOC_MMAP_THRESHOLD_"), "65536");
      assert.equal(environmentOf(untuned.pid, "MALLOC_ARENA_MAX"), undefined);
      assert.equal(environmentOf(untuned.pid, "MALLOC_MMAP_THRESHOLD_"), undefined);
      assert.ok(!commandLineOf(untuned.pid).includes("--max-semi-space-size=1"));
    } finally {
      await Promise.all([other.dispose(), untuned.dispose()]);
    }
  });

  it("continues \"Once upon a time\" greedily like the reference", async () => {
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 12, temperature: 0 });
    assert.ok(result.text.startsWith(LILY), JSON.stringify(result.text));
    assert.equal(result.stopReason, "maxTokens");
    assert.equal(result.stats.generatedTokens, 12);
  });

  it("streams the text token by token", async () => {
    const chunks: string[] = [];
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 16, temperature: 0 }, {
      onStream: (chunk) => chunks.push(chunk),
    });
    assert.ok(chunks.length >= 8, `expected many chunks, got ${chunks.length}`);
    assert.equal(chunks.join(""), result.text);
  });

  it("reuses the common prompt prefix: typing along evaluates only the new tokens", async () => {
    const first = await engine.request("complete", { prompt: "Once upon a time, there was a little", maxTokens: 4, temperature: 0 });
    assert.ok(first.stats.promptTokens > 5);
    const second = await engine.request("complete", { prompt: "Once upon a time, there was a little girl", maxTokens: 4, temperature: 0 });
    assert.ok(second.stats.reusedTokens >= first.stats.promptTokens - 1, JSON.stringify(second.stats));
    assert.ok(second.stats.evaluatedTokens <= 3, JSON.stringify(second.stats));
    assert.equal(second.stats.reusedTokens + second.stats.evaluatedTokens, second.stats.promptTokens);
  });

  it("stops at a stop string", async () => {
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 30, temperature: 0, stopStrings: ["girl"] });
    assert.equal(result.stopReason, "stopString");
    assert.equal(result.text, ", there was a little ");
  });

  it("aborts mid-generation within a token step", async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    let chunksAfterAbort = 0;
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 400, temperature: 0 }, {
      signal: controller.signal,
      onStream: () => {
        if (abortedAt) chunksAfterAbort += 1;
        else {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    assert.equal(result.stopReason, "aborted");
    assert.ok(result.stats.generatedTokens < 50, `generated ${result.stats.generatedTokens} tokens after abort`);
    assert.ok(chunksAfterAbort < 50);
  });

  it("a newer completion supersedes the one in flight", async () => {
    const slow = engine.request("complete", { prompt: "Once upon a time", maxTokens: 400, temperature: 0 });
    const fast = engine.request("complete", { prompt: "Once upon a time", maxTokens: 3, temperature: 0 });
    const [older, newer] = await Promise.all([slow, fast]);
    assert.equal(older.stopReason, "aborted");
    assert.equal(newer.stopReason, "maxTokens");
  });

  it("refuses a missing file and keeps the previous model serving", async () => {
    await assert.rejects(
      engine.request("loadModel", { role: "completion", modelPath: join(scratch, "nope.gguf"), settings: testLoadSettings }),
      (error: EngineRequestError) => error.code === "modelNotFound" && /not found/.test(error.message),
    );
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 8, temperature: 0 });
    assert.ok(result.text.startsWith(", there was"));
  });

  it("refuses a file that is not GGUF, a directory and a truncated GGUF, and keeps serving", async () => {
    const text = join(scratch, "readme.gguf");
    await writeFile(text, "This is not a model, just some text that is long enough.");
    await assert.rejects(engine.request("loadModel", { role: "completion", modelPath: text, settings: testLoadSettings }),
      (error: EngineRequestError) => error.code === "notGguf" && /not a GGUF file/.test(error.message));
    await assert.rejects(engine.request("loadModel", { role: "completion", modelPath: scratch, settings: testLoadSettings }),
      (error: EngineRequestError) => error.code === "notGguf");
    const truncated = join(scratch, "truncated.gguf");
    await writeFile(truncated, (await readFile(stories)).subarray(0, 200_000));
    await assert.rejects(engine.request("loadModel", { role: "completion", modelPath: truncated, settings: testLoadSettings }),
      (error: EngineRequestError) => error.code === "loadFailed" && /truncated|corrupt/.test(error.message));
    const status = await engine.request("status", {});
    assert.deepEqual(status.models.map((model) => model.displayName), ["stories260K"]);
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 8, temperature: 0 });
    assert.ok(result.text.startsWith(", there was"));
  });

  it("switches the model without restarting the process", async () => {
    const pid = engine.pid;
    const copy = join(scratch, "tiny-copy.gguf");
    await copyFile(stories, copy);
    const info = await engine.request("loadModel", { role: "completion", modelPath: copy, settings: testLoadSettings });
    assert.equal(info.displayName, "tiny-copy");
    assert.equal(engine.pid, pid);
    const status = await engine.request("status", {});
    assert.deepEqual(status.models.map((model) => model.displayName), ["tiny-copy"], "the previous model is freed");
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 8, temperature: 0 });
    assert.ok(result.text.startsWith(", there was"));
    await engine.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
  });

  it("shares one loaded file between the completion and chat roles", async () => {
    await engine.request("loadModel", { role: "chat", modelPath: stories, settings: testLoadSettings });
    const status = await engine.request("status", {});
    assert.deepEqual(status.models.map((model) => model.role).sort(), ["chat", "completion"]);
    const link = join(scratch, "link.gguf");
    await symlink(stories, link);
    await engine.request("loadModel", { role: "chat", modelPath: link, settings: testLoadSettings });
    await engine.request("loadModel", { role: "chat", modelPath: stories, settings: testLoadSettings });
  });

  it("streams a chat reply and can stop it", async () => {
    const chunks: string[] = [];
    const reply = await engine.request("chat", {
      conversationId: "c1", history: [], message: "Tell me a story.", maxTokens: 24, temperature: 0,
    }, { onStream: (chunk) => chunks.push(chunk) });
    assert.ok(chunks.length > 3, `chunks: ${chunks.length}`);
    assert.equal(chunks.join(""), reply.text);
    assert.ok(reply.text.trim().length > 0);

    const controller = new AbortController();
    const stopped = await engine.request("chat", {
      conversationId: "c1", history: [{ role: "user", text: "Tell me a story." }, { role: "assistant", text: reply.text }],
      message: "And then?", maxTokens: 400, temperature: 0,
    }, { signal: controller.signal, onStream: () => controller.abort() });
    assert.equal(stopped.stopReason, "aborted");
  });

  it("streams nothing after Stop, and a stopped chat reply is exactly what was streamed", async () => {
    for (const stopAt of [1, 3, 6]) {
      const chunks: string[] = [];
      const controller = new AbortController();
      const stopped = await engine.request("chat", {
        conversationId: `stop-${stopAt}`, history: [], message: "Tell me a long story about a dog.", maxTokens: 400, temperature: 0,
      }, {
        signal: controller.signal,
        onStream: (chunk) => {
          chunks.push(chunk);
          if (chunks.length === stopAt) controller.abort();
        },
      });
      assert.equal(stopped.stopReason, "aborted");
      // Chunks already on their way when the engine saw the abort still arrive (the session drops them); the reply holds no more than that.
      assert.equal(stopped.text, chunks.join(""), `stopped after ${stopAt} chunks: the reply differs from what was streamed`);
    }
  });

  it("continues a reply cut by maxTokens from where it stopped, streaming only the new text", async () => {
    const params = { conversationId: "continue", history: [], message: "Once upon a time", temperature: 0 };
    const whole = await engine.request("chat", { ...params, maxTokens: 24 });
    const first = await engine.request("chat", { ...params, maxTokens: 12 });
    assert.equal(first.stopReason, "maxTokens");
    const chunks: string[] = [];
    const rest = await engine.request("chat", { ...params, maxTokens: 12, responsePrefix: first.text }, { onStream: (chunk) => chunks.push(chunk) });
    assert.equal(rest.text, chunks.join(""), "the result is the streamed text");
    assert.ok(rest.text.length > 0, "nothing was added");
    assert.ok(!rest.text.startsWith(first.text), "the continuation repeats the reply so far");
    // Greedy: twelve tokens and twelve more write what twenty-four did at once.
    assert.equal(first.text + rest.text, whole.text);
  });

  it("drops the oldest chat turns when the history overflows the context, and says so", async () => {
    const story = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. ".repeat(3);
    const history = Array.from({ length: 12 }, (_, index) => ({ role: index % 2 ? "assistant" as const : "user" as const, text: `${index}: ${story}` }));
    const reply = await engine.request("chat", { conversationId: "long", history, message: "What happened next?", maxTokens: 8, temperature: 0 });
    assert.ok(reply.droppedTurns > 0, `dropped ${reply.droppedTurns}`);
    assert.ok(reply.droppedTurns < history.length);
    assert.equal(reply.stats.generatedTokens > 0, true);
  });

  it("rejects pending requests when the engine is killed, then restarts and reloads the model", async () => {
    const pid = engine.pid;
    assert.ok(pid);
    const exits: boolean[] = [];
    const listener = engine.onExit((exit) => exits.push(exit.crashed));
    const pending = engine.request("complete", { prompt: "Once upon a time", maxTokens: 400, temperature: 0 }, {
      onStream: () => process.kill(pid, "SIGKILL"),
    });
    await assert.rejects(pending, (error: EngineRequestError) => error.code === "engineCrashed");
    await waitFor(() => exits.length === 1);
    assert.deepEqual(exits, [true]);
    listener.dispose();
    // No explicit load: the client restores what was loaded before the crash.
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 8, temperature: 0 });
    assert.ok(result.text.startsWith(", there was"));
    assert.notEqual(engine.pid, pid);
  });

  it("describes model files from their GGUF header", async () => {
    const description = await engine.request("describeModel", { path: stories });
    assert.equal(description.architecture, "llama");
    assert.equal(description.quantization, "F32");
    assert.equal(description.trainedContextSize, 2048);
    assert.equal(description.fim, null);
    assert.equal(description.vocabularyOnly, false);
    assert.ok(description.parameterCount && description.parameterCount > 200_000 && description.parameterCount < 400_000, String(description.parameterCount));
    const vocab = await engine.request("describeModel", { path: sharedModelPath("vocab/ggml-vocab-deepseek-coder.gguf") });
    assert.equal(vocab.vocabularyOnly, true, "tokenizer-only files are recognised");
    assert.equal(vocab.fim?.name, "deepseek");
    const starcoder = await engine.request("describeModel", { path: sharedModelPath("vocab/ggml-vocab-starcoder.gguf") });
    assert.equal(starcoder.fim?.name, "starcoder");
    await assert.rejects(engine.request("describeModel", { path: join(scratch, "readme.gguf") }), (error: EngineRequestError) => error.code === "notGguf");
  });

  it("stops the process on dispose", async () => {
    const other = startEngine();
    await other.request("status", {});
    const pid = other.pid;
    assert.ok(pid && isAlive(pid));
    await other.dispose();
    await waitFor(() => !isAlive(pid));
  });
});

describe("engine memory and context limits", function () {
  this.timeout(60_000);

  it("refuses a model larger than free memory before loading it", async () => {
    const engine = startEngine({ env: { ...process.env, HEARTH_ENGINE_FREE_MEMORY: String(256 * 1024) } });
    try {
      await assert.rejects(
        engine.request("loadModel", { role: "completion", modelPath: sharedModelPath("stories260K.gguf"), settings: testLoadSettings }),
        (error: EngineRequestError) => error.code === "insufficientMemory" && /needs about .* but only 256 KB is free/.test(error.message),
      );
      assert.deepEqual((await engine.request("status", {})).models, []);
    } finally {
      await engine.dispose();
    }
  });

  it("caps the context size at the model's trained length", async () => {
    const engine = startEngine();
    try {
      const info = await engine.request("loadModel", {
        role: "completion", modelPath: sharedModelPath("stories260K.gguf"), settings: { ...testLoadSettings, contextSize: 1_000_000 },
      });
      assert.equal(info.trainedContextSize, 2048);
      assert.equal(info.contextSize, 2048);
    } finally {
      await engine.dispose();
    }
  });
});

describe("engine crash loop protection", function () {
  this.timeout(60_000);

  it("stops restarting after three crashes within the window", async () => {
    const engine = startEngine({ maxCrashes: 3, crashWindowMs: 60_000 });
    try {
      let gaveUp = false;
      engine.onExit((exit) => { gaveUp = exit.gaveUp; });
      for (let crash = 0; crash < 3; crash++) {
        await engine.request("status", {});
        const pid = engine.pid;
        assert.ok(pid);
        process.kill(pid, "SIGKILL");
        await waitFor(() => !engine.isRunning);
      }
      assert.equal(gaveUp, true);
      await assert.rejects(engine.request("status", {}), (error: EngineRequestError) => error.code === "engineCrashed" && /repeatedly/.test(error.message));
      engine.resetCrashCounter();
      const status = await engine.request("status", {});
      assert.ok(status.pid > 0);
    } finally {
      await engine.dispose();
    }
  });
});
