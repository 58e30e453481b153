/**
 * The path a llama.vscode user takes, as the replay's baseline: a llama.cpp `llama-server` on
 * loopback with `--cache-reuse 256` and one slot, asked through `/infill` with the request shape
 * llama.vscode sends (input_prefix, input_suffix, input_extra chunks, the current line as
 * `prompt`, cache_prompt). The binary is built from node-llama-cpp's llama.cpp (llamaCppBuild.ts)
 * or named by LLAMA_SERVER; loopback only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { CompletionBackend } from "../src/core/completion/completionPipeline";
import type { FimFormat } from "../src/core/fim/fimFormat";
import type { CompleteResult, InfillParams, StopReason } from "../src/protocol/engineProtocol";

export interface LlamaServer {
  readonly url: string;
  /** The server process (for its CPU time). */
  readonly pid: number | undefined;
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
    "-c", String(options.contextSize), "-ngl", "0", "--cache-reuse", "256", "-np", "1"], { stdio: ["ignore", "ignore", "pipe"] });
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
    pid: child.pid,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}

/**
 * The /infill body llama.vscode sends for a FIM request. With `generate`, exactly that many
 * tokens are generated (end of generation, stop strings and the time limit ignored), so the
 * baseline generates what Hearth generated for the same keystroke: llama.vscode's sampler list
 * ends with `infill`, which ends a random-weight model's every answer at once.
 */
export function infillBody(params: InfillParams, options: { generate?: number } = {}): Record<string, unknown> {
  const forced = options.generate !== undefined;
  return {
    // llama.vscode sends every line of its window above the cursor's line as the prefix: Hearth's
    // prefix and recent lines (which Hearth puts after the middle token) together.
    input_prefix: params.prefix + (params.recentLines ?? ""),
    input_suffix: params.suffix,
    input_extra: (params.chunks ?? []).map((chunk) => ({ filename: chunk.filePath, text: chunk.text })),
    prompt: params.currentLine,
    n_predict: options.generate ?? params.maxTokens,
    temperature: params.temperature,
    top_k: params.topK ?? 40,
    top_p: params.topP ?? 0.95,
    samplers: forced ? ["top_k", "top_p", "temperature"] : ["top_k", "top_p", "infill"],
    stream: false,
    cache_prompt: true,
    ...(forced ? { ignore_eos: true } : { t_max_prompt_ms: 500, t_max_predict_ms: params.timeBudgetMs ?? 1000 }),
    ...(params.span?.shape === "line" && !forced ? { stop: ["\n"] } : {}),
  };
}

/** The fields of a JSON object (none for anything else). */
function fields(value: unknown): Map<string, unknown> {
  return new Map(typeof value === "object" && value !== null ? Object.entries(value) : []);
}

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/**
 * A llama-server /infill response as Hearth's CompleteResult (its timings, not ours). Reuse is
 * timings.cache_n (prompt tokens served from the cache) and the prompt's size tokens_evaluated;
 * tokens_cached also counts generated tokens and says nothing about reuse.
 */
export function infillResult(json: unknown, promptText: string): CompleteResult {
  const body = fields(json);
  const timings = fields(body.get("timings"));
  const evaluated = num(timings.get("prompt_n"));
  const reused = num(timings.get("cache_n"));
  const promptTokens = Math.max(num(body.get("tokens_evaluated")), reused + evaluated);
  const promptMs = num(timings.get("prompt_ms"));
  const stopType = body.get("stop_type");
  const stopReason: StopReason = stopType === "limit" ? "maxTokens" : stopType === "word" ? "stopString" : "eog";
  const content = body.get("content");
  return {
    text: typeof content === "string" ? content : "",
    prompt: promptText,
    stopReason,
    stats: {
      promptTokens,
      reusedTokens: reused,
      evaluatedTokens: evaluated,
      promptMs,
      firstTokenMs: promptMs,
      generationMs: promptMs + num(timings.get("predicted_ms")),
      generatedTokens: num(timings.get("predicted_n")),
    },
  };
}

/** Tokens a request may generate beyond Hearth's to get an answer llama-server can parse. */
const MAX_EXTRA_TOKENS = 3;
/** Requests sent again with one more token (see llamaServerBackend). */
export const serverRetries = { count: 0 };

/**
 * The baseline as a completion backend. `generateFor` gives, per request, how many tokens to
 * generate (what Hearth generated at that keystroke), or undefined for llama.vscode's own limits.
 */
export function llamaServerBackend(url: string, model: { name: string; fim: FimFormat | null }, generateFor: () => number | undefined = () => undefined): CompletionBackend {
  return {
    model: () => Promise.resolve(model),
    infill: async (params, signal) => {
      const generate = generateFor();
      // llama-server parses what it generated as a chat message and answers 500 when random
      // weights end on a broken character ("does not match the expected Content-only format");
      // one more token completes it. The retries are counted.
      for (let extra = 0; ; extra++) {
        const body = infillBody(params, { generate: generate === undefined ? undefined : generate + extra });
        const response = await fetch(`${url}/infill`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
        if (!response.ok) {
          const message = (await response.text()).slice(0, 500);
          if (generate !== undefined && extra < MAX_EXTRA_TOKENS && /does not match the expected/.test(message)) {
            serverRetries.count++;
            continue;
          }
          throw new Error(`llama-server /infill: HTTP ${response.status}: ${message}`);
        }
        const json: unknown = await response.json();
        return infillResult(json, `${params.prefix}${params.recentLines ?? ""}${params.currentLine}`);
      }
    },
    complete: () => Promise.reject(new Error("the llama-server baseline runs FIM models only")),
  };
}
