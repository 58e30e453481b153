import { strict as assert } from "node:assert";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelCatalog } from "../../src/core/models/modelCatalog";
import { HashCache } from "../../src/core/models/sha256";
import { getTestModel, sharedModelPath } from "../support/models";
import { startEngine } from "./engineHarness";

describe("model catalog through the Hearth engine", function () {
  this.timeout(60_000);

  it("lists the factory models of a fake LM Studio, Ollama and Hugging Face home with their metadata, skipping tokenizer-only and broken files", async () => {
    const home = await mkdtemp(join(tmpdir(), "hearth-catalog-"));
    const engine = startEngine();
    try {
      const place = async (source: string, target: string) => {
        await mkdir(join(target, ".."), { recursive: true });
        await copyFile(source, target);
      };
      await place(await getTestModel("qwen2.5-coder"), join(home, ".lmstudio", "models", "Qwen", "Coder-GGUF", "qwen2.5-coder-q8_0.gguf"));
      const digest = "b".repeat(64);
      await place(await getTestModel("llama3"), join(home, ".ollama", "models", "blobs", `sha256-${digest}`));
      await mkdir(join(home, ".ollama", "models", "manifests", "registry.ollama.ai", "library", "llama3"), { recursive: true });
      await writeFile(join(home, ".ollama", "models", "manifests", "registry.ollama.ai", "library", "llama3", "8b"),
        JSON.stringify({ layers: [{ mediaType: "application/vnd.ollama.image.model", digest: `sha256:${digest}` }] }));
      const snapshot = join(home, ".cache", "huggingface", "hub", "models--bigcode--starcoder2-3b-GGUF", "snapshots", "r1");
      await place(await getTestModel("starcoder2"), join(snapshot, "starcoder2-3b-q8_0.gguf"));
      const folder = join(home, "models");
      await place(sharedModelPath("vocab/ggml-vocab-starcoder.gguf"), join(folder, "tokenizer-only.gguf"));
      await place(sharedModelPath("stories260K.gguf"), join(folder, "stories.gguf"));
      await writeFile(join(folder, "broken.gguf"), "GGUF but not really a model file at all");
      await symlink(join(folder, "gone.gguf"), join(folder, "dangling.gguf"));

      const stored = new Map<string, string>();
      const catalog = new ModelCatalog(engine, new HashCache({ get: (key) => stored.get(key), set: (key, value) => { stored.set(key, value); } }));
      const { entries, unreadable } = await catalog.list({ folders: [folder], home, env: {} });
      const byName = new Map(entries.map((entry) => [entry.name, entry]));
      assert.deepEqual([...byName.keys()].sort(), ["bigcode/starcoder2-3b-GGUF/starcoder2-3b-q8_0", "llama3:8b", "qwen2.5-coder-q8_0", "stories"]);
      assert.equal(byName.get("llama3:8b")?.source, "ollama");
      assert.equal(byName.get("llama3:8b")?.description.architecture, "llama");
      assert.ok(byName.get("llama3:8b")?.description.chatTemplate?.includes("start_header_id"));
      assert.equal(byName.get("qwen2.5-coder-q8_0")?.description.fim?.name, "qwen");
      assert.equal(byName.get("bigcode/starcoder2-3b-GGUF/starcoder2-3b-q8_0")?.description.architecture, "starcoder2");
      assert.equal(byName.get("stories")?.description.trainedContextSize, 2048);
      assert.deepEqual(unreadable.map((item) => item.file.name), ["broken"]);
      assert.equal(byName.get("stories")?.sha256, undefined, "hashing is lazy");
      const progress: number[] = [];
      const sha = await catalog.hash(join(folder, "stories.gguf"), (step) => progress.push(step.bytesRead));
      assert.equal(sha, "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d");
      assert.ok(progress.length > 0);
      const again = await catalog.list({ folders: [folder], home, env: {} });
      assert.equal(again.entries.find((entry) => entry.name === "stories")?.sha256, sha, "cached by path, size and mtime");
    } finally {
      await engine.dispose();
      await rm(home, { recursive: true, force: true });
    }
  });
});
