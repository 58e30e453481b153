/**
 * The replay's llama-server baseline (bench/llamaServer.ts) without a llama-server binary: a
 * loopback stand-in records what the backend sends and answers as /infill does, so the request
 * shape (llama.vscode's) and the reading of the answer are checked here.
 */
import * as assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { parseLlamaBenchRows } from "../../bench/llamaBench";
import { infillBody, llamaServerBackend } from "../../bench/llamaServer";
import type { InfillParams } from "../../src/protocol/engineProtocol";

const PARAMS: InfillParams = {
  prefix: "function add(a, b) {\n", recentLines: "  const c = 1;\n", currentLine: "  return a", suffix: "\n}\n", filePath: "src/math.js",
  chunks: [{ filePath: "src/util.js", text: "export const sum = (xs) => xs.reduce(add, 0);" }],
  maxTokens: 16, temperature: 0, topK: 40, topP: 0.95, timeBudgetMs: 3000,
  span: { shape: "line", languageId: "javascript", linePrefix: "  return a", tabSize: 4, baseIndent: 0, nextLineAllowed: false },
};

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === "object" && address !== null ? address.port : 0;
}

describe("llama-server baseline for the replay benchmark", () => {
  let server: Server;
  let url = "";
  const received: unknown[] = [];

  before(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        const parsed: unknown = JSON.parse(body);
        received.push({ path: request.url, body: parsed });
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify({ content: " + b;", tokens_cached: 124, tokens_evaluated: 120, stop_type: "word",
          timings: { cache_n: 117, prompt_n: 3, prompt_ms: 12.5, predicted_n: 4, predicted_ms: 30 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${portOf(server)}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends llama.vscode's /infill request: prefix, suffix, extra chunks, the current line as prompt, cache_prompt", async () => {
    const backend = llamaServerBackend(url, { name: "twin", fim: null });
    const result = await backend.infill(PARAMS, new AbortController().signal);
    assert.equal(received.length, 1);
    assert.deepEqual(received[0], { path: "/infill", body: infillBody(PARAMS) });
    const body = infillBody(PARAMS);
    assert.equal(body.input_prefix, `${PARAMS.prefix}${PARAMS.recentLines}`, "all lines above the cursor's line");
    assert.equal(body.input_suffix, PARAMS.suffix);
    assert.equal(body.prompt, PARAMS.currentLine);
    assert.deepEqual(body.input_extra, [{ filename: "src/util.js", text: PARAMS.chunks?.[0].text }]);
    assert.equal(body.cache_prompt, true);
    assert.equal(body.n_predict, 16);
    assert.deepEqual(body.stop, ["\n"]);
    assert.deepEqual(body.samplers, ["top_k", "top_p", "infill"], "llama.vscode's own request");

    assert.equal(result.text, " + b;");
    assert.equal(result.stopReason, "stopString");
    // Reuse comes from timings.cache_n, never tokens_cached (which counts generated tokens too).
    assert.deepEqual(result.stats, { promptTokens: 120, reusedTokens: 117, evaluatedTokens: 3, promptMs: 12.5, firstTokenMs: 12.5, generationMs: 42.5, generatedTokens: 4 });
  });

  it("generates exactly the tokens Hearth generated when asked to: no end of generation, stop string or time limit", () => {
    const body = infillBody(PARAMS, { generate: 11 });
    assert.equal(body.n_predict, 11);
    assert.equal(body.ignore_eos, true);
    assert.equal(body.stop, undefined);
    assert.equal(body.t_max_predict_ms, undefined);
    assert.ok(Array.isArray(body.samplers) && !body.samplers.includes("infill"));
  });

  it("reports an HTTP error instead of an empty suggestion", async () => {
    const failing = createServer((_request, response) => {
      response.statusCode = 503;
      response.end("loading model");
    });
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    try {
      const backend = llamaServerBackend(`http://127.0.0.1:${portOf(failing)}`, { name: "twin", fim: null });
      await assert.rejects(backend.infill(PARAMS, new AbortController().signal), /HTTP 503/);
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });
});

describe("llama-bench yardstick for the replay benchmark", () => {
  it("reads llama-bench's JSON rows per depth, prompt and generation apart", () => {
    // The shape llama-bench -o json prints for -p 8 -n 4 -d 0,16 (fields trimmed).
    const json = JSON.stringify([
      { n_prompt: 8, n_gen: 0, n_depth: 0, avg_ts: 28803.5 },
      { n_prompt: 0, n_gen: 4, n_depth: 0, avg_ts: 20467.47 },
      { n_prompt: 8, n_gen: 0, n_depth: 16, avg_ts: 16922.41 },
      { n_prompt: 0, n_gen: 4, n_depth: 16, avg_ts: 13448.36 },
    ]);
    assert.deepEqual(parseLlamaBenchRows(json, [16, 0, 99]), [
      { depth: 16, promptTokensPerSecond: 16922.4, generationTokensPerSecond: 13448.4 },
      { depth: 0, promptTokensPerSecond: 28803.5, generationTokensPerSecond: 20467.5 },
      { depth: 99, promptTokensPerSecond: Number.NaN, generationTokensPerSecond: Number.NaN },
    ]);
  });
});
