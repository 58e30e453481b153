import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { EngineClient } from "../../src/core/engine/engineClient";
import type { SpanRule } from "../../src/core/completion/suggestionShape";
import { getTestModel } from "../support/models";
import { BLOCK_CHAIN_TEXT } from "../support/models/codeChain";
import { repoRoot, startEngine, testLoadSettings } from "./engineHarness";

const run = promisify(execFile);
const HEADER = "func area";

function rule(shape: SpanRule["shape"]): SpanRule {
  return { shape, languageId: "go", linePrefix: HEADER, tabSize: 4, baseIndent: 0, nextLineAllowed: true };
}

/**
 * block-chain-260K writes "() {\n  run;" after `func area`: a first line that opens a block.
 * The engine's stop rule must keep generating past that line break for a request that may
 * become a block, and stop there for a one-line request.
 */
describe("block-chain-260K: the engine's stop rule follows the suggestion's shape (real engine)", function () {
  this.timeout(60_000);
  let engine: EngineClient;
  let modelPath: string;
  let scratch: string;

  before(async () => {
    modelPath = await getTestModel("block-chain-260K");
    scratch = await mkdtemp(join(tmpdir(), "hearth-block-chain-"));
    engine = startEngine();
    await engine.request("loadModel", { role: "completion", modelPath, settings: testLoadSettings });
  });

  after(async () => {
    await engine?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("without a stop rule the model writes the header's rest and the body", async () => {
    const result = await engine.request("complete", { prompt: HEADER, maxTokens: 32, temperature: 0 });
    assert.equal(result.text, BLOCK_CHAIN_TEXT);
  });

  it("a line that may open a block: the first line ends in '{', so generation goes on through the body", async () => {
    const result = await engine.request("complete", { prompt: HEADER, maxTokens: 32, temperature: 0, span: rule("line-or-block") });
    assert.equal(result.text, BLOCK_CHAIN_TEXT);
    assert.equal(result.stopReason, "eog");
  });

  it("a line that may open a block gets the block's budget only once its first line is done", async () => {
    // "() {\n" is five tokens: with a first-line budget of five the line ends in time and the body follows.
    const inTime = await engine.request("complete", { prompt: HEADER, maxTokens: 32, firstLineMaxTokens: 5, temperature: 0, span: rule("line-or-block") });
    assert.equal(inTime.text, BLOCK_CHAIN_TEXT);
    assert.equal(inTime.stopReason, "eog");
    // With four, the line is still open when its budget is spent: the request ends there, as a one-line one would.
    const cut = await engine.request("complete", { prompt: HEADER, maxTokens: 32, firstLineMaxTokens: 4, temperature: 0, span: rule("line-or-block") });
    assert.equal(cut.text, "() {");
    assert.equal(cut.stopReason, "maxTokens");
    assert.equal(cut.stats.generatedTokens, 4);
  });

  it("a one-line request stops at the first line break, token by token", async () => {
    const result = await engine.request("complete", { prompt: HEADER, maxTokens: 32, temperature: 0, span: rule("line") });
    assert.equal(result.text, "() {");
    assert.equal(result.stopReason, "stopString");
    assert.ok(result.stats.generatedTokens < 8, `stopped early: ${result.stats.generatedTokens} tokens`);
  });

  it("reaches the user as the signature and its body through the CLI", async () => {
    const file = join(scratch, "shapes.go");
    await writeFile(file, `package shapes\n\n${HEADER}`);
    const { stdout } = await run(process.execPath, [
      join(repoRoot, "dist", "cli.js"), "complete", "--file", file, "--line", "3", "--column", String(HEADER.length + 1),
      "--model", modelPath, "--json", "--threads", "1",
    ]);
    const output: unknown = JSON.parse(stdout);
    assert.ok(typeof output === "object" && output !== null && "text" in output && "mode" in output, stdout);
    assert.equal(output.text, BLOCK_CHAIN_TEXT);
    assert.equal(output.mode, "multi-line");
  });
});
