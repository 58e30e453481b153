import { strict as assert } from "node:assert";
import type { EngineClient } from "../../src/core/engine/engineClient";
import type { DocumentSnapshot } from "../../src/core/completion/documentSnapshot";
import { DEFAULT_LAYOUT, fimInputFor } from "../../src/core/completion/promptLayout";
import type { CompleteResult, InfillParams } from "../../src/protocol/engineProtocol";
import { getTestModel, type TestModelName } from "../support/models";
import { startEngine, testLoadSettings } from "./engineHarness";

/** Lines of code above the cursor: enough for a prefix window of several steps. */
function codeLines(count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, index) => `let value${from + index} = compute(${from + index});`);
}

function snapshot(text: string, offset: number): DocumentSnapshot {
  return { uri: "file:///work/typing.ts", languageId: "typescript", filePath: "src/typing.ts", text, offset, indent: { useTabs: false, size: 2 } };
}

const ask = (engine: EngineClient, document: DocumentSnapshot, extra: Partial<InfillParams> = {}): Promise<CompleteResult> =>
  engine.request("infill", { ...fimInputFor(document, [], { ...DEFAULT_LAYOUT, suffixLines: 8 }), maxTokens: 1, temperature: 0, ...extra });

/**
 * The KV-cache reuse the completion prompt is laid out for (DESIGN.md "Prompt layout for cache
 * reuse"), through the real engine and real tokenizers of several FIM formats: typing, Enter
 * included, evaluates only the new tokens; a window step, a removed chunk and a cursor jump back
 * reuse cached runs at shifted positions; a cold request fits its time budget and idle prefill
 * makes the whole prompt free for the next one.
 */
describe("prompt reuse through the Hearth engine", function () {
  this.timeout(120_000);
  const models: TestModelName[] = ["stories260K-fim", "qwen2.5-coder", "codellama", "codestral", "deepseek-coder", "starcoder2", "codegemma"];

  for (const name of models) {
    describe(name, () => {
      let engine: EngineClient;
      before(async () => {
        engine = startEngine();
        await engine.request("loadModel", { role: "completion", modelPath: await getTestModel(name), settings: { ...testLoadSettings, contextSize: 4096 } });
      });
      after(async () => engine?.dispose());

      it("typing along, Enter included, evaluates at most the new tokens plus two", async () => {
        const above = codeLines(40).join("\n") + "\n";
        const below = "\n" + codeLines(10, 100).join("\n") + "\n";
        const typed = "if (ready) {\n  start(value1);\n\n  stop();\n}\n";
        let previous: CompleteResult | undefined;
        const rows: { key: string; newTokens: number; evaluated: number }[] = [];
        for (let index = 0; index < typed.length; index++) {
          const text = above + typed.slice(0, index + 1) + below;
          const result = await ask(engine, snapshot(text, above.length + index + 1));
          if (previous) rows.push({ key: typed[index], newTokens: Math.max(0, result.stats.promptTokens - previous.stats.promptTokens), evaluated: result.stats.evaluatedTokens });
          assert.equal(result.stats.reusedTokens + result.stats.evaluatedTokens, result.stats.promptTokens);
          previous = result;
        }
        const within = rows.filter((row) => row.evaluated <= row.newTokens + 2);
        assert.ok(within.length >= 0.9 * rows.length, JSON.stringify(rows.filter((row) => !within.includes(row))));
        const enters = rows.filter((row) => row.key === "\n");
        assert.equal(enters.length, 5);
        for (const enter of enters) assert.ok(enter.evaluated <= enter.newTokens + 2, `Enter evaluated ${JSON.stringify(enter)}`);
      });

      it("a window step evaluates the suffix again but reuses the prefix and the recent lines at shifted positions", async () => {
        const lines = codeLines(200);
        const step = DEFAULT_LAYOUT.windowStep;
        // The cursor at the end of line 2·step−1, then Enter: the prefix window steps.
        const before = lines.slice(0, 2 * step).join("\n");
        const after = "\n" + lines.slice(2 * step).join("\n");
        const first = await ask(engine, snapshot(before + after, before.length));
        const second = await ask(engine, snapshot(before + "\n" + after, before.length + 1));
        const report = `${JSON.stringify(second.stats)} (first ${first.stats.promptTokens})`;
        // Codestral's order puts the suffix first: the recent lines join the prefix where they are.
        if (name !== "codestral") assert.ok(second.stats.shiftedTokens !== undefined && second.stats.shiftedTokens > 0, report);
        assert.ok(second.stats.evaluatedTokens < second.stats.promptTokens / 2, report);
      });

      it("a context chunk that is gone costs nothing: what follows it is kept at shifted positions", async () => {
        const text = codeLines(20).join("\n") + "\n";
        const chunk = (file: string) => ({ filePath: `src/${file}.ts`, text: codeLines(12, file.length * 100).join("\n") });
        const document = snapshot(text, text.length);
        await ask(engine, document, { chunks: [chunk("a"), chunk("bb"), chunk("ccc")] });
        const result = await ask(engine, document, { chunks: [chunk("a"), chunk("ccc")] });
        assert.ok(result.stats.evaluatedTokens <= 2, JSON.stringify(result.stats));
        assert.ok((result.stats.shiftedTokens ?? 0) > 0, JSON.stringify(result.stats));
      });
    });
  }

  describe("a context smaller than the prompt (qwen2.5-coder, context 512)", () => {
    let engine: EngineClient;
    before(async () => {
      engine = startEngine();
      await engine.request("loadModel", { role: "completion", modelPath: await getTestModel("qwen2.5-coder"), settings: { ...testLoadSettings, contextSize: 512 } });
    });
    after(async () => engine?.dispose());

    it("keeps the FIM tokens and the nearest lines, leaves out chunks and far lines, and reuses the prompt on the next keystroke", async () => {
      const text = codeLines(200, 9000).join("\n") + "\n  ";
      const chunks = [{ filePath: "src/other.ts", text: codeLines(40, 500).join("\n") }];
      const document = snapshot(text, text.length);
      const first = await ask(engine, document, { chunks, maxTokens: 4 });
      // Without the cap the context shifted out the prompt's start, the FIM prefix token with it.
      assert.ok(first.stats.promptTokens <= 512 - 128, JSON.stringify(first.stats));
      assert.ok(first.prompt.startsWith("<|fim_prefix|>") || first.prompt.includes("<|fim_prefix|>"), first.prompt.slice(0, 200));
      assert.ok(first.prompt.includes("<|fim_suffix|>") && first.prompt.includes("<|fim_middle|>"));
      assert.ok(first.prompt.includes("value9199"), "the line nearest the cursor stays");
      assert.ok(!first.prompt.includes("value9000 "), "the farthest line is left out");
      const next = await ask(engine, snapshot(text + "x", text.length + 1), { chunks, maxTokens: 4 });
      assert.ok(next.stats.evaluatedTokens <= 3, JSON.stringify(next.stats));
    });

    it("a plain prompt longer than the context keeps its end", async () => {
      const prompt = codeLines(200, 7000).join("\n") + "\nlet last = ";
      const result = await engine.request("complete", { prompt, maxTokens: 4, temperature: 0 });
      assert.ok(result.stats.promptTokens <= 512 - 128, JSON.stringify(result.stats));
      assert.ok(result.prompt.endsWith("let value7199 = compute(7199);\nlet last = "), result.prompt.slice(-80));
      assert.ok(!result.prompt.includes("value7000 "), "the start is left out");
    });
  });

  describe("time budget and idle prefill (qwen2.5-coder)", () => {
    let engine: EngineClient;
    before(async () => {
      engine = startEngine();
      const info = await engine.request("loadModel", { role: "completion", modelPath: await getTestModel("qwen2.5-coder"), settings: { ...testLoadSettings, contextSize: 4096 } });
      assert.ok(info.promptTokensPerSecond > 0, "prompt speed measured at load");
    });
    after(async () => engine?.dispose());

    it("a cold request leaves out far context to fit its budget; after a prefill the next keystroke gets it all for its new tokens", async () => {
      const text = codeLines(90).join("\n") + "\n  ";
      const chunks = [{ filePath: "src/other.ts", text: codeLines(30, 500).join("\n") }];
      const document = snapshot(text, text.length);
      // A 1 ms budget allows the 32-token minimum: far prefix lines and the chunk are left out.
      const cold = await ask(engine, document, { chunks, promptBudgetMs: 1 });
      assert.ok((cold.stats.leftOutTokens ?? 0) > 0, JSON.stringify(cold.stats));
      assert.ok(cold.stats.evaluatedTokens <= 64, JSON.stringify(cold.stats));
      assert.ok(cold.prompt.includes("value89"), "the lines nearest the cursor stay");
      assert.ok(!cold.prompt.includes("value0 "), "the farthest line is left out");
      const prefill = await engine.request("prefill", { fim: { ...fimInputFor(document, chunks, { ...DEFAULT_LAYOUT, suffixLines: 8 }) } });
      assert.equal(prefill.ran, true);
      assert.equal(prefill.complete, true);
      assert.ok(prefill.evaluatedTokens > 100, JSON.stringify(prefill));
      const typed = snapshot(text + "x", text.length + 1);
      const warm = await ask(engine, typed, { chunks, promptBudgetMs: 1 });
      assert.equal(warm.stats.leftOutTokens, 0, JSON.stringify(warm.stats));
      assert.ok(warm.stats.evaluatedTokens <= 3, JSON.stringify(warm.stats));
      assert.ok(warm.prompt.includes("value0 ") && warm.prompt.includes("src/other.ts"), "the whole prompt");
    });

    it("after a cold request cut to its budget, typing along, Enter included, evaluates only the new tokens until a prefill", async () => {
      const above = codeLines(90, 3000).join("\n") + "\n";
      const below = "\n" + codeLines(24, 4000).join("\n") + "\n";
      const chunks = [{ filePath: "src/far.ts", text: codeLines(30, 5000).join("\n") }];
      const typed = "if (ready) {\n  go();\n}\n";
      const cold = await ask(engine, snapshot(above + below, above.length), { chunks, promptBudgetMs: 1 });
      assert.ok((cold.stats.leftOutTokens ?? 0) > 0, JSON.stringify(cold.stats));
      let previous = cold;
      for (let index = 0; index < typed.length; index++) {
        const result = await ask(engine, snapshot(above + typed.slice(0, index + 1) + below, above.length + index + 1), { chunks, promptBudgetMs: 1 });
        const newTokens = Math.max(0, result.stats.promptTokens - previous.stats.promptTokens);
        assert.ok(result.stats.evaluatedTokens <= newTokens + 2, `after ${JSON.stringify(typed.slice(0, index + 1))}: ${JSON.stringify(result.stats)}`);
        assert.ok((result.stats.leftOutTokens ?? 0) > 0, "the far context waits for a prefill");
        previous = result;
      }
    });

    it("a file just opened: a prefill first evaluates the prompt a request would cut to its budget, so a pause too short for the whole prompt still makes the first keystroke cheap", async () => {
      const text = codeLines(280, 7000).join("\n") + "\n";
      const layout = { ...DEFAULT_LAYOUT, prefixLines: 300, prefixChars: 20_000, suffixLines: 8 };
      const document = snapshot(text, text.length);
      // A pause of 150 ms: long enough for the budgeted prompt (the 32-token minimum), far too short for the whole one.
      const prefill = await engine.request("prefill", { fim: fimInputFor(document, [], layout), promptBudgetMs: 1 }, { signal: AbortSignal.timeout(150) });
      assert.equal(prefill.ran, true, JSON.stringify(prefill));
      const typed = snapshot(text + "x", text.length + 1);
      const first = await engine.request("infill", { ...fimInputFor(typed, [], layout), maxTokens: 1, temperature: 0, promptBudgetMs: 1 });
      // Cold, the request would evaluate its 32-token minimum; prefilled, the typed "x" and the token left for it.
      assert.ok(first.stats.evaluatedTokens <= 4, `${JSON.stringify(prefill)} then ${JSON.stringify(first.stats)}`);
    });

    it("a request preempts a running prefill, which keeps what it evaluated for later", async () => {
      const text = codeLines(280, 1000).join("\n") + "\n";
      const document = snapshot(text, text.length);
      const layout = { ...DEFAULT_LAYOUT, prefixLines: 300, prefixChars: 20_000 };
      const prefilling = engine.request("prefill", { fim: fimInputFor(document, [], layout) });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const request = await ask(engine, snapshot("let x = 1;\n", 11));
      const prefill = await prefilling;
      assert.equal(request.stopReason === "aborted", false);
      assert.equal(prefill.ran, true, JSON.stringify(prefill));
      assert.equal(prefill.complete, false, JSON.stringify(prefill));
      // The prefill went to the other sequence: resuming it evaluates only what is left.
      const resumed = await engine.request("prefill", { fim: fimInputFor(document, [], layout) });
      assert.ok(resumed.reusedTokens >= prefill.evaluatedTokens, `${JSON.stringify(prefill)} then ${JSON.stringify(resumed)}`);
    });

    it("a prefill never interrupts a request", async () => {
      const text = codeLines(60).join("\n") + "\n";
      const request = engine.request("infill", { ...fimInputFor(snapshot(text, text.length)), maxTokens: 24, temperature: 0, reusePrefix: false });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const prefill = await engine.request("prefill", { fim: fimInputFor(snapshot(text + "y", text.length + 1)) });
      const result = await request;
      assert.notEqual(result.stopReason, "aborted");
      assert.equal(prefill.ran, false);
    });
  });
});
