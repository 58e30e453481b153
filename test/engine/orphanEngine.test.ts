import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { sharedModelPath } from "../support/models/paths";
import { enginePath, isAlive, repoRoot } from "./engineHarness";

/**
 * The engine must not outlive the process that started it, however that process ends. Before,
 * an engine whose main thread was busy (a long native call, a runaway template) when the
 * extension host was SIGKILLed never noticed, and kept a core at 100 %.
 */

interface Parent {
  process: ChildProcess;
  enginePid: number;
}

function startParent(state: "idle" | "generating" | "busy"): Promise<Parent> {
  const child = spawn(process.execPath, [join(repoRoot, "out", "test", "support", "engineParent.js"), enginePath, sharedModelPath("stories260K.gguf"), state], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (data: Buffer) => {
      output += data.toString();
      const match = /engine (\d+)/.exec(output);
      if (match) resolve({ process: child, enginePid: Number(match[1]) });
    });
    child.once("exit", (code) => reject(new Error(`the parent exited (${code}) before its engine was ready: ${output}`)));
  });
}

async function goneWithin(pid: number, ms: number): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < ms) {
    if (!isAlive(pid)) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

describe("the engine exits when the process that started it is gone (real engine)", function () {
  this.timeout(90_000);
  const cases: Array<{ state: "idle" | "generating" | "busy"; signal: NodeJS.Signals }> = [
    { state: "idle", signal: "SIGKILL" },
    { state: "generating", signal: "SIGKILL" },
    { state: "busy", signal: "SIGKILL" },
    { state: "generating", signal: "SIGTERM" },
    { state: "busy", signal: "SIGHUP" },
  ];

  for (const { state, signal } of cases) {
    it(`parent ${signal}ed while the engine is ${state === "busy" ? "busy on its main thread (tokenizing 24 MB)" : state}`, async () => {
      const parent = await startParent(state);
      try {
        assert.ok(isAlive(parent.enginePid));
        parent.process.kill(signal);
        const goneAfter = await goneWithin(parent.enginePid, 10_000);
        assert.ok(goneAfter !== undefined, `engine ${parent.enginePid} still running 10 s after its parent was ${signal}ed`);
        console.log(`      engine gone ${Math.round(goneAfter)} ms after the parent`);
      } finally {
        parent.process.kill("SIGKILL");
        if (isAlive(parent.enginePid)) process.kill(parent.enginePid, "SIGKILL");
      }
    });
  }
});
