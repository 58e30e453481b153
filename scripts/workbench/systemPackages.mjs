// The Debian packages the local workbench may need, and asking before installing them.
// `npm start` serves VS Code at a URL: it needs libkrb5-dev only to build code-server the first
// time, and never a browser. The E2E and integration runners also need chromium. Nothing is
// installed without a line saying what and why; on a terminal the user is asked first, and
// elsewhere (CI, scripts) only with --yes or CI=true.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { CHROMIUM_PATH } from "./paths.mjs";

export const GSSAPI_HEADER = "/usr/include/gssapi/gssapi.h";

/** The packages missing for this run: [{ name, why }]. */
export function missingSystemPackages({ buildCodeServer, browser, exists = existsSync }) {
  const missing = [];
  if (buildCodeServer && !exists(GSSAPI_HEADER)) missing.push({ name: "libkrb5-dev", why: "Kerberos headers, to build code-server's kerberos module once" });
  if (browser && !exists(CHROMIUM_PATH)) missing.push({ name: "chromium", why: "the browser the E2E and integration tests drive" });
  return missing;
}

/** "N upgraded, M newly installed" from `apt-get install -s`; undefined when not found. */
export function parseAptSimulation(output) {
  const match = /(\d+) upgraded, (\d+) newly installed/.exec(output ?? "");
  return match ? { upgraded: Number(match[1]), newlyInstalled: Number(match[2]) } : undefined;
}

export function aptCommand(names) {
  return `apt-get install -y --no-install-recommends ${names.join(" ")}`;
}

/** The one line said before installing. */
export function installLine(missing, simulation) {
  const names = missing.map((item) => item.name);
  const effect = simulation
    ? ` (${simulation.newlyInstalled} new Debian package${simulation.newlyInstalled === 1 ? "" : "s"}${simulation.upgraded ? `, ${simulation.upgraded} upgraded` : ""})`
    : "";
  return `Needs ${missing.map((item) => `${item.name}: ${item.why}`).join("; ")}. Installing with: ${aptCommand(names)}${effect}`;
}

/**
 * What to do about missing packages: "install" now, "ask" the user first, or refuse with a
 * reason ("not-root", "no-apt", "not-confirmed": no terminal to ask and no --yes / CI=true).
 */
export function installDecision({ isRoot, hasApt, interactive, assumeYes }) {
  if (!hasApt) return "no-apt";
  if (!isRoot) return "not-root";
  if (assumeYes) return "install";
  return interactive ? "ask" : "not-confirmed";
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function hasApt() {
  return spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
}

async function askYes(question) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(`${question} [Y/n] `)).trim().toLowerCase();
    return answer === "" || answer === "y" || answer === "yes";
  } finally {
    rl.close();
  }
}

/**
 * Installs the missing packages after saying so (and asking, on a terminal). Throws with the
 * command to run by hand when it may not or cannot install them.
 */
export async function ensureSystemPackages({ buildCodeServer, browser, assumeYes = false, log = console.log }) {
  const missing = missingSystemPackages({ buildCodeServer, browser });
  if (missing.length === 0) return;
  const names = missing.map((item) => item.name);
  const decision = installDecision({
    isRoot: isRoot(),
    hasApt: hasApt(),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    assumeYes: assumeYes || process.env.CI === "true",
  });
  const needs = missing.map((item) => `${item.name} (${item.why})`).join(", ");
  if (decision === "no-apt") throw new Error(`Needs ${needs}. This system has no apt-get: install the equivalent packages with its package manager, then run the command again.`);
  if (decision === "not-root") throw new Error(`Needs ${needs}. Install with: sudo ${aptCommand(names)}, then run the command again.`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const simulate = () => spawnSync("apt-get", ["install", "-s", "--no-install-recommends", ...names], { encoding: "utf8", env });
  let simulation = simulate();
  if (simulation.status !== 0) {
    // The package lists may be missing on a fresh machine.
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    simulation = simulate();
  }
  const line = installLine(missing, parseAptSimulation(simulation.stdout));
  if (decision === "not-confirmed") throw new Error(`${line}\nNot installing without a yes: run the command again with --yes (or in a terminal), or install them yourself.`);
  log(line);
  if (decision === "ask" && !(await askYes("Install them now?"))) throw new Error(`Not installed. Install them with: sudo ${aptCommand(names)}`);
  const started = Date.now();
  const run = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...names], { stdio: "inherit", env });
  const still = missingSystemPackages({ buildCodeServer, browser });
  if (run.status !== 0 || still.length > 0) throw new Error(`${aptCommand(names)} failed; install ${names.join(" ")} by hand.`);
  log(`installed ${names.join(" ")} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
