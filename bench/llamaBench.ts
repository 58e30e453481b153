/** llama.cpp's own speed on a model file (llama-bench): the yardstick for Hearth's generation speed. */
import { spawn } from "node:child_process";

export interface LlamaBenchFigures {
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
  /** Tokens already in the KV cache when the prompt and generation speeds are measured. */
  depth: number;
  /** llama-bench's arguments, for the results file. */
  args: string[];
}

/**
 * Runs llama-bench on `modelPath` with `threads` (512-token prompt, 64 generated tokens, 3 repetitions)
 * after `depth` tokens already in the KV cache: generation slows as the context grows, so a fair
 * yardstick for completions is measured at the depth of their prompts.
 */
export function runLlamaBench(binary: string, modelPath: string, threads: number, depth = 0): Promise<LlamaBenchFigures> {
  const args = ["-m", modelPath, "-t", String(threads), "-p", "512", "-n", "64", "-d", String(depth), "-r", "3", "-ngl", "0", "-o", "json"];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (data: Buffer) => (out += data.toString()));
    child.stderr.on("data", (data: Buffer) => (err = (err + data.toString()).slice(-2000)));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`llama-bench exited with ${code}: ${err}`));
      try {
        const rows: unknown = JSON.parse(out);
        const speed = (kind: "n_prompt" | "n_gen") => {
          const row = Array.isArray(rows) ? rows.find((entry: unknown) => typeof entry === "object" && entry !== null && Number(Reflect.get(entry, kind)) > 0) : undefined;
          return typeof row === "object" && row !== null ? Math.round(Number(Reflect.get(row, "avg_ts")) * 10) / 10 : Number.NaN;
        };
        resolve({ promptTokensPerSecond: speed("n_prompt"), generationTokensPerSecond: speed("n_gen"), depth, args });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
