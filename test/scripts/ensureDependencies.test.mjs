// The prestart/pretest step: node_modules is installed again exactly when it does not match package-lock.json.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { staleReason } from "../../scripts/ensure-dependencies.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

const lock = {
  packages: {
    "": { name: "x", dependencies: { a: "1.0.0" } },
    "node_modules/a": { version: "1.0.0" },
    "node_modules/a/node_modules/b": { version: "2.0.0" },
    "node_modules/native-other-os": { version: "3.0.0", optional: true },
  },
};
const installed = {
  packages: {
    "node_modules/a": { version: "1.0.0" },
    "node_modules/a/node_modules/b": { version: "2.0.0" },
  },
};

describe("npm start / npm test install missing dependencies (scripts/ensure-dependencies.mjs)", () => {
  it("finds this checkout's node_modules in step with package-lock.json", () => {
    assert.equal(staleReason(readJson(path.join(ROOT, "package-lock.json")), readJson(path.join(ROOT, "node_modules", ".package-lock.json"))), undefined);
  });

  it("accepts optional packages npm skipped for this platform", () => {
    assert.equal(staleReason(lock, installed), undefined);
  });

  it("asks for npm ci when node_modules is missing, lacks a package, holds another version or an unlisted package", () => {
    assert.equal(staleReason(lock, undefined), "node_modules is missing");
    assert.match(staleReason(lock, { packages: { "node_modules/a": { version: "1.0.0" } } }), /lacks b, which package-lock\.json lists/);
    assert.match(staleReason(lock, { packages: { ...installed.packages, "node_modules/a": { version: "0.9.0" } } }), /has a 0\.9\.0, package-lock\.json 1\.0\.0/);
    assert.match(staleReason(lock, { packages: { ...installed.packages, "node_modules/left-over": { version: "1.0.0" } } }), /has left-over, which package-lock\.json does not list/);
    assert.match(staleReason(undefined, installed), /package-lock\.json is missing/);
  });

  it("on a fresh clone says in one line what it installs, runs npm ci, and does nothing the second time", function () {
    this.timeout(120_000);
    // A project whose one dependency is a local tarball: npm ci installs it without the registry.
    const project = mkdtempSync(path.join(os.tmpdir(), "hearth-ensure-deps-"));
    try {
      mkdirSync(path.join(project, "scripts"));
      copyFileSync(path.join(ROOT, "scripts", "ensure-dependencies.mjs"), path.join(project, "scripts", "ensure-dependencies.mjs"));
      mkdirSync(path.join(project, "dep"));
      writeFileSync(path.join(project, "dep", "package.json"), JSON.stringify({ name: "local-dep", version: "1.2.3" }));
      const npm = (args, cwd) => spawnSync("npm", args, { cwd, env: { ...process.env, npm_config_update_notifier: "false", npm_config_offline: "true" }, encoding: "utf8" });
      assert.equal(npm(["pack", "--silent", "--pack-destination", ".."], path.join(project, "dep")).status, 0);
      writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "fresh-clone", version: "1.0.0", private: true, dependencies: { "local-dep": "file:./local-dep-1.2.3.tgz" } }));
      assert.equal(npm(["install", "--package-lock-only", "--no-audit", "--no-fund"], project).status, 0);
      assert.ok(!existsSync(path.join(project, "node_modules")), "a fresh clone has no node_modules");
      const env = { ...process.env, npm_config_update_notifier: "false", npm_config_offline: "true" };
      const run = () => spawnSync(process.execPath, ["scripts/ensure-dependencies.mjs"], { cwd: project, env, encoding: "utf8" });
      const first = run();
      assert.equal(first.status, 0, first.stderr);
      const announced = first.stdout.split("\n").filter((line) => line.includes("npm ci"));
      assert.equal(announced.length, 1, first.stdout);
      assert.match(announced[0], /^node_modules is missing: installing the npm dependencies with npm ci \(1 package from the npm registry into node_modules\/, nothing outside this folder\)\.$/);
      assert.equal(readJson(path.join(project, "node_modules", "local-dep", "package.json")).version, "1.2.3", "npm ci installed the dependency");
      const second = run();
      assert.equal(second.status, 0, second.stderr);
      assert.equal(second.stdout, "", "nothing to install the second time");
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
