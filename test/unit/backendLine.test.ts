import { strict as assert } from "node:assert";
import { backendLine, isGpuBuild } from "../../src/engine/backendLine";

describe("the engine's one line about where the model runs (engine/backendLine)", () => {
  it("names the GPU build and its devices", () => {
    assert.equal(backendLine({ used: "vulkan", requested: "auto", tried: [], devices: ["NVIDIA GeForce RTX 4060"] }), "llama.cpp backend: Vulkan (NVIDIA GeForce RTX 4060)");
    assert.equal(backendLine({ used: "metal", requested: "auto", tried: [], devices: [] }), "llama.cpp backend: Metal");
  });

  it("says a GPU build was tried and found no usable GPU, with what to do, when it falls back", () => {
    const line = backendLine({ used: false, requested: "auto", tried: ["cuda", "vulkan"], devices: [] });
    assert.match(line, /^llama\.cpp backend: CPU\. The CUDA and Vulkan builds found no usable GPU here \(driver missing or not working\)/);
    assert.match(line, /install or update the GPU driver/);
  });

  it("says when no GPU driver was found at all, or GPU use is off", () => {
    assert.match(backendLine({ used: false, requested: "auto", tried: [], devices: [] }), /^llama\.cpp backend: CPU \(no GPU driver found/);
    assert.equal(backendLine({ used: false, requested: false, tried: ["vulkan"], devices: [] }), "llama.cpp backend: CPU (GPU use is off)");
  });

  it("knows node-llama-cpp's GPU kinds and nothing else", () => {
    assert.deepEqual(["cuda", "vulkan", "metal", false, "auto", undefined].map(isGpuBuild), [true, true, true, false, false, false]);
  });
});
