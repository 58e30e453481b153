import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { appendFile, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ollamaTagName, scanCatalog } from "../../src/core/models/catalogSources";
import { HashCache, sha256File } from "../../src/core/models/sha256";
import { sharedModelPath } from "../support/models/paths";

const STORIES_SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

describe("model catalog sources", function () {
  this.timeout(20_000);
  let home: string;
  let stories: string;

  before(() => {
    stories = sharedModelPath("stories260K.gguf");
  });
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), "hearth-home-"));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  async function place(path: string): Promise<string> {
    await mkdir(join(path, ".."), { recursive: true });
    await copyFile(stories, path);
    return path;
  }

  it("finds models in user folders, LM Studio, Ollama, the Hugging Face cache and node-llama-cpp's folder", async () => {
    const userFolder = join(home, "my-models");
    await place(join(userFolder, "tiny.gguf"));
    await place(join(userFolder, "split-00001-of-00002.gguf"));
    await place(join(userFolder, "split-00002-of-00002.gguf"));
    await place(join(home, ".lmstudio", "models", "lmstudio-community", "Coder-GGUF", "coder-Q8_0.gguf"));
    await place(join(home, ".cache", "lm-studio", "models", "old", "legacy.gguf"));
    await place(join(home, ".node-llama-cpp", "models", "hf_stories.gguf"));
    // Ollama: the manifest names the blob of the model layer.
    const digest = createHash("sha256").update("blob").digest("hex");
    await place(join(home, ".ollama", "models", "blobs", `sha256-${digest}`));
    await mkdir(join(home, ".ollama", "models", "manifests", "registry.ollama.ai", "library", "qwen2.5-coder"), { recursive: true });
    await writeFile(join(home, ".ollama", "models", "manifests", "registry.ollama.ai", "library", "qwen2.5-coder", "0.5b"), JSON.stringify({
      schemaVersion: 2,
      layers: [
        { mediaType: "application/vnd.ollama.image.template", digest: `sha256:${"0".repeat(64)}`, size: 1 },
        { mediaType: "application/vnd.ollama.image.model", digest: `sha256:${digest}`, size: 1 },
      ],
    }));
    // Hugging Face cache: snapshot files are links to blobs.
    const hfRepo = join(home, ".cache", "huggingface", "hub", "models--Qwen--Qwen2.5-Coder-0.5B-Instruct-GGUF");
    const blob = await place(join(hfRepo, "blobs", "abc123"));
    await mkdir(join(hfRepo, "snapshots", "rev1"), { recursive: true });
    await symlink(blob, join(hfRepo, "snapshots", "rev1", "qwen2.5-coder-0.5b-instruct-q8_0.gguf"));
    await symlink(join(hfRepo, "blobs", "missing"), join(hfRepo, "snapshots", "rev1", "broken.gguf"));
    await writeFile(join(userFolder, "notes.txt"), "not a model");

    const files = await scanCatalog({ folders: [userFolder], home, env: {} });
    const summary = files.map((file) => `${file.source}:${file.name}`).sort();
    assert.deepEqual(summary, [
      "folder:split",
      "folder:tiny",
      "huggingface:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/qwen2.5-coder-0.5b-instruct-q8_0",
      "lmstudio:coder-Q8_0",
      "lmstudio:legacy",
      "node-llama-cpp:hf_stories",
      "ollama:qwen2.5-coder:0.5b",
    ]);
    assert.ok(files.every((file) => file.sizeBytes === 1_185_376));
  });

  it("honours OLLAMA_MODELS and HF_HOME", async () => {
    const ollama = join(home, "elsewhere", "ollama");
    const digest = "a".repeat(64);
    await place(join(ollama, "blobs", `sha256-${digest}`));
    await mkdir(join(ollama, "manifests", "example.com", "team", "coder"), { recursive: true });
    await writeFile(join(ollama, "manifests", "example.com", "team", "coder", "latest"),
      JSON.stringify({ layers: [{ mediaType: "application/vnd.ollama.image.model", digest: `sha256:${digest}` }] }));
    const hf = join(home, "hf");
    await place(join(hf, "hub", "models--org--m", "snapshots", "r", "m.gguf"));
    const files = await scanCatalog({ folders: [], home, env: { OLLAMA_MODELS: ollama, HF_HOME: hf } });
    assert.deepEqual(files.map((file) => file.name).sort(), ["example.com/team/coder:latest", "org/m/m"]);
  });

  it("names Ollama tags as ollama list does", () => {
    assert.equal(ollamaTagName(join("registry.ollama.ai", "library", "llama3", "8b")), "llama3:8b");
    assert.equal(ollamaTagName(join("registry.ollama.ai", "someone", "coder", "latest")), "someone/coder:latest");
  });

  it("scans a folder of 1,000 files (half of them GGUF)", async () => {
    const folder = join(home, "many");
    await mkdir(folder);
    for (let index = 0; index < 1000; index++) await writeFile(join(folder, `m${index}.${index % 2 ? "gguf" : "bin"}`), "GGUF");
    const files = await scanCatalog({ folders: [folder], home, env: {} });
    assert.equal(files.length, 500);
  });
});

describe("model hashes", function () {
  this.timeout(20_000);

  it("computes the sha256 of a model with progress", async () => {
    const progress: number[] = [];
    const digest = await sha256File(sharedModelPath("stories260K.gguf"), (step) => progress.push(step.bytesRead));
    assert.equal(digest, STORIES_SHA256);
    assert.equal(progress.at(-1), 1_185_376);
  });

  it("caches by path, size and mtime, and hashes again after a change", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hearth-hash-"));
    try {
      const file = join(dir, "m.gguf");
      await writeFile(file, "first");
      const stored = new Map<string, string>();
      const cache = new HashCache({ get: (key) => stored.get(key), set: (key, value) => { stored.set(key, value); } });
      assert.equal(await cache.cached(file), undefined);
      const first = await cache.hash(file);
      assert.equal(first, createHash("sha256").update("first").digest("hex"));
      assert.equal(await cache.cached(file), first);
      await appendFile(file, " and more");
      assert.equal(await cache.cached(file), undefined);
      assert.equal(await cache.hash(file), createHash("sha256").update("first and more").digest("hex"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
