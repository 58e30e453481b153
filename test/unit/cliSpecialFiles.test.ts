import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The built command-line runner (npm test builds it first). */
const CLI = join(__dirname, "..", "..", "..", "dist", "cli.js");

describe("cli complete on files that are not regular files (built CLI, child process)", function () {
  this.timeout(60_000);
  if (process.platform === "win32") return;

  // Read whole, the link grew the CLI by 600 MB before it failed with a message about string
  // length; the pipe never returned. Each runs in a child process so that a regression is killed.
  it("refuses a link to /dev/zero and a named pipe at once, saying what they are", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-cli-special-"));
    try {
      symlinkSync("/dev/zero", join(dir, "zero.ts"));
      assert.equal(spawnSync("mkfifo", [join(dir, "pipe.ts")]).status, 0);
      for (const [name, what] of [["zero.ts", "a link to a character device \\(/dev/zero\\)"], ["pipe.ts", "a named pipe"]]) {
        const run = spawnSync(process.execPath, [CLI, "complete", "--file", join(dir, name), "--line", "1", "--column", "1", "--raw-output", "x"],
          { encoding: "utf8", timeout: 20_000 });
        assert.equal(run.status, 2, `${name}: exit ${run.status} (signal ${run.signal}), ${run.stderr}`);
        assert.match(run.stderr, new RegExp(`${name} is ${what}, not a regular file: give the path of a source file`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
