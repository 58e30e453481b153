import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const guard = join(__dirname, "..", "..", "..", "test", "support", "network", "guard.cjs");
/** Children run in a network namespace with no interfaces where possible, so even a guard bug sends nothing. */
const isolated = process.platform === "linux" && spawnSync("unshare", ["-n", "true"]).status === 0;

function runGuarded(script: string, env: NodeJS.ProcessEnv = {}): { log: { kind: string; target: string; verdict: string }[]; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), "hearth-guard-"));
  try {
    const log = join(dir, "attempts.jsonl");
    // A fresh namespace has loopback down: bring it up, then run node.
    const command = isolated ? "unshare" : process.execPath;
    const args = isolated ? ["-n", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\"", process.execPath, "-e", script] : ["-e", script];
    const result = spawnSync(command, args, {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, NODE_OPTIONS: `--require ${guard}`, HEARTH_NETWORK_GUARD_LOG: log, HEARTH_NETWORK_GUARD_SCOPE: "", ...env },
    });
    assert.equal(result.status, 0, result.stderr);
    const lines = (() => {
      try {
        return readFileSync(log, "utf8").split("\n").filter(Boolean);
      } catch {
        return [];
      }
    })();
    return { log: lines.map((line) => JSON.parse(line) as { kind: string; target: string; verdict: string }), stdout: result.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("network guard (loaded into every Node process of the test suites)", function () {
  this.timeout(30_000);

  it("refuses DNS, TCP, UDP and fetch to the outside world, and records each attempt", () => {
    const { log, stdout } = runGuarded(`
      const results = [];
      const done = (name) => (error) => results.push(name + ":" + (error && error.code));
      require("node:dns").lookup("example.invalid", done("dns"));
      require("node:net").connect({ host: "example.invalid", port: 80 }).on("error", done("tcp"));
      try { require("node:dgram").createSocket("udp4").send("x", 53, "example.invalid"); } catch (error) { done("udp")(error); }
      fetch("http://example.invalid/").then(() => results.push("fetch:ok"), (error) => done("fetch")(error.cause ?? error));
      setTimeout(() => console.log(JSON.stringify(results.sort())), 500);
    `);
    assert.deepEqual(JSON.parse(stdout), ["dns:EHEARTHNETWORK", "fetch:EHEARTHNETWORK", "tcp:EHEARTHNETWORK", "udp:EHEARTHNETWORK"]);
    assert.deepEqual(log.map((entry) => entry.kind).sort(), ["dns lookup", "fetch", "tcp", "udp"]);
    assert.ok(log.every((entry) => entry.verdict === "refused"));
  });

  it("lets loopback through (the engine's IPC and test servers use it)", () => {
    const { log, stdout } = runGuarded(`
      const server = require("node:http").createServer((request, response) => response.end("ok"));
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address();
        require("node:http").get("http://127.0.0.1:" + port + "/", (response) => {
          response.on("data", (data) => { console.log(String(data)); server.close(); });
        });
      });
    `);
    assert.equal(stdout.trim(), "ok");
    assert.deepEqual(log, []);
  });

  it("with a scope, refuses only attempts made by code in scope and records the rest", function () {
    if (!isolated) this.skip(); // out-of-scope attempts really go out: only inside an empty network namespace
    const { log } = runGuarded(`
      function hearthScopedCall() { require("node:dns").lookup("inside.invalid", () => {}); }
      hearthScopedCall();
      require("node:dns").lookup("outside.invalid", () => {});
      setTimeout(() => {}, 200);
    `, { HEARTH_NETWORK_GUARD_SCOPE: "hearthScopedCall" });
    assert.deepEqual(log.map((entry) => `${entry.target}:${entry.verdict}`).sort(), ["inside.invalid:refused", "outside.invalid:observed"]);
  });
});
