#!/usr/bin/env node
// npm start [-- --port 8080] [--models <dir>] [--fresh] [--no-build] [--yes]
// Builds the extension, then runs it in a local VS Code (code-server) on sample-workspace/ until Ctrl+C.
//   --port <n>      port to listen on (default: $PORT, else the last run's port while it is free, else a free one)
//   --models <dir>  folder with GGUF models, added to hearth.modelFolders; its first GGUF file becomes the
//                   completion model unless one is chosen (default: $HEARTH_TEST_MODELS or ../shared/models)
//   --fresh         start from a new copy of sample-workspace/ and fresh settings
//   --no-build      skip npm run build
//   --yes           install a missing Debian package (libkrb5-dev, to build code-server) without asking
// First run: Node 24 and code-server go into .vscode-test/ (npm registry); a Debian package is installed
// only when missing, after one line saying what and why (and a question, on a terminal). No browser is
// installed: open the printed URL in yours. Settings changed in the workbench are kept for the next run.
// The extension is loaded from this repository (a link in the extensions dir), so after
// `npm run build` (or `npm run watch`) "Developer: Reload Window" picks up changes.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startCodeServer } from "./workbench/codeServer.mjs";
import { CACHE_DIR, REPO_ROOT, defaultModelsDir, extensionManifest } from "./workbench/paths.mjs";
import { BASE_SETTINGS, ggufFilesIn } from "./workbench/settings.mjs";
import { ensureWorkbench } from "./workbench/setup.mjs";
import { choosePort, parseJsonc, startSettings } from "./workbench/startState.mjs";

function parseArgs(argv) {
  const opts = { port: Number(process.env.PORT) || 0, models: undefined, fresh: false, build: true, yes: false };
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
    else if (arg === "--yes" || arg === "-y") opts.yes = true;
    else if (arg === "--help" || arg === "-h") {
      console.log(readFileSync(new URL(import.meta.url), "utf8").split("\n").slice(1, 13).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (see --help)`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`bad --port ${opts.port}`);
  return opts;
}

/** A settings file's content; throws when it exists but cannot be parsed (it is then left alone). */
function readSettings(file) {
  if (!existsSync(file)) return {};
  try {
    return parseJsonc(readFileSync(file, "utf8")) ?? {};
  } catch (err) {
    throw new Error(`${file} cannot be read (${err.message}): fix or delete it, or run npm start -- --fresh`, { cause: err });
  }
}

function writeJson(file, value) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
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
  await ensureWorkbench({ browser: false, assumeYes: opts.yes });
} catch (err) {
  console.error(`npm start cannot set up the workbench: ${err.message}`);
  process.exit(1);
}

const manifest = extensionManifest();
const base = path.join(CACHE_DIR, "start");
const extensionsDir = path.join(base, "extensions");
const userDataDir = path.join(base, "user-data");
const workspace = path.join(base, "sample-workspace");
const stateFile = path.join(base, "state.json");
if (opts.fresh) {
  rmSync(userDataDir, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
}
// The extension: this repository, linked as an installed extension (rebuilt above).
rmSync(extensionsDir, { recursive: true, force: true });
mkdirSync(extensionsDir, { recursive: true });
symlinkSync(REPO_ROOT, path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`));
if (!existsSync(workspace)) cpSync(path.join(REPO_ROOT, "sample-workspace"), workspace, { recursive: true });

// Settings: what the user changed in the workbench last time is kept (the model choices included).
const modelsDir = opts.models ?? defaultModelsDir();
const modelsFolder = existsSync(modelsDir) && lstatSync(modelsDir).isDirectory() ? modelsDir : undefined;
const settingsFiles = { user: path.join(userDataDir, "User", "settings.json"), machine: path.join(userDataDir, "Machine", "settings.json") };
let settings;
try {
  settings = startSettings({
    previous: { user: readSettings(settingsFiles.user), machine: readSettings(settingsFiles.machine) },
    base: BASE_SETTINGS,
    modelsDir: modelsFolder,
    ggufFiles: modelsFolder ? ggufFilesIn(modelsFolder) : [],
    explicit: opts.models !== undefined,
    exists: existsSync,
  });
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
if (settings.changed.user) writeJson(settingsFiles.user, settings.user);
if (settings.changed.machine) writeJson(settingsFiles.machine, settings.machine);
console.log(modelsFolder
  ? `models: ${modelsFolder}${ggufFilesIn(modelsFolder).length === 0 ? " (no GGUF files there)" : ""}`
  : `models: ${modelsDir} does not exist (use --models <dir> or Hearth: Select Model…)`);
for (const note of settings.notes) console.log(`settings: ${note}`);

let previousState = {};
try {
  previousState = JSON.parse(readFileSync(stateFile, "utf8"));
} catch {
  /* first run */
}
const { port, note: portNote } = await choosePort({ requested: opts.port, last: previousState.port });
if (portNote) console.log(portNote);

const server = await startCodeServer({
  port,
  userDataDir,
  extensionsDir,
  workspace,
  logFile: path.join(base, "code-server.log"),
}).catch((err) => {
  console.error(`code-server did not start: ${err.message} (log: ${path.join(base, "code-server.log")})`);
  process.exit(1);
});
writeJson(stateFile, { ...previousState, port: server.port });

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
