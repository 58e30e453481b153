#!/usr/bin/env node
// Integration tests: the mocha suite in test/integration/suite runs inside a real extension host with
// this repository loaded as the extension under development.
//  - @vscode/test-electron when a VS Code build is on this machine (HEARTH_VSCODE_EXECUTABLE, or a
//    .vscode-test/vscode-* folder that test-electron downloaded earlier); never downloads one.
//  - otherwise code-server's extension host, driven by chromium with the smoke-test driver payload.
// npm run test:integration            (HEARTH_SKIP_BUILD=1 skips npm run build + tsc)
// Env: HEARTH_INTEGRATION_GREP=<pattern>, HEARTH_INTEGRATION_MODE=electron|code-server
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "../../scripts/workbench/browser.mjs";
import { installExtension, startCodeServer } from "../../scripts/workbench/codeServer.mjs";
import { CACHE_DIR, REPO_ROOT } from "../../scripts/workbench/paths.mjs";
import { guardExtensionVsix, networkGuardEnv, networkGuardVerdict } from "../../scripts/workbench/networkGuard.mjs";
import { ensureWorkbench } from "../../scripts/workbench/setup.mjs";
import { prepareTestbed } from "../../scripts/workbench/testbed.mjs";

const RESULTS_DIR = path.join(REPO_ROOT, "test-results", "integration");
const SUITE = path.join(REPO_ROOT, "out", "test", "integration", "suite", "index.js");
const RESULT_MARKER = "HEARTH_INTEGRATION_RESULT";
const RESULT_FILE = path.join(RESULTS_DIR, "result.json");
const GUARD_LOG = path.join(RESULTS_DIR, "network-attempts.jsonl");
const START_MARKER = "HEARTH_INTEGRATION_START";
/** Workbench log lines that are not ours (no network here). */
const NOISE = /open-vsx\.org|authentication provider 'github'|api\.github\.com|marketplace/i;
/** The host-figures test runs HEARTH_HOST_FIGURE_REQUESTS requests (300 by default): allow a second each beyond that. */
const FIGURE_REQUESTS = Number(process.env.HEARTH_HOST_FIGURE_REQUESTS || 300);
const TIMEOUT_MS = Number(process.env.HEARTH_INTEGRATION_TIMEOUT_MS ?? 600_000 + Math.max(0, FIGURE_REQUESTS - 300) * 1000);
const t0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`[${secs(Date.now() - t0)}] ${msg}`);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
}

/** A local VS Code executable, or undefined (no downloads). */
function localVSCode() {
  if (process.env.HEARTH_VSCODE_EXECUTABLE) {
    if (!existsSync(process.env.HEARTH_VSCODE_EXECUTABLE)) {
      throw new Error(`HEARTH_VSCODE_EXECUTABLE=${process.env.HEARTH_VSCODE_EXECUTABLE} does not exist`);
    }
    return process.env.HEARTH_VSCODE_EXECUTABLE;
  }
  if (!existsSync(CACHE_DIR)) return undefined;
  for (const dir of readdirSync(CACHE_DIR).filter((d) => d.startsWith("vscode-")).sort().reverse()) {
    for (const rel of ["code", "VSCode-linux-x64/code", "bin/code"]) {
      const exe = path.join(CACHE_DIR, dir, rel);
      if (existsSync(exe)) return exe;
    }
  }
  return undefined;
}

/** Environment the suite reads in the extension host. */
function testEnv() {
  return { HEARTH_INTEGRATION_GREP: process.env.HEARTH_INTEGRATION_GREP ?? "", HEARTH_INTEGRATION_RESULT_FILE: RESULT_FILE, HEARTH_HOST_FIGURE_REQUESTS: String(FIGURE_REQUESTS) };
}

/** The suite's result file, if it wrote one. */
function readResultFile() {
  try {
    return JSON.parse(readFileSync(RESULT_FILE, "utf8"));
  } catch {
    return undefined;
  }
}

/** Parses the suite's result line (and mocha's summary as a fallback) out of collected output. */
function parseResult(text) {
  const marker = [...text.matchAll(new RegExp(`${RESULT_MARKER} (\\{[^}]*\\})`, "g"))].pop();
  if (marker) return JSON.parse(marker[1]);
  const passing = /(\d+) passing/.exec(text);
  const failing = /(\d+) failing/.exec(text);
  if (passing || failing) return { passed: Number(passing?.[1] ?? 0), failed: Number(failing?.[1] ?? 0) };
  return undefined;
}

async function runWithElectron(executable, testbed) {
  log(`mode: @vscode/test-electron with ${executable}`);
  const { runTests } = await import("@vscode/test-electron");
  const lines = [];
  const exitCode = await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: SUITE,
    launchArgs: [
      testbed.workspace,
      `--user-data-dir=${testbed.userDataDir}`,
      `--extensions-dir=${testbed.extensionsDir}`,
      "--disable-workspace-trust",
      "--disable-gpu",
      "--skip-welcome",
      "--skip-release-notes",
    ],
    extensionTestsEnv: testEnv(),
    reuseMachineInstall: false,
  }).catch((err) => {
    lines.push(String(err));
    return typeof err === "number" ? err : 1;
  });
  return { exitCode, output: lines.join("\n") };
}

let activeServer;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    console.error(`\n${sig}: stopping`);
    await activeServer?.stop().catch(() => {});
    try {
      testbed?.remove();
    } catch {
      /* not created yet */
    }
    process.exit(130);
  });
}

async function runWithCodeServer(testbed) {
  log("mode: code-server extension host (smoke-test driver payload)");
  await ensureWorkbench({ log });
  await installExtension(guardExtensionVsix(), { extensionsDir: testbed.extensionsDir, userDataDir: testbed.userDataDir });
  const server = await startCodeServer({
    userDataDir: testbed.userDataDir,
    extensionsDir: testbed.extensionsDir,
    extraArgs: ["--vscode-option", "enable-smoke-test-driver"],
    env: { ...testEnv(), ...networkGuardEnv(GUARD_LOG) },
    logFile: path.join(RESULTS_DIR, "code-server.log"),
  });
  activeServer = server;
  log(`code-server up on port ${server.port}`);
  let browser;
  const output = [];
  try {
    browser = await launchChromium();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    let finish;
    const exited = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction("codeAutomationExit", (code, logs) => {
      finish({ code, logs });
    });
    // The workbench's log, which carries the extension host's console (mocha's reporter) once the
    // suite has started; print that part live, keep everything for output.log.
    let suiteStarted = false;
    await page.exposeFunction("codeAutomationLog", (level, message) => {
      const text = String(message);
      output.push(`[workbench ${level}] ${text}`);
      if (text.includes(START_MARKER)) suiteStarted = true;
      else if (suiteStarted && !text.startsWith("[") && text.trim() !== "" && !text.includes(RESULT_MARKER) && !NOISE.test(text)) {
        console.log(`  ${text}`);
      }
    });
    page.on("console", (msg) => output.push(`[console ${msg.type()}] ${msg.text()}`));
    page.on("pageerror", (err) => output.push(`[pageerror] ${err.message}`));
    const authority = `127.0.0.1:${server.port}`;
    const remote = (p) => `vscode-remote://${authority}${p}`;
    const payload = [
      ["extensionDevelopmentPath", remote(REPO_ROOT)],
      ["extensionTestsPath", remote(SUITE)],
    ];
    await page.goto(server.folderUrl(testbed.workspace, payload));
    const timeout = new Promise((resolve) => setTimeout(() => resolve({ code: "timeout" }), TIMEOUT_MS));
    const result = await Promise.race([exited, timeout]);
    try {
      await page.screenshot({ path: path.join(RESULTS_DIR, "workbench.png") });
    } catch {
      /* page may be gone */
    }
    for (const file of result.logs ?? []) {
      const target = path.join(RESULTS_DIR, "logs", file.relativePath.replace(/\.\.(\/|\\)/g, ""));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.contents);
      output.push(file.contents);
    }
    if (result.code === "timeout") {
      output.push(`timed out after ${secs(TIMEOUT_MS)} without codeAutomationExit`);
      return { exitCode: 1, output: output.join("\n"), timedOut: true };
    }
    return { exitCode: Number(result.code), output: output.join("\n") };
  } finally {
    if (browser) await browser.close();
    const r = await server.stop();
    log(`stopped code-server (${r.killed} processes, ${r.forced} needed SIGKILL)`);
  }
}

let passed = 0;
let failed = 0;
let testbed;
try {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  mkdirSync(RESULTS_DIR, { recursive: true });
  if (process.env.HEARTH_SKIP_BUILD !== "1") {
    run("npm", ["run", "--silent", "build"]);
    run("npx", ["tsc", "-p", "test/integration"]);
  }
  if (!existsSync(SUITE)) throw new Error(`${SUITE} missing: run npx tsc -p test/integration (or npm run compile-tests)`);
  testbed = prepareTestbed({ prefix: "hearth-integration-" });
  const mode = process.env.HEARTH_INTEGRATION_MODE;
  const executable = mode === "code-server" ? undefined : localVSCode();
  if (mode === "electron" && !executable) throw new Error("HEARTH_INTEGRATION_MODE=electron but no local VS Code found");
  const { exitCode, output, timedOut } = executable
    ? await runWithElectron(executable, testbed)
    : await runWithCodeServer(testbed);
  writeFileSync(path.join(RESULTS_DIR, "output.log"), output);
  const counts = readResultFile() ?? parseResult(output);
  if (counts) ({ passed, failed } = counts);
  if (exitCode !== 0 && failed === 0) failed = 1; // a failure that mocha did not count (load error, timeout)
  if (exitCode === 0 && !counts) log("warning: the suite's result line was not seen; trusting the exit code");
  if (exitCode === 0 && passed === 0 && !counts) passed = 1;
  log(`extension host exit code ${exitCode}${timedOut ? " (timed out)" : ""}; output in ${path.relative(REPO_ROOT, RESULTS_DIR)}`);
  if (!executable) {
    const guard = networkGuardVerdict(GUARD_LOG);
    log(guard.summary);
    if (guard.problems.length > 0) {
      console.error(`network guard:\n  ${guard.problems.join("\n  ")}`);
      failed += 1;
    }
  }
} catch (err) {
  console.error(`integration run failed: ${err?.message ?? err}`);
  failed += 1;
} finally {
  testbed?.remove();
}
console.log(`total time ${secs(Date.now() - t0)}`);
console.log(`integration: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
