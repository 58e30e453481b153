#!/usr/bin/env node
// npm start [-- --port 8080] [--models <dir>] [--fresh] [--no-build]
// Builds the extension, then runs it in a local VS Code (code-server) on sample-workspace/ until Ctrl+C.
//   --port <n>      port to listen on (default: $PORT, else a free port)
//   --models <dir>  folder with GGUF models: becomes hearth.modelFolders, and its first GGUF file
//                   hearth.completion.modelPath (default: $HEARTH_TEST_MODELS or ../shared/models)
//   --fresh         start from a new copy of sample-workspace/ and fresh user data
//   --no-build      skip npm run build
// The extension is loaded from this repository (a link in the extensions dir), so after
// `npm run build` (or `npm run watch`) "Developer: Reload Window" picks up changes.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { startCodeServer } from "./workbench/codeServer.mjs";
import { CACHE_DIR, REPO_ROOT, defaultModelsDir, extensionManifest } from "./workbench/paths.mjs";
import { BASE_SETTINGS, ggufFilesIn, writeUserSettings } from "./workbench/settings.mjs";
import { ensureWorkbench } from "./workbench/setup.mjs";

function parseArgs(argv) {
  const opts = { port: Number(process.env.PORT) || 0, models: undefined, fresh: false, build: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--port") opts.port = Number(value());
    else if (arg.startsWith("--port=")) opts.port = Number(arg.slice(7));
    else if (arg === "--models") opts.models = path.resolve(value());
    else if (arg.startsWith("--models=")) opts.models = path.resolve(arg.slice(9));
    else if (arg === "--fresh") opts.fresh = true;
    else if (arg === "--no-build") opts.build = false;
    else if (arg === "--help" || arg === "-h") {
      console.log(readFileSync(new URL(import.meta.url), "utf8").split("\n").slice(1, 10).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (see --help)`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`bad --port ${opts.port}`);
  return opts;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

const t0 = Date.now();
const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}

if (opts.build) {
  const r = spawnSync("npm", ["run", "--silent", "build"], { cwd: REPO_ROOT, stdio: "inherit" });
  if (r.status !== 0) {
    console.error("npm run build failed");
    process.exit(1);
  }
}
try {
  await ensureWorkbench();
} catch (err) {
  console.error(`setup:workbench failed: ${err.message}`);
  process.exit(1);
}

const manifest = extensionManifest();
const base = path.join(CACHE_DIR, "start");
const extensionsDir = path.join(base, "extensions");
const userDataDir = path.join(base, "user-data");
const workspace = path.join(base, "sample-workspace");
if (opts.fresh) {
  rmSync(userDataDir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
}
// The extension: this repository, linked as an installed extension (rebuilt above).
rmSync(extensionsDir, { recursive: true, force: true });
mkdirSync(extensionsDir, { recursive: true });
symlinkSync(REPO_ROOT, path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`));
if (!existsSync(workspace)) cpSync(path.join(REPO_ROOT, "sample-workspace"), workspace, { recursive: true });

// Settings: keep what the user changed in the UI last time, refresh the base and model settings.
const modelsDir = opts.models ?? defaultModelsDir();
const hearth = {};
if (existsSync(modelsDir) && lstatSync(modelsDir).isDirectory()) {
  hearth["hearth.modelFolders"] = [modelsDir];
  const first = ggufFilesIn(modelsDir)[0];
  if (first) hearth["hearth.completion.modelPath"] = first;
  console.log(`models: ${modelsDir}${first ? ` (completion model ${path.basename(first)})` : " (no GGUF files there)"}`);
} else {
  console.log(`models: ${modelsDir} does not exist; no model set (use --models <dir> or Hearth: Select Model…)`);
}
const previous = readJson(path.join(userDataDir, "User", "settings.json")) ?? {};
writeUserSettings(userDataDir, { ...BASE_SETTINGS, ...previous, ...hearth });

const server = await startCodeServer({
  port: opts.port,
  userDataDir,
  extensionsDir,
  workspace,
  logFile: path.join(base, "code-server.log"),
}).catch((err) => {
  console.error(`code-server did not start: ${err.message} (log: ${path.join(base, "code-server.log")})`);
  process.exit(1);
});

console.log(`\nHearth ${manifest.version} in VS Code (code-server), ready in ${secs()}:\n\n  ${server.url}\n`);
console.log(`workspace ${workspace}\nlog ${path.join(base, "code-server.log")}\nPress Ctrl+C to stop.`);

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping code-server…");
  const r = await server.stop();
  console.log(`stopped (${r.killed} processes${r.forced ? `, ${r.forced} needed SIGKILL` : ""})`);
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGHUP", () => void shutdown(0));
server.process.on("exit", (code, signal) => {
  if (stopping) return;
  console.error(`code-server exited (${signal ?? `code ${code}`}); see ${path.join(base, "code-server.log")}`);
  void shutdown(1);
});
