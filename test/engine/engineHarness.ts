import { existsSync } from "node:fs";
import { join } from "node:path";
import { EngineClient, type EngineClientOptions } from "../../src/core/engine/engineClient";
import type { LoadSettings } from "../../src/protocol/engineProtocol";

export const repoRoot = join(__dirname, "..", "..", "..");
export const enginePath = join(repoRoot, "dist", "engine.js");

/** Small context and one thread: the tiny test models are fastest that way on 2 cores. */
export const testLoadSettings: LoadSettings = { threads: 1, contextSize: 512, gpuLayers: 0, gpu: false };

export function startEngine(options: Pick<EngineClientOptions, "maxCrashes" | "crashWindowMs" | "env" | "execPath" | "deadlines"> = {}): EngineClient {
  if (!existsSync(enginePath)) throw new Error(`${enginePath} is missing: run "npm run build" first (npm test does it).`);
  return new EngineClient({ enginePath, ...options });
}

export function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (predicate()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error("timed out waiting"));
      }
    }, 5);
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
