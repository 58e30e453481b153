// The build and packaging scripts' own logic: targets, the default target, integrity checks,
// the grammars shipped, and a build without warnings (the whole VSIXes: npm run test:package).
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { buildOptions } from "../../esbuild.mjs";
import { grammarNames, packageOf } from "../../scripts/package/contents.mjs";
import { lockedBinaryPackage, matchesIntegrity } from "../../scripts/package/prebuilt.mjs";
import { TARGETS, binaryPackagesOf, hostTarget } from "../../scripts/package/targets.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(import.meta.url);

describe("packaging scripts (scripts/package/, esbuild.mjs)", () => {
  it("builds for the machine's own platform by default", () => {
    assert.equal(hostTarget("linux", "x64"), "linux-x64");
    assert.equal(hostTarget("darwin", "arm64"), "darwin-arm64");
    assert.equal(hostTarget("win32", "x64"), "win32-x64");
    assert.equal(hostTarget("linux", "arm"), "linux-armhf");
    assert.throws(() => hostTarget("freebsd", "x64"), /no VSIX target for freebsd-x64/);
    assert.equal(hostTarget(), hostTarget(process.platform, process.arch));
  });

  it("ships Vulkan on linux-x64 and win32-x64 and Metal on darwin-arm64, each at the version package-lock.json pins", () => {
    assert.deepEqual(binaryPackagesOf("linux-x64"), ["linux-x64", "linux-x64-vulkan"]);
    assert.deepEqual(binaryPackagesOf("win32-x64"), ["win-x64", "win-x64-vulkan"]);
    assert.deepEqual(binaryPackagesOf("darwin-arm64"), ["mac-arm64-metal"]);
    assert.throws(() => binaryPackagesOf("web"), /Unknown target "web"/);
    const nodeLlamaCpp = JSON.parse(readFileSync(path.join(ROOT, "node_modules", "node-llama-cpp", "package.json"), "utf8")).version;
    for (const name of Object.values(TARGETS).flat()) {
      const { version, integrity } = lockedBinaryPackage(ROOT, name);
      assert.equal(version, nodeLlamaCpp, name);
      assert.match(integrity, /^sha512-/);
    }
  });

  it("checks a fetched package against package-lock.json's integrity", () => {
    const bytes = Buffer.from("a prebuilt package");
    const integrity = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
    assert.equal(matchesIntegrity(bytes, integrity), true);
    assert.equal(matchesIntegrity(Buffer.from("tampered"), integrity), false);
    assert.equal(matchesIntegrity(bytes, "md5-abc"), false);
  });

  it("ships exactly the grammars Hearth maps languages to", () => {
    const { grammarFor } = require(path.join(ROOT, "out", "src", "context", "languages.js"));
    const shipped = new Set(grammarNames(ROOT));
    const languageIds = ["typescript", "typescriptreact", "javascript", "javascriptreact", "python", "go", "rust", "java", "c", "cpp", "csharp", "ruby", "php", "shellscript", "css", "powershell", "ini", "json", "markdown"];
    const used = new Set(languageIds.map(grammarFor).filter(Boolean));
    assert.deepEqual([...used].sort(), [...shipped].sort());
  });

  it("names a dependency's package from a path in node_modules", () => {
    assert.deepEqual(packageOf("node_modules/ipull/node_modules/chalk/source/index.js"), { dir: "node_modules/ipull/node_modules/chalk", name: "chalk", rest: "source/index.js" });
    assert.deepEqual(packageOf("node_modules/@vscode/codicons/dist/codicon.css"), { dir: "node_modules/@vscode/codicons", name: "@vscode/codicons", rest: "dist/codicon.css" });
    assert.equal(packageOf("dist/extension.js"), undefined);
  });

  it("builds every bundle without a warning (none for @vscode/tree-sitter-wasm's require.resolve)", async function () {
    this.timeout(120_000);
    const outdir = mkdtempSync(path.join(os.tmpdir(), "hearth-build-"));
    try {
      const results = await Promise.all(buildOptions({ production: true, outdir }).map((options) => esbuild.build({ ...options, logLevel: "silent", write: false })));
      const warnings = results.flatMap((result) => result.warnings.map((warning) => warning.text));
      assert.deepEqual(warnings, []);
      const outputs = results.flatMap((result) => result.outputFiles.map((file) => path.relative(outdir, file.path)));
      assert.ok(outputs.includes("extension.js") && outputs.includes("engine.js"), outputs.join(", "));
      assert.ok(!outputs.includes("cli.js"), "the production build leaves out the developer CLI");
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
