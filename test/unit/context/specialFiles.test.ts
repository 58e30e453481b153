/**
 * Workspace files that are not regular files: a source-named link to /dev/zero, a named pipe,
 * a link to a named pipe. Read whole, the first grew the extension host by gigabytes in
 * seconds; opened for reading, a pipe blocked the context worker for good. Each scenario
 * runs the real context client and worker in a child process (specialFileScenario.ts) whose
 * memory and time this test watches, so that a regression fails the test instead of
 * exhausting the machine.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { temporaryFolder } from "./harness";
import { MAIN_FILE, MAIN_TEXT, REAL_TEXT, type Scenario, type ScenarioResult } from "./specialFileScenario";

const SCRIPT = join(__dirname, "specialFileScenario.js");
/** A scenario whose process grows past this has read a device whole. */
const MEMORY_LIMIT_BYTES = 1024 ** 3;
/** A scenario still running after this is blocked (each takes about a second here). */
const TIME_LIMIT_MS = 20_000;
const POLL_MS = 25;

type HostileKind = "link to /dev/zero" | "named pipe" | "link to a named pipe";

function makeHostile(folder: string, name: string, kind: HostileKind): void {
  const path = join(folder, name);
  const mkfifo = (target: string) => {
    const made = spawnSync("mkfifo", [target]);
    if (made.status !== 0) throw new Error(`mkfifo ${target} failed: ${String(made.stderr)}`);
  };
  if (kind === "link to /dev/zero") symlinkSync("/dev/zero", path);
  else if (kind === "named pipe") mkfifo(path);
  else {
    mkfifo(join(folder, ".pipe"));
    symlinkSync(join(folder, ".pipe"), path);
  }
}

function residentBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface Run {
  result?: ScenarioResult;
  failure?: string;
  peakBytes: number;
  ms: number;
}

/** Runs one scenario; kills it when it passes the memory or time limit. */
function runScenario(scenario: Scenario, workspace: string, storage: string, hostile: string): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [SCRIPT, scenario, workspace, storage, hostile], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => { stdout += data.toString(); });
  child.stderr.on("data", (data: Buffer) => { stderr += data.toString(); });
  let peakBytes = 0;
  let failure: string | undefined;
  const kill = (why: string) => {
    failure ??= why;
    child.kill("SIGKILL");
  };
  const watch = setInterval(() => {
    if (child.pid === undefined) return;
    peakBytes = Math.max(peakBytes, residentBytes(child.pid));
    const elapsed = Date.now() - started;
    if (peakBytes > MEMORY_LIMIT_BYTES) kill(`its memory passed ${Math.round(peakBytes / 2 ** 20)} MiB after ${elapsed} ms`);
    else if (elapsed > TIME_LIMIT_MS) kill(`it was still running after ${elapsed} ms (blocked)`);
  }, POLL_MS);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearInterval(watch);
      const line = stdout.split("\n").find((candidate) => candidate.startsWith("RESULT "));
      if (!failure && code !== 0) failure = `it exited with code ${code}: ${stderr.slice(-2000)}`;
      const result = line ? JSON.parse(line.slice("RESULT ".length)) as ScenarioResult : undefined;
      if (!failure && !result) failure = `it printed no result: ${stderr.slice(-2000)}`;
      resolve({ result, failure, peakBytes, ms: Date.now() - started });
    });
  });
}

const figures: string[] = [];

describe("workspace files that are links to devices or named pipes (real worker, child process)", function () {
  this.timeout(TIME_LIMIT_MS + 30_000);
  if (process.platform === "win32") return;
  let workspace: { path: string; remove: () => void };
  let storage: { path: string; remove: () => void };

  beforeEach(() => {
    workspace = temporaryFolder("special");
    storage = temporaryFolder("special-storage");
    writeFileSync(join(workspace.path, "real.ts"), REAL_TEXT);
    writeFileSync(join(workspace.path, MAIN_FILE), MAIN_TEXT);
  });
  afterEach(() => {
    workspace.remove();
    storage.remove();
  });
  after(() => {
    if (figures.length > 0) console.log(`      figures:\n${figures.map((line) => `        ${line}`).join("\n")}`);
  });

  async function check(scenario: Scenario, kind: HostileKind, hostile = "hostile.ts"): Promise<ScenarioResult> {
    makeHostile(workspace.path, hostile, kind);
    const run = await runScenario(scenario, workspace.path, storage.path, hostile);
    figures.push(`${scenario}, ${kind}: ${run.ms} ms in all, peak ${Math.round(run.peakBytes / 2 ** 20)} MiB resident; ` +
      (run.result ? run.result.steps.map((step) => `${step.name} ${step.ms} ms`).join(", ") : run.failure ?? ""));
    assert.ok(!run.failure && run.result, `the scenario failed: ${run.failure ?? ""}`);
    return run.result;
  }

  for (const kind of ["link to /dev/zero", "named pipe", "link to a named pipe"] as const) {
    it(`import resolution skips a ${kind} named like a source file and keeps the real import`, async () => {
      const result = await check("import", kind);
      const files = (result.chunks ?? []).map((chunk) => basename(chunk.filePath));
      assert.deepEqual(files, ["real.ts"], "the real module's signature is context; the special file gives none");
      assert.match(result.chunks?.[0]?.text ?? "", /realHelper\(input: number\): number/);
    });
  }

  for (const kind of ["link to /dev/zero", "named pipe"] as const) {
    it(`a ${kind} announced by the file watcher is not indexed`, async () => {
      const result = await check("watcher", kind);
      assert.deepEqual(result.indexed, [MAIN_FILE, "real.ts"]);
    });

    it(`a .gitignore that is a ${kind} is ignored and the folder is indexed`, async () => {
      const result = await check("gitignore", kind, ".gitignore");
      assert.deepEqual(result.indexed, [MAIN_FILE, "real.ts"]);
      assert.ok(result.warnings.some((warning) => /\.gitignore/.test(warning) && /not a regular file/.test(warning)), `warnings: ${result.warnings.join(" | ")}`);
    });

    it(`the chat does not read an indexed file that became a ${kind}`, async () => {
      const result = await check("chat", kind);
      assert.deepEqual(result.named, []);
    });
  }
});
