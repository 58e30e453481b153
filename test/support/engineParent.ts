/**
 * A stand-in for the extension host (or the CLI): starts the Hearth engine, loads stories260K
 * and leaves the engine in the state named on the command line, then waits to be killed.
 *   node out/test/support/engineParent.js ENGINE_JS MODEL idle|generating|busy
 * Prints "engine PID" once the engine is in that state.
 */
import { EngineClient } from "../../src/core/engine/engineClient";

async function main(enginePath: string, modelPath: string, state: string): Promise<void> {
  const engine = new EngineClient({ enginePath });
  await engine.request("loadModel", { role: "completion", modelPath, settings: { threads: 1, contextSize: 2048, gpuLayers: 0, gpu: false } });
  if (state === "generating") {
    await new Promise<void>((resolve) => {
      engine.request("complete", { prompt: "Once upon a time", maxTokens: 1_000_000, temperature: 1 }, { onStream: () => resolve() }).catch(() => undefined);
    });
  } else if (state === "busy") {
    // Tokenizing 24 MB keeps the engine's main thread busy for tens of seconds.
    engine.request("complete", { prompt: "Once upon a time there was a little girl named Lily. ".repeat(450_000), maxTokens: 1, temperature: 0 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  process.stdout.write(`engine ${engine.pid}\n`);
  setInterval(() => undefined, 60_000);
}

void main(process.argv[2] ?? "", process.argv[3] ?? "", process.argv[4] ?? "idle");
