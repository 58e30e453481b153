import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRegularFile, readRegularFile, readRegularFileSync, type BoundedRead } from "../../src/core/files/regularFile";

/** Both readers must agree on every case: the index reads synchronously, retrieval and the catalog asynchronously. */
async function bothReaders(path: string, maxBytes: number): Promise<BoundedRead> {
  const asynchronous = await readRegularFile(path, maxBytes);
  const synchronous = readRegularFileSync(path, maxBytes);
  assert.deepEqual(synchronous, asynchronous);
  return asynchronous;
}

describe("bounded reads of regular files (core/files/regularFile)", () => {
  let folder: string;
  before(() => { folder = mkdtempSync(join(tmpdir(), "hearth-regular-")); });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it("reads a regular file whole up to the limit, and refuses one byte more", async () => {
    const path = join(folder, "ten.txt");
    writeFileSync(path, "0123456789");
    const read = await bothReaders(path, 10);
    assert.ok(read.ok);
    assert.equal(read.bytes.toString(), "0123456789");
    assert.equal(read.sizeBytes, 10);
    const refused = await bothReaders(path, 9);
    assert.deepEqual(refused, { ok: false, reason: "too-large", detail: "larger than 9 bytes", message: `${path} is larger than 9 bytes` });
  });

  it("reads an empty file as empty", async () => {
    const path = join(folder, "empty.ts");
    writeFileSync(path, "");
    const read = await bothReaders(path, 100);
    assert.ok(read.ok);
    assert.equal(read.bytes.length, 0);
  });

  it("follows a link to a regular file", async () => {
    const target = join(folder, "target.ts");
    writeFileSync(target, "export const a = 1;\n");
    symlinkSync(target, join(folder, "link.ts"));
    const read = await bothReaders(join(folder, "link.ts"), 1000);
    assert.ok(read.ok);
    assert.equal(read.bytes.toString(), "export const a = 1;\n");
  });

  it("refuses a folder", async () => {
    mkdirSync(join(folder, "dir.ts"));
    const read = await bothReaders(join(folder, "dir.ts"), 1000);
    assert.equal(read.ok, false);
    assert.match(read.ok ? "" : read.message, /is a folder, not a regular file/);
  });

  if (process.platform === "linux") {
    it("refuses a link to /dev/zero without reading it, and says what it links to", async () => {
      const path = join(folder, "zero.ts");
      symlinkSync("/dev/zero", path);
      const read = await bothReaders(path, 1_000_000);
      assert.deepEqual(read, {
        ok: false, reason: "not-regular", detail: "a link to a character device (/dev/zero), not a regular file",
        message: `${path} is a link to a character device (/dev/zero), not a regular file`,
      });
      assert.deepEqual(await checkRegularFile(path, 1_000_000), read);
    });

    it("refuses a named pipe at once (no writer needed)", async () => {
      const path = join(folder, "pipe.ts");
      assert.equal(spawnSync("mkfifo", [path]).status, 0);
      const started = Date.now();
      const read = await bothReaders(path, 1_000_000);
      assert.deepEqual(read, { ok: false, reason: "not-regular", detail: "a named pipe, not a regular file", message: `${path} is a named pipe, not a regular file` });
      assert.ok(Date.now() - started < 5000);
    });

    it("reads a /proc file that reports size 0 up to the limit, and refuses it beyond", async () => {
      const read = await readRegularFile("/proc/self/status", 1_000_000);
      assert.ok(read.ok);
      assert.equal(read.sizeBytes, 0, "the kernel reports no size");
      assert.match(read.bytes.toString(), /^Name:/);
      const small = readRegularFileSync("/proc/self/status", 16);
      assert.deepEqual(small, { ok: false, reason: "too-large", detail: "larger than 16 bytes", message: "/proc/self/status is larger than 16 bytes" });
    });
  }

  it("throws the fs error of a missing path", async () => {
    await assert.rejects(readRegularFile(join(folder, "missing.ts"), 10), { code: "ENOENT" });
    assert.throws(() => readRegularFileSync(join(folder, "missing.ts"), 10), { code: "ENOENT" });
  });
});
