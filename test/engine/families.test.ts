import { strict as assert } from "node:assert";
import type { EngineClient } from "../../src/core/engine/engineClient";
import type { FimFormatName } from "../../src/core/fim/fimFormat";
import { getTestModel, suiteModels, type TestModelSpec } from "../support/models";
import { startEngine, testLoadSettings } from "./engineHarness";

/** Hearth's FIM format name for each factory model's FIM prefix token. */
const EXPECTED_FIM: Record<string, FimFormatName> = {
  "stories260K-fim": "starcoder",
  "qwen2.5-coder": "qwen",
  "deepseek-coder": "deepseek",
  starcoder2: "starcoder",
  codellama: "codellama",
  codestral: "codestral",
  codegemma: "codegemma",
};

/**
 * Every model family a user may bring, as a tiny real GGUF from the model factory, loaded
 * through Hearth's own engine process. These prove loading, templating and FIM wiring,
 * not answer quality (the weights are random).
 */
describe("model families through the Hearth engine", function () {
  this.timeout(120_000);
  let engine: EngineClient;

  before(() => {
    engine = startEngine();
  });
  after(async () => {
    await engine?.dispose();
  });

  const models = suiteModels().filter((spec) => spec.kind === "model" && spec.name !== "stories260K");

  it("covers every seed family and coder FIM format", () => {
    const names: string[] = models.map((spec) => spec.name);
    for (const family of ["llama3", "mixtral", "phi3", "gemma", "mpt", "falcon"]) assert.ok(names.includes(family), family);
    for (const coder of Object.keys(EXPECTED_FIM)) assert.ok(names.includes(coder), coder);
  });

  for (const spec of models.filter((model) => model.role !== "completion")) {
    it(`${spec.name}: loads as ${spec.architecture}, resolves ${spec.expectedChatWrapper}, streams a chat turn`, async () => {
      const path = await getTestModel(spec.name);
      const info = await engine.request("loadModel", { role: "chat", modelPath: path, settings: testLoadSettings });
      assert.equal(info.architecture, spec.architecture);
      assert.equal(info.chatWrapperType, spec.expectedChatWrapper);
      await chatTurn(spec);
    });
  }

  for (const spec of models.filter((model) => model.fim !== undefined)) {
    it(`${spec.name}: detected as the ${EXPECTED_FIM[spec.name]} FIM format and runs an infill request`, async () => {
      const path = await getTestModel(spec.name);
      const description = await engine.request("describeModel", { path });
      assert.equal(description.fim?.name, EXPECTED_FIM[spec.name], "from the GGUF header");
      const info = await engine.request("loadModel", { role: "completion", modelPath: path, settings: testLoadSettings });
      assert.equal(info.fim?.name, EXPECTED_FIM[spec.name], "from the loaded vocabulary");
      assert.equal(info.fim?.tokens.prefix, spec.fim?.prefix);
      assert.equal(info.fim?.tokens.suffix, spec.fim?.suffix);
      assert.equal(info.fim?.tokens.middle, spec.fim?.middle);
      if (spec.fim?.fileSep) assert.equal(info.fim?.tokens.fileSep, spec.fim.fileSep);
      const result = await engine.request("infill", {
        prefix: "function add(a, b) {\n", currentLine: "  return", suffix: "\n}\n", filePath: "src/add.js",
        chunks: [{ filePath: "src/util.js", text: "export const one = 1;" }],
        maxTokens: 4, temperature: 0,
      });
      assert.ok(result.prompt.includes(info.fim?.tokens.prefix ?? "?"), result.prompt);
      assert.ok(result.prompt.endsWith(info.fim?.name === "codestral" ? "function add(a, b) {\n  return" : `${info.fim?.tokens.middle}  return`), result.prompt);
      assert.ok(result.stats.promptTokens > 10);
    });
  }

  it("the models without FIM tokens are reported as such", async () => {
    const info = await engine.request("loadModel", { role: "completion", modelPath: await getTestModel("llama3"), settings: testLoadSettings });
    assert.equal(info.fim, null);
    await assert.rejects(engine.request("infill", { prefix: "a", currentLine: "b", suffix: "c", maxTokens: 2, temperature: 0 }),
      /no fill-in-the-middle tokens/);
  });

  async function chatTurn(spec: TestModelSpec): Promise<void> {
    const chunks: string[] = [];
    const reply = await engine.request("chat", {
      conversationId: spec.name, systemPrompt: "You are a test.", history: [], message: "Hello!", maxTokens: 4, temperature: 0,
    }, { onStream: (chunk) => chunks.push(chunk) });
    assert.ok(reply.stats.generatedTokens >= 1, `${spec.name} generated ${reply.stats.generatedTokens} tokens`);
    assert.equal(chunks.join(""), reply.text);
  }
});

describe("LoRA adapters through the Hearth engine", function () {
  this.timeout(60_000);

  it("loads an adapter with the model and it changes the output", async () => {
    const engine = startEngine();
    try {
      const base = await getTestModel("stories260K");
      const adapter = await getTestModel("stories260K-lora");
      await engine.request("loadModel", { role: "completion", modelPath: base, settings: testLoadSettings });
      const plain = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 16, temperature: 0 });
      const info = await engine.request("loadModel", {
        role: "completion", modelPath: base, settings: { ...testLoadSettings, loraAdapters: [{ filePath: adapter }] },
      });
      assert.deepEqual(info.loraAdapters, [{ filePath: adapter }]);
      const adapted = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 16, temperature: 0 });
      assert.notEqual(adapted.text, plain.text);
      await assert.rejects(engine.request("loadModel", {
        role: "completion", modelPath: base, settings: { ...testLoadSettings, loraAdapters: [{ filePath: `${adapter}.missing` }] },
      }), /not found/);
      const still = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 16, temperature: 0 });
      assert.equal(still.text, adapted.text, "a failed adapter load leaves the previous model serving");
    } finally {
      await engine.dispose();
    }
  });
});

describe("FIM prefix reuse through the Hearth engine (stories260K-fim)", function () {
  this.timeout(60_000);

  for (const contextSize of [512, 2048]) {
    it(`typing five characters on the current line evaluates at most the new tokens plus two (context ${contextSize})`, async () => {
      const engine = startEngine();
      try {
        await engine.request("loadModel", {
          role: "completion", modelPath: await getTestModel("stories260K-fim"), settings: { ...testLoadSettings, contextSize },
        });
        const base = {
          prefix: "Once upon a time, there was a little girl named Lily.\nShe loved to play outside.\n",
          suffix: "\nThe end.\n", maxTokens: 8, temperature: 0,
        };
        const first = await engine.request("infill", { ...base, currentLine: "One day, she" });
        assert.equal(first.stats.reusedTokens, 0);
        const second = await engine.request("infill", { ...base, currentLine: "One day, she went" });
        const newTokens = second.stats.promptTokens - first.stats.promptTokens;
        assert.ok(newTokens > 0);
        assert.ok(second.stats.evaluatedTokens <= newTokens + 2, JSON.stringify({ newTokens, ...second.stats }));
        assert.equal(second.stats.reusedTokens + second.stats.evaluatedTokens, second.stats.promptTokens);
      } finally {
        await engine.dispose();
      }
    });
  }
});
