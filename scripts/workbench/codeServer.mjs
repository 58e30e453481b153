// Starting and stopping code-server (VS Code in the browser) for tests and `npm start`.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync } from "node:fs";
import net from "node:net";
import { codeServerEntry, codeServerEnv, node24Path } from "./paths.mjs";
import { descendantsOf, killPids, pidsWithEnv } from "./processes.mjs";

const TAG = "HEARTH_WORKBENCH_RUN";

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Common code-server flags (the recipe's). */
export function codeServerArgs({ port, userDataDir, extensionsDir }) {
  return [
    "--auth", "none",
    "--bind-addr", `127.0.0.1:${port}`,
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--user-data-dir", userDataDir,
    "--extensions-dir", extensionsDir,
  ];
}

function childEnv(env) {
  return codeServerEnv(env);
}

/** Runs code-server once with a CLI action (e.g. --install-extension); resolves with its output. */
export function runCodeServerCli(args, { userDataDir, extensionsDir, env, timeoutMs = 180_000 } = {}) {
  return new Promise((resolve, reject) => {
    const full = [codeServerEntry(), ...(userDataDir ? ["--user-data-dir", userDataDir] : []),
      ...(extensionsDir ? ["--extensions-dir", extensionsDir] : []), ...args];
    const child = spawn(node24Path(), full, { env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`code-server ${args.join(" ")} failed (exit ${code}):\n${output}`));
    });
  });
}

/** Installs a VSIX (or gallery id) into extensionsDir with code-server's CLI. */
export async function installExtension(vsixOrId, { extensionsDir, userDataDir, env } = {}) {
  const out = await runCodeServerCli(["--install-extension", vsixOrId, "--force"], { extensionsDir, userDataDir, env });
  if (!/successfully installed|already installed/i.test(out)) {
    throw new Error(`Installing ${vsixOrId} did not report success:\n${out}`);
  }
  return out;
}

async function waitForHealthy(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early (code ${child.exitCode})`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer on port ${port} within ${timeoutMs} ms`);
}

/**
 * Starts code-server and waits until it answers.
 * Returns { url, port, pid, baseUrl, folderUrl(folder, payload?), logFile, stop() }.
 * `url` opens `workspace` (if given). stop() kills the whole process tree, including helpers
 * that ignore SIGTERM or were reparented, found by an environment tag unique to this start.
 */
export async function startCodeServer({
  port,
  userDataDir,
  extensionsDir,
  workspace,
  extraArgs = [],
  env = {},
  logFile,
  startTimeoutMs = 60_000,
}) {
  port = port || (await freePort());
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const tag = randomUUID();
  const args = [codeServerEntry(), ...codeServerArgs({ port, userDataDir, extensionsDir }), ...extraArgs];
  if (workspace) args.push(workspace);
  const child = spawn(node24Path(), args, {
    env: childEnv({ ...env, [TAG]: tag }),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group: one signal reaches the whole group
  });
  const log = logFile ? createWriteStream(logFile, { flags: "a" }) : undefined;
  child.stdout.on("data", (d) => log?.write(d));
  child.stderr.on("data", (d) => log?.write(d));

  const seen = new Set([child.pid]);
  const record = () => {
    for (const pid of descendantsOf(child.pid)) seen.add(pid);
    for (const pid of pidsWithEnv(TAG, tag)) seen.add(pid);
  };
  const recorder = setInterval(record, 2000);
  recorder.unref();

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      clearInterval(recorder);
      record();
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* group gone */
      }
      const result = await killPids([...seen], { graceMs: 3000, more: () => pidsWithEnv(TAG, tag) });
      await new Promise((r) => log ? log.end(r) : r());
      return result;
    })();
    return stopped;
  };

  try {
    await waitForHealthy(port, child, startTimeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  record();
  const baseUrl = `http://127.0.0.1:${port}`;
  const folderUrl = (folder, payload) =>
    `${baseUrl}/?folder=${encodeURI(folder)}${payload ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ""}`;
  return {
    port,
    pid: child.pid,
    baseUrl,
    url: workspace ? folderUrl(workspace) : `${baseUrl}/`,
    folderUrl,
    logFile,
    process: child,
    pids: () => (record(), [...seen]),
    stop,
  };
}
