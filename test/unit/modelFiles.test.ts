import { strict as assert } from "node:assert";
import { formatBytes, modelDisplayName } from "../../src/core/models/modelFiles";

describe("model file names and sizes", () => {
  it("names models by file name", () => {
    assert.equal(modelDisplayName("/m/qwen2.5-coder-1.5b-q8_0.gguf"), "qwen2.5-coder-1.5b-q8_0");
    assert.equal(modelDisplayName("/m/big-00001-of-00003.gguf"), "big");
  });

  it("formats sizes", () => {
    assert.equal(formatBytes(512), "512 B");
    assert.equal(formatBytes(1_185_376), "1.1 MB");
    assert.equal(formatBytes(5 * 1024 ** 3), "5.0 GB");
  });
});
