#!/usr/bin/env node
// Runs before `npm start` and `npm test` (prestart, pretest): when node_modules is missing or does
// not match package-lock.json, says so in one line and runs `npm ci`, so the README's two
// commands are the whole set-up on a fresh clone. Uses nothing but Node itself (it runs before
// any dependency is there), and changes nothing outside node_modules.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Why node_modules must be installed again, or undefined when it matches the lock file.
 *   lock     package-lock.json
 *   hidden   node_modules/.package-lock.json, which npm writes after every install (undefined when missing)
 * Optional packages may be absent (npm skips those for other platforms); every other package
 * must be there at its locked version, and nothing may be there that the lock does not list.
 */
export function staleReason(lock, hidden) {
  if (!lock?.packages) return "package-lock.json is missing or unreadable";
  if (!hidden?.packages) return "node_modules is missing";
  const installed = hidden.packages;
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (location === "" || entry.link) continue;
    const present = installed[location];
    if (!present) {
      if (entry.optional) continue;
      return `node_modules lacks ${location.replace(/^.*node_modules\//, "")}, which package-lock.json lists`;
    }
    if (present.version !== entry.version) {
      return `node_modules has ${location.replace(/^.*node_modules\//, "")} ${present.version}, package-lock.json ${entry.version}`;
    }
  }
  for (const location of Object.keys(installed)) {
    if (!(location in lock.packages)) return `node_modules has ${location.replace(/^.*node_modules\//, "")}, which package-lock.json does not list`;
  }
  return undefined;
}

function main() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const reason = staleReason(readJson(path.join(root, "package-lock.json")), readJson(path.join(root, "node_modules", ".package-lock.json")));
  if (!reason) return;
  const packages = Object.keys(readJson(path.join(root, "package-lock.json"))?.packages ?? {}).length - 1;
  console.log(`${reason}: installing the npm dependencies with npm ci (${packages} package${packages === 1 ? "" : "s"} from the npm registry into node_modules/, nothing outside this folder).`);
  const run = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
  if (run.status !== 0) {
    console.error("npm ci failed: check that the npm registry (registry.npmjs.org or your npm config's registry) can be reached, then run the command again.");
    process.exit(run.status ?? 1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
