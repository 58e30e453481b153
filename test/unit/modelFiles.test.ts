import { strict as assert } from "node:assert";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findModelFiles, formatBytes, modelDisplayName } from "../../src/core/models/modelFiles";

describe("model files", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "hearth-models-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("finds GGUF files in folders and subfolders, one entry per split model", async () => {
    await mkdir(join(root, "a", "b"), { recursive: true });
    await writeFile(join(root, "tiny.gguf"), "GGUF....");
    await writeFile(join(root, "a", "b", "coder-Q8_0.GGUF"), "GGUF");
    await writeFile(join(root, "a", "big-00001-of-00002.gguf"), "GGUF");
    await writeFile(join(root, "a", "big-00002-of-00002.gguf"), "GGUF");
    await writeFile(join(root, "notes.txt"), "hello");
    await mkdir(join(root, "dir.gguf"));
    await symlink(join(root, "missing.gguf"), join(root, "broken.gguf"));
    const files = await findModelFiles([root, join(root, "does-not-exist")]);
    assert.deepEqual(files.map((file) => file.name), ["big", "coder-Q8_0", "tiny"]);
    assert.equal(files.find((file) => file.name === "tiny")?.sizeBytes, 8);
  });

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
