// Mocha root hooks: the guard in this process and, through NODE_OPTIONS, in every child
// (the engine, the context worker, Chromium's helpers are not Node and are not covered).
// After the run, any refused attempt recorded by any process fails the suite.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const guardPath = path.join(__dirname, "guard.cjs");
const logFile = process.env.HEARTH_NETWORK_GUARD_LOG ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hearth-network-")), "attempts.jsonl");
process.env.HEARTH_NETWORK_GUARD_LOG = logFile;
const requireGuard = `--require ${JSON.stringify(guardPath)}`;
if (!(process.env.NODE_OPTIONS ?? "").includes(guardPath)) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} ${requireGuard}`.trim();
require(guardPath);

function refusedAttempts() {
  if (!fs.existsSync(logFile)) return [];
  return fs.readFileSync(logFile, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line))
    .filter((entry) => entry.verdict === "refused" && !entry.expectedByTest);
}

exports.mochaHooks = {
  afterAll() {
    const attempts = refusedAttempts();
    if (attempts.length > 0) {
      throw new Error(`The network guard refused ${attempts.length} outbound attempt(s):\n` +
        attempts.slice(0, 5).map((entry) => `  ${entry.kind} ${entry.target} (pid ${entry.pid})\n${entry.stack}`).join("\n"));
    }
  },
};
