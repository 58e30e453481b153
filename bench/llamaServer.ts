/**
 * The path a llama.vscode user takes, as the replay's second baseline: a llama.cpp
 * `llama-server` on loopback with `--cache-reuse 256`, asked through `/infill` with the request
 * shape llama.vscode sends (input_prefix, input_suffix, input_extra chunks, the current line as
 * `prompt`, cache_prompt). Only run when LLAMA_SERVER names the binary; loopback only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { CompletionBackend } from "../src/core/completion/completionPipeline";
import type { FimFormat } from "../src/core/fim/fimFormat";
import type { CompleteResult, InfillParams, StopReason } from "../src/protocol/engineProtocol";

export interface LlamaServer {
  readonly url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startLlamaServer(binary: string, modelPath: string, options: { threads: number; contextSize: number; timeoutMs?: number }): Promise<LlamaServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ["-m", modelPath, "--host", "127.0.0.1", "--port", String(port), "-t", String(options.threads),
    "-c", String(options.contextSize), "-ngl", "0", "--cache-reuse", "256"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama-server exited (${child.exitCode}):\n${stderr}`);
    const healthy = await fetch(`${url}/health`).then((response) => response.ok, () => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`llama-server did not become healthy within ${options.timeoutMs ?? 120_000} ms:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}

/** The /infill body llama.vscode sends for a FIM request. */
export function infillBody(params: InfillParams): Record<string, unknown> {
  return {
    input_prefix: params.prefix,
    input_suffix: params.suffix,
    input_extra: (params.chunks ?? []).map((chunk) => ({ filename: chunk.filePath, text: chunk.text })),
    prompt: params.currentLine,
    n_predict: params.maxTokens,
    temperature: params.temperature,
    top_k: params.topK ?? 40,
    top_p: params.topP ?? 0.95,
    samplers: ["top_k", "top_p", "infill"],
    stream: false,
    cache_prompt: true,
    t_max_prompt_ms: 500,
    t_max_predict_ms: params.timeBudgetMs ?? 1000,
    ...(params.span?.shape === "line" ? { stop: ["\n"] } : {}),
  };
}

/** The fields of a JSON object (none for anything else). */
function fields(value: unknown): Map<string, unknown> {
  return new Map(typeof value === "object" && value !== null ? Object.entries(value) : []);
}

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** A llama-server /infill response as Hearth's CompleteResult (its timings, not ours). */
export function infillResult(json: unknown, promptText: string): CompleteResult {
  const body = fields(json);
  const timings = fields(body.get("timings"));
  const evaluated = num(timings.get("prompt_n"));
  const cached = num(body.get("tokens_cached"));
  const promptMs = num(timings.get("prompt_ms"));
  const stopType = body.get("stop_type");
  const stopReason: StopReason = stopType === "limit" ? "maxTokens" : stopType === "word" ? "stopString" : "eog";
  const content = body.get("content");
  return {
    text: typeof content === "string" ? content : "",
    prompt: promptText,
    stopReason,
    stats: {
      promptTokens: Math.max(cached, evaluated),
      reusedTokens: Math.max(0, cached - evaluated),
      evaluatedTokens: evaluated,
      promptMs,
      firstTokenMs: promptMs,
      generationMs: promptMs + num(timings.get("predicted_ms")),
      generatedTokens: num(timings.get("predicted_n")),
    },
  };
}

export function llamaServerBackend(url: string, model: { name: string; fim: FimFormat | null }): CompletionBackend {
  return {
    model: () => Promise.resolve(model),
    infill: async (params, signal) => {
      const response = await fetch(`${url}/infill`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(infillBody(params)), signal });
      if (!response.ok) throw new Error(`llama-server /infill: HTTP ${response.status}`);
      const json: unknown = await response.json();
      return infillResult(json, `${params.prefix}${params.currentLine}`);
    },
    complete: () => Promise.reject(new Error("the llama-server baseline runs FIM models only")),
  };
}
