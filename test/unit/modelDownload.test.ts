import { strict as assert } from "node:assert";
import { readFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scanCatalog } from "../../src/core/models/catalogSources";
import { downloadModel, resolveModelUri, type DownloadProgress } from "../../src/core/models/modelDownload";
import { getTestModel } from "../support/models";

const STORIES_SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

/** A loopback server that serves one model file, supports Range, and can misbehave on request. */
async function serve(body: Buffer, behaviour: { cutAfterBytes?: number; slow?: boolean; lieAboutLength?: number } = {}): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  let cut = behaviour.cutAfterBytes;
  const server = createServer((request, response) => {
    const range = /bytes=(\d+)-/.exec(request.headers.range ?? "");
    const from = range ? Number(range[1]) : 0;
    requests.push(range ? `range ${from}` : "full");
    const slice = body.subarray(from);
    response.writeHead(range ? 206 : 200, { "content-length": String(behaviour.lieAboutLength ?? slice.length) });
    if (cut !== undefined) {
      const limit = cut;
      cut = undefined;
      response.write(slice.subarray(0, limit), () => response.destroy());
      return;
    }
    if (!behaviour.slow) {
      response.end(slice);
      return;
    }
    let offset = 0;
    const timer = setInterval(() => {
      if (offset >= slice.length || response.destroyed) {
        clearInterval(timer);
        response.end();
        return;
      }
      response.write(slice.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    }, 20);
    response.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/models/stories.gguf`, server, requests };
}

describe("model download (loopback server only)", function () {
  this.timeout(30_000);
  let body: Buffer;
  let dir: string;
  const servers: Server[] = [];

  before(async () => {
    body = await readFile(await getTestModel("stories260K"));
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "hearth-download-"));
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("downloads with progress, verifies size and sha256, and the catalog finds the file", async () => {
    const { url, server } = await serve(body);
    servers.push(server);
    const progress: DownloadProgress[] = [];
    const target = join(dir, "stories.gguf");
    await downloadModel({ url, targetPath: target, expectedSha256: STORIES_SHA256 }, (step) => progress.push(step), new AbortController().signal);
    assert.equal((await stat(target)).size, body.length);
    assert.ok(progress.length > 0);
    assert.equal(progress.at(-1)?.receivedBytes, body.length);
    assert.equal(progress.at(-1)?.totalBytes, body.length);
    const files = await scanCatalog({ folders: [dir], home: dir, env: {} });
    assert.deepEqual(files.map((file) => file.name), ["stories"]);
  });

  it("cancels, then resumes where it stopped", async () => {
    const { url, server, requests } = await serve(body, { slow: true });
    servers.push(server);
    const target = join(dir, "stories.gguf");
    const controller = new AbortController();
    await assert.rejects(downloadModel({ url, targetPath: target }, (step) => {
      if (step.receivedBytes > 200_000) controller.abort();
    }, controller.signal), /cancelled/);
    const partial = (await stat(`${target}.part`)).size;
    assert.ok(partial > 0 && partial < body.length, String(partial));
    const progress: DownloadProgress[] = [];
    await downloadModel({ url, targetPath: target, expectedSha256: STORIES_SHA256 }, (step) => progress.push(step), new AbortController().signal);
    assert.equal(progress[0].resumedFrom, partial);
    assert.deepEqual(requests, ["full", `range ${partial}`]);
    assert.equal((await stat(target)).size, body.length);
  });

  it("resumes after the connection breaks", async () => {
    const { url, server, requests } = await serve(body, { cutAfterBytes: 300_000 });
    servers.push(server);
    const target = join(dir, "stories.gguf");
    await assert.rejects(downloadModel({ url, targetPath: target }, () => undefined, new AbortController().signal), /interrupted/);
    const partial = (await stat(`${target}.part`)).size;
    assert.ok(partial > 0 && partial <= 300_000, String(partial));
    await downloadModel({ url, targetPath: target, expectedSha256: STORIES_SHA256 }, () => undefined, new AbortController().signal);
    assert.deepEqual(requests, ["full", `range ${partial}`]);
    assert.equal((await stat(target)).size, body.length);
  });

  it("rejects a size mismatch and a hash mismatch", async () => {
    const { url, server } = await serve(body);
    servers.push(server);
    const target = join(dir, "stories.gguf");
    await assert.rejects(downloadModel({ url, targetPath: target, expectedBytes: body.length + 10 }, () => undefined, new AbortController().signal),
      /bytes but \d+ were expected/);
    await rm(`${target}.part`, { force: true });
    await assert.rejects(downloadModel({ url, targetPath: target, expectedSha256: "0".repeat(64) }, () => undefined, new AbortController().signal),
      /sha256 .* not the expected/);
    await assert.rejects(stat(target), "nothing is left at the target");
  });

  it("reads Hugging Face URIs and refuses other schemes", async () => {
    assert.deepEqual(resolveModelUri("hf:Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/qwen2.5-coder-0.5b-instruct-q8_0.gguf"), {
      url: "https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-0.5b-instruct-q8_0.gguf",
      fileName: "qwen2.5-coder-0.5b-instruct-q8_0.gguf",
    });
    assert.throws(() => resolveModelUri("file:///etc/passwd"), /https/);
    assert.throws(() => resolveModelUri("https://example.invalid/model.bin"), /\.gguf/);
    await writeFile(join(dir, "x"), "");
  });
});
