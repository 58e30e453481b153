// The network guard (test/support/network/guard.cjs) for the workbench runs: loaded through
// NODE_OPTIONS into code-server and everything it starts (the extension host, and from it
// Hearth's engine). code-server's own traffic (gallery, update checks) is only observed; an
// attempt from Hearth's code (its bundles, the installed VSIX, the in-host test suite) is
// refused and fails the run. The runner also checks that the guard was loaded in the
// extension host and in the engine, so a stripped NODE_OPTIONS cannot pass silently.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CACHE_DIR, REPO_ROOT } from "./paths.mjs";

const GUARD = path.join(REPO_ROOT, "test", "support", "network", "guard.cjs");
const GUARD_EXTENSION = path.join(REPO_ROOT, "test", "support", "network", "guard-extension");
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Hearth's code: the repository's dist/ and out/, and the installed extension's folder. */
export const HEARTH_SCOPE = `${escape(REPO_ROOT)}/(dist|out)/|/hearth\\.hearth-[^/]*/`;

/**
 * The test-only extension that loads the guard into the extension host (whose environment
 * VS Code strips of NODE_OPTIONS), packaged as a VSIX for `installExtension`.
 */
export function guardExtensionVsix() {
  const out = path.join(CACHE_DIR, "hearth-network-guard.vsix");
  const scratch = mkdtempSync(path.join(os.tmpdir(), "hearth-guard-ext-"));
  try {
    cpSync(GUARD_EXTENSION, scratch, { recursive: true });
    mkdirSync(CACHE_DIR, { recursive: true });
    execFileSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "@vscode", "vsce", "vsce"), "package", "--out", out,
      "--skip-license", "--allow-missing-repository", "--no-dependencies", "--allow-star-activation"], { cwd: scratch, stdio: ["ignore", "ignore", "inherit"] });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return out;
}

/** Environment for startCodeServer; the log file is replaced. */
export function networkGuardEnv(logFile) {
  rmSync(logFile, { force: true });
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(GUARD)}`.trim(),
    HEARTH_NETWORK_GUARD_PATH: GUARD,
    HEARTH_NETWORK_GUARD_LOG: logFile,
    HEARTH_NETWORK_GUARD_SCOPE: HEARTH_SCOPE,
    HEARTH_NETWORK_GUARD_RECORD_LOADS: "1",
  };
}

/**
 * What the guard saw: refused attempts (Hearth's), observed ones (code-server's), and whether it
 * was loaded in an extension host and in Hearth's engine. `problems` is empty when all is well.
 */
export function networkGuardVerdict(logFile, { expectEngine = true } = {}) {
  const entries = existsSync(logFile)
    ? readFileSync(logFile, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line))
    : [];
  const loaded = entries.filter((entry) => entry.verdict === "loaded");
  const refused = entries.filter((entry) => entry.verdict === "refused");
  const observed = entries.filter((entry) => entry.verdict === "observed");
  const inExtensionHost = loaded.some((entry) => /extensionHost|--type=extensionHost/.test(entry.argv ?? ""));
  const inEngine = loaded.some((entry) => /[\\/]dist[\\/]engine\.js$/.test(entry.target ?? ""));
  const problems = [];
  if (!inExtensionHost) problems.push("the guard was not loaded in the extension host (NODE_OPTIONS did not reach it)");
  if (expectEngine && !inEngine) problems.push("the guard was not loaded in Hearth's engine process");
  for (const entry of refused.slice(0, 5)) problems.push(`refused ${entry.kind} to ${entry.target} from Hearth (pid ${entry.pid}):\n${entry.stack}`);
  const summary = `network guard: loaded in ${loaded.length} processes (extension host ${inExtensionHost ? "yes" : "NO"}, engine ${inEngine ? "yes" : "no"}); ` +
    `${refused.length} refused from Hearth; ${observed.length} observed from the workbench itself` +
    (observed.length ? ` (${[...new Set(observed.map((entry) => entry.target))].slice(0, 4).join(", ")})` : "");
  return { summary, problems, refused: refused.length, observed: observed.length };
}
