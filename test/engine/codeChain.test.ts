import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { EngineClient } from "../../src/core/engine/engineClient";
import { getTestModel } from "../support/models";
import { CODE_CHAIN_TEXT } from "../support/models/codeChain";
import { repoRoot, startEngine, testLoadSettings } from "./engineHarness";

const run = promisify(execFile);
const OPENER = "function add(a: number, b: number) {\n";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * code-chain-260K is the one test model that writes code: a hand-built bigram chain that,
 * greedily, continues an indented empty line with CODE_CHAIN_TEXT and stops. These tests prove
 * it loads in Hearth's real engine and that its answer reaches the user as a multi-line
 * suggestion through the real completion pipeline (the CLI), untouched by post-processing.
 */
describe("code-chain-260K: a hand-built model that writes code (real engine)", function () {
  this.timeout(60_000);
  let engine: EngineClient;
  let modelPath: string;
  let scratch: string;

  before(async () => {
    modelPath = await getTestModel("code-chain-260K");
    scratch = await mkdtemp(join(tmpdir(), "hearth-code-chain-"));
    engine = startEngine();
  });

  after(async () => {
    await engine?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("passes the engine's header check and loads as a completion model without FIM", async () => {
    const description = await engine.request("describeModel", { path: modelPath });
    assert.equal(description.architecture, "llama");
    assert.equal(description.vocabularyOnly, false);
    assert.equal(description.fim, null);
    const info = await engine.request("loadModel", { role: "completion", modelPath, settings: testLoadSettings });
    assert.equal(info.architecture, "llama");
    assert.equal(info.fim, null, "plain completion, like stories260K");
  });

  for (const [indent, label] of [["  ", "two spaces"], ["    ", "four spaces"], ["\t", "a tab"]] as const) {
    it(`writes the code after "{" and ${label} of indentation, then stops at end-of-sequence`, async () => {
      const result = await engine.request("complete", { prompt: `${OPENER}${indent}`, maxTokens: 64, temperature: 0 });
      assert.equal(result.text, CODE_CHAIN_TEXT);
      assert.equal(result.stopReason, "eog");
    });
  }

  it("writes nothing after any other last token", async () => {
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 64, temperature: 0 });
    assert.equal(result.text, "");
    assert.equal(result.stopReason, "eog");
  });

  it("reaches the user as a multi-line suggestion through the CLI, unchanged by post-processing", async () => {
    const file = join(scratch, "add.ts");
    await writeFile(file, `${OPENER}  \n}\n`);
    const { stdout } = await run(process.execPath, [
      join(repoRoot, "dist", "cli.js"), "complete", "--file", file, "--line", "2", "--column", "3",
      "--model", modelPath, "--json", "--threads", "1",
    ]);
    const output: unknown = JSON.parse(stdout);
    assert.ok(isRecord(output), stdout);
    assert.equal(output["mode"], "multi-line", "the cursor sits on the empty line below a block opener");
    assert.equal(output["source"], "model");
    assert.equal(output["prompt"], `${OPENER}  `, "plain completion prompt: the prefix up to the cursor");
    const text = output["text"];
    assert.ok(typeof text === "string" && text.includes("\n"), `a multi-line suggestion: ${stdout}`);
    assert.equal(text, CODE_CHAIN_TEXT, "both lines survive the block-end truncation and re-indentation");
    const offset = OPENER.length + 2;
    assert.deepEqual(output["range"], { startOffset: offset, endOffset: offset });
  });
});
