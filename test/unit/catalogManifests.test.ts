/**
 * Catalog reads are bounded: an Ollama manifest of 300 MB (read whole, it added 637 MB to
 * the extension host) is skipped without being read, and the real manifest beside it still
 * lists its model. The scan runs in a child process whose peak memory the test reads.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCAN = join(__dirname, "catalogScan.js");
const HUGE_MANIFEST_BYTES = 300 * 1024 * 1024;
/** What the scan may add to the child's peak memory: far below the manifest's size. */
const ALLOWED_GROWTH_BYTES = 64 * 1024 * 1024;

describe("model catalog: bounded reads of Ollama manifests (child process)", function () {
  this.timeout(60_000);
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "hearth-ollama-"));
    const digest = "a".repeat(64);
    mkdirSync(join(root, "blobs"));
    writeFileSync(join(root, "blobs", `sha256-${digest}`), "GGUF");
    const library = join(root, "manifests", "registry.ollama.ai", "library");
    mkdirSync(join(library, "coder"), { recursive: true });
    mkdirSync(join(library, "huge"), { recursive: true });
    writeFileSync(join(library, "coder", "latest"), JSON.stringify({ layers: [{ mediaType: "application/vnd.ollama.image.model", digest: `sha256:${digest}` }] }));
    // Sparse: 300 MB to read, nothing on disk.
    const huge = openSync(join(library, "huge", "latest"), "w");
    ftruncateSync(huge, HUGE_MANIFEST_BYTES);
    closeSync(huge);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("skips a 300 MB manifest without reading it, and lists the model of the real one", () => {
    const run = spawnSync(process.execPath, [SCAN, root], { encoding: "utf8", timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { names: string[]; before: number; after: number; ms: number };
    assert.deepEqual(result.names, ["coder:latest"]);
    const growth = result.after - result.before;
    console.log(`      figures: the scan raised the peak resident memory by ${Math.round(growth / 2 ** 20)} MiB in ${result.ms} ms (a ${HUGE_MANIFEST_BYTES / 2 ** 20} MB manifest beside the real one)`);
    assert.ok(growth < ALLOWED_GROWTH_BYTES, `the scan raised the peak memory by ${Math.round(growth / 2 ** 20)} MiB`);
  });
});
