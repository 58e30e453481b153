import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { EngineLogLine } from "../../src/core/engine/engineClient";
import type { LoadSettings, LoadedModelInfo } from "../../src/protocol/engineProtocol";
import { sharedModelPath } from "../support/models/paths";
import { repoRoot, startEngine } from "./engineHarness";

/** What the extension sends by default: hearth.engine.gpuLayers "auto", GPU detection on. */
const AUTO_GPU: LoadSettings = { threads: 1, contextSize: 512, gpuLayers: "auto", gpu: "auto" };

/**
 * A Vulkan loader (libvulkan.so.1) with no driver behind it: what a machine with Vulkan
 * installed but no working GPU driver has. CI unpacks Debian's libvulkan1 there without
 * installing it (see .ci/run); HEARTH_VULKAN_LOADER_DIR points at another copy.
 */
function vulkanLoaderDir(): string | undefined {
  const candidates = [process.env.HEARTH_VULKAN_LOADER_DIR, join(repoRoot, ".cache", "vulkan-loader", "usr", "lib", "x86_64-linux-gnu")];
  return candidates.find((dir): dir is string => dir !== undefined && dir !== "" && existsSync(join(dir, "libvulkan.so.1")));
}

async function loadWithAutoGpu(env: NodeJS.ProcessEnv): Promise<{ info: LoadedModelInfo; logs: EngineLogLine[]; text: string }> {
  const engine = startEngine({ env });
  const logs: EngineLogLine[] = [];
  engine.onLog((line) => logs.push(line));
  try {
    const info = await engine.request("loadModel", { role: "completion", modelPath: sharedModelPath("stories260K.gguf"), settings: AUTO_GPU });
    const { text } = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 8, temperature: 0 });
    return { info, logs, text };
  } finally {
    await engine.dispose();
  }
}

/** The checks shared by every machine: one backend line, nothing alarming, a working model. */
function assertOneQuietBackendLine(result: { info: LoadedModelInfo; logs: EngineLogLine[]; text: string }): string {
  const backend = result.logs.filter((line) => line.message.includes("llama.cpp backend"));
  assert.equal(backend.length, 1, `one backend line, got:\n${result.logs.map((line) => `${line.level} ${line.message}`).join("\n")}`);
  assert.equal(backend[0]!.level, "info");
  const alarming = result.logs.filter((line) => line.level === "error" || /node-llama-cpp\]|not compatible|Failed to load|falling back/i.test(line.message));
  assert.deepEqual(alarming, [], "no error and no raw node-llama-cpp fallback message");
  assert.ok(result.text.length > 0, "the model completes");
  return backend[0]!.message;
}

describe("GPU auto: falls back to the CPU on a machine without a usable GPU driver (real engine)", function () {
  this.timeout(120_000);

  it("loads with gpuLayers auto, logs one line saying where the model runs, and completes", async () => {
    const result = await loadWithAutoGpu(process.env);
    const line = assertOneQuietBackendLine(result);
    if (result.info.gpuLayers === 0) {
      assert.match(line, /^llama\.cpp backend: CPU/, line);
    } else {
      // A developer machine with a working GPU: the line names the build instead.
      assert.match(line, /^llama\.cpp backend: (CUDA|Vulkan|Metal)/, line);
    }
  });

  it("with a Vulkan loader but no driver, tries the bundled Vulkan build and runs on the CPU with one line", async function () {
    if (process.platform !== "linux" || process.arch !== "x64") this.skip();
    const vulkanPackage = join(repoRoot, "node_modules", "@node-llama-cpp", "linux-x64-vulkan", "bins", "linux-x64-vulkan", "llama-addon.node");
    assert.ok(existsSync(vulkanPackage), `${vulkanPackage} is missing: npm ci installs node-llama-cpp's Vulkan build on linux-x64`);
    const loader = vulkanLoaderDir();
    if (!loader) {
      const how = "apt-get download libvulkan1 && dpkg -x libvulkan1_*.deb .cache/vulkan-loader";
      if (process.env.CI === "true") assert.fail(`no Vulkan loader to test with: .ci/run unpacks one (${how})`);
      console.log(`      (no Vulkan loader here: ${how} to run this case)`);
      this.skip();
    }
    const result = await loadWithAutoGpu({ ...process.env, LD_LIBRARY_PATH: [loader, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":") });
    const line = assertOneQuietBackendLine(result);
    if (result.info.gpuLayers === 0) {
      assert.match(line, /^llama\.cpp backend: CPU\. The Vulkan build found no usable GPU here/, line);
    } else {
      assert.match(line, /^llama\.cpp backend: (CUDA|Vulkan)/, line);
    }
  });
});
