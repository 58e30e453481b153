import { strict as assert } from "node:assert";
import type { CompletionRequestRecord } from "../../../src/core/completion/completionPipeline";
import { escapeMarkdown, modelStatusView } from "../../../src/core/models/modelStatus";
import type { LoadedModelInfo } from "../../../src/protocol/engineProtocol";

function info(overrides: Partial<LoadedModelInfo> = {}): LoadedModelInfo {
  return {
    role: "completion", modelPath: "/models/tiny-stories-b.gguf", displayName: "tiny-stories-b", architecture: "llama",
    contextSize: 2048, trainedContextSize: 2048, threads: 4, fim: null, gpuLayers: 0, memoryEstimate: { ramBytes: 1, vramBytes: 0 },
    chatWrapper: "General", chatWrapperType: "GeneralChatWrapper", loraAdapters: [], loadMs: 120, promptTokensPerSecond: 100, ...overrides,
  };
}

const idle = { paused: false, busy: false };

describe("status bar text (modelStatusView)", () => {
  it("no model configured: says so and offers the picker", () => {
    const view = modelStatusView({ kind: "none" }, idle);
    assert.equal(view.text, "$(circle-slash) Hearth: no model");
    assert.match(view.tooltip, /Click to select a model/);
    assert.equal(view.tone, "normal");
  });

  it("after Unload Models: unloaded, loads on next use (not 'no model')", () => {
    const view = modelStatusView({ kind: "unloaded", name: "tiny-stories-b" }, idle);
    assert.equal(view.text, "$(circle-large-outline) Hearth: unloaded — loads on next use");
    assert.doesNotMatch(view.text, /no model/);
    assert.match(view.tooltip, /\*\*tiny\\-stories\\-b\*\* was unloaded to free memory\. It loads again on the next completion or chat message/);
    assert.equal(view.tone, "normal");
  });

  it("a failed load while the previous model serves: names the serving model and the failure, as a warning", () => {
    const view = modelStatusView({
      kind: "error", cause: "load", name: "notes", message: "/tmp/notes.gguf is not a GGUF file (it starts with \"# No\").",
      previous: info(),
    }, idle);
    assert.equal(view.text, "$(warning) Hearth: tiny-stories-b (last load failed)");
    assert.doesNotMatch(view.text, /Hearth: error/);
    assert.equal(view.tone, "warning");
    assert.match(view.tooltip, /tiny\\-stories\\-b\*\* is still serving: the last load failed/);
    assert.match(view.tooltip, /Could not load \*\*notes\*\*: \/tmp\/notes\\\.gguf is not a GGUF file/);
  });

  it("a failed load with nothing serving (a configured model at start-up): an error naming the model", () => {
    const view = modelStatusView({ kind: "error", cause: "load", name: "broken", message: "Model file not found: /m/broken.gguf." }, idle);
    assert.equal(view.text, "$(error) Hearth: broken failed to load");
    assert.equal(view.tone, "error");
    assert.match(view.tooltip, /Model file not found/);
    assert.match(view.tooltip, /Click to select a model/);
  });

  it("the engine stopped: an error, whatever served before", () => {
    const view = modelStatusView({ kind: "error", cause: "engine", name: "tiny-stories-b", message: "The Hearth engine stopped unexpectedly (SIGKILL).", previous: info() }, idle);
    assert.equal(view.text, "$(error) Hearth: engine stopped");
    assert.equal(view.tone, "error");
  });

  it("ready: thread and token counts in the right number", () => {
    assert.match(modelStatusView({ kind: "ready", info: info({ threads: 1 }) }, idle).tooltip, /Context 2,048 tokens, 1 thread, loaded in 120 ms/);
    assert.match(modelStatusView({ kind: "ready", info: info({ threads: 4 }) }, idle).tooltip, /, 4 threads,/);
    assert.doesNotMatch(modelStatusView({ kind: "ready", info: info({ threads: 1 }) }, idle).tooltip, /1 threads/);
  });

  it("ready: paused, busy and the last request's timings", () => {
    assert.equal(modelStatusView({ kind: "ready", info: info() }, idle).text, "$(hubot) Hearth: tiny-stories-b");
    assert.equal(modelStatusView({ kind: "ready", info: info() }, { paused: false, busy: true }).text, "$(loading~spin) Hearth: tiny-stories-b");
    const paused = modelStatusView({ kind: "ready", info: info() }, { paused: true, busy: true });
    assert.equal(paused.text, "$(debug-pause) Hearth: tiny-stories-b (paused)");
    assert.match(paused.tooltip, /Completions are paused/);
    const lastRequest: CompletionRequestRecord = {
      at: new Date(0), filePath: "/w/a.ts", model: "tiny-stories-b", fimFormat: null, prompt: "x", chunks: [], raw: "y", stopReason: "eog", speculative: false,
      stats: { promptMs: 12.4, reusedTokens: 30, promptTokens: 1, firstTokenMs: 20.2, generationMs: 80.7, evaluatedTokens: 1, generatedTokens: 3 },
    };
    assert.match(modelStatusView({ kind: "ready", info: info() }, { ...idle, lastRequest }).tooltip, /prompt 12 ms \(30 of 1 token reused\), first token 20 ms, total 81 ms/);
  });

  it("shows names and messages as written, not as Markdown", () => {
    assert.equal(escapeMarkdown("my_model *q4*"), "my\\_model \\*q4\\*");
    const view = modelStatusView({ kind: "unloaded", name: "a_b_c" }, idle);
    assert.match(view.tooltip, /a\\_b\\_c/);
  });
});
