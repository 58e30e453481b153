// node-llama-cpp's prebuilt binaries for any VSIX target. npm ci installs only this machine's
// (they are optional dependencies filtered by os/cpu), so the other targets' packages are fetched
// from the npm registry with `npm pack`, checked against the integrity that package-lock.json
// records for them, and unpacked into .cache/ (ignored by git, reused by later packagings).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const SCOPE = "@node-llama-cpp";

function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** The version and integrity package-lock.json pins for a binary package. */
export function lockedBinaryPackage(root, name) {
  const lock = readJson(path.join(root, "package-lock.json"));
  const entry = lock.packages?.[`node_modules/${SCOPE}/${name}`];
  if (!entry?.version || !entry.integrity) {
    throw new Error(`package-lock.json does not pin ${SCOPE}/${name}: it should, as an optional dependency of node-llama-cpp.`);
  }
  return { version: entry.version, integrity: entry.integrity };
}

/** True when `tarball`'s bytes match an SRI integrity string such as "sha512-…". */
export function matchesIntegrity(bytes, integrity) {
  return integrity.split(/\s+/).some((item) => {
    const [algorithm, expected] = [item.slice(0, item.indexOf("-")), item.slice(item.indexOf("-") + 1)];
    if (!["sha512", "sha384", "sha256", "sha1"].includes(algorithm)) return false;
    return createHash(algorithm).update(bytes).digest("base64") === expected;
  });
}

function installedVersion(dir) {
  try {
    return readJson(path.join(dir, "package.json")).version;
  } catch {
    return undefined;
  }
}

/**
 * The folder of a binary package at the locked version: node_modules' copy when npm installed
 * it, else the unpacked copy in .cache/, fetched first when missing.
 */
export function binaryPackageDir(root, name, { log = console.log } = {}) {
  const { version, integrity } = lockedBinaryPackage(root, name);
  const installed = path.join(root, "node_modules", SCOPE, name);
  if (installedVersion(installed) === version) return installed;

  const cached = path.join(root, ".cache", "node-llama-cpp-prebuilt", `${name}-${version}`);
  const marker = path.join(cached, "verified.json");
  if (existsSync(marker) && installedVersion(path.join(cached, "package")) === version) return path.join(cached, "package");

  log(`fetching ${SCOPE}/${name}@${version} (node-llama-cpp's prebuilt ${name} build) from the npm registry into ${path.relative(root, cached)}/`);
  mkdirSync(path.dirname(cached), { recursive: true });
  const scratch = mkdtempSync(path.join(path.dirname(cached), `.${name}-`));
  try {
    const output = execFileSync("npm", ["pack", `${SCOPE}/${name}@${version}`, "--json", "--pack-destination", scratch], {
      cwd: scratch,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [{ filename }] = JSON.parse(output);
    const tarball = path.join(scratch, filename);
    if (!matchesIntegrity(readFileSync(tarball), integrity)) {
      throw new Error(`${filename} from the registry does not match the integrity package-lock.json records (${integrity.slice(0, 20)}…)`);
    }
    const unpacked = path.join(scratch, "unpacked");
    mkdirSync(unpacked);
    execFileSync("tar", ["-xzf", tarball, "-C", unpacked], { stdio: "inherit" });
    if (installedVersion(path.join(unpacked, "package")) !== version) throw new Error(`${filename} does not hold ${SCOPE}/${name}@${version}`);
    writeFileSync(path.join(unpacked, "verified.json"), JSON.stringify({ name: `${SCOPE}/${name}`, version, integrity }, null, 2) + "\n");
    rmSync(cached, { recursive: true, force: true });
    renameSync(unpacked, cached);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return path.join(cached, "package");
}
