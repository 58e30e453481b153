/** llama.cpp's own speed on a model file (llama-bench): the yardstick for Hearth's generation speed. */
import { spawn } from "node:child_process";

export interface LlamaBenchDepth {
  /** Tokens already in the KV cache when the prompt and generation speeds are measured. */
  depth: number;
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
}

export interface LlamaBenchFigures {
  /** One row per depth asked for, in that order. */
  depths: LlamaBenchDepth[];
  /** llama-bench's arguments, for the results file. */
  args: string[];
}

/** The rows of llama-bench's JSON output as depth → speeds. */
export function parseLlamaBenchRows(json: string, depths: readonly number[]): LlamaBenchDepth[] {
  const rows: unknown = JSON.parse(json);
  const entries = Array.isArray(rows) ? rows.filter((entry: unknown): entry is object => typeof entry === "object" && entry !== null) : [];
  const speed = (depth: number, kind: "n_prompt" | "n_gen") => {
    const row = entries.find((entry) => Number(Reflect.get(entry, kind)) > 0 && Number(Reflect.get(entry, "n_depth") ?? 0) === depth);
    return row ? Math.round(Number(Reflect.get(row, "avg_ts")) * 10) / 10 : Number.NaN;
  };
  return depths.map((depth) => ({ depth, promptTokensPerSecond: speed(depth, "n_prompt"), generationTokensPerSecond: speed(depth, "n_gen") }));
}

/**
 * Runs llama-bench on `modelPath` with `threads` (512-token prompt, 64 generated tokens, 3
 * repetitions) after each of `depths` tokens already in the KV cache: generation slows as the
 * context grows, so a fair yardstick for completions is measured at the depths of their prompts.
 */
export function runLlamaBench(binary: string, modelPath: string, threads: number, depths: readonly number[] = [0]): Promise<LlamaBenchFigures> {
  const args = ["-m", modelPath, "-t", String(threads), "-p", "512", "-n", "64", "-d", depths.join(","), "-r", "3", "-ngl", "0", "-o", "json"];
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
        resolve({ depths: parseLlamaBenchRows(out, depths), args });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
