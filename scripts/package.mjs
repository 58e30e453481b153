// Builds the production bundles and packages a VSIX for one target platform:
//   npm run package                  → hearth-<version>-linux-x64.vsix
//   npm run package -- darwin-arm64  → hearth-<version>-darwin-arm64.vsix
// Only that platform's node-llama-cpp binary goes in (no CUDA/Vulkan/other OS builds).
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** VS Code target → node-llama-cpp platform package. */
const TARGETS = {
  "linux-x64": "linux-x64",
  "linux-arm64": "linux-arm64",
  "linux-armhf": "linux-armv7l",
  "darwin-arm64": "mac-arm64-metal",
  "darwin-x64": "mac-x64",
  "win32-x64": "win-x64",
  "win32-arm64": "win-arm64",
};

const target = process.argv[2] ?? "linux-x64";
const binaryPackage = TARGETS[target];
if (!binaryPackage) {
  console.error(`Unknown target "${target}". Known: ${Object.keys(TARGETS).join(", ")}`);
  process.exit(2);
}
const root = new URL("..", import.meta.url).pathname;
const { version, name } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
try {
  statSync(join(root, "node_modules", "@node-llama-cpp", binaryPackage));
} catch {
  console.error(`node_modules/@node-llama-cpp/${binaryPackage} is not installed: install it (npm install --no-save --force @node-llama-cpp/${binaryPackage}) before packaging ${target}.`);
  process.exit(1);
}

// .vscodeignore excludes every platform build but linux-x64; for another target swap that one.
const ignore = readFileSync(join(root, ".vscodeignore"), "utf8")
  .replace(`node_modules/@node-llama-cpp/${binaryPackage}/**`, "node_modules/@node-llama-cpp/linux-x64/**");
const scratch = mkdtempSync(join(tmpdir(), "hearth-package-"));
const ignoreFile = join(scratch, ".vscodeignore");
writeFileSync(ignoreFile, ignore);
const out = join(root, `${name}-${version}-${target}.vsix`);
const started = Date.now();
try {
  execFileSync(process.execPath, [join(root, "esbuild.mjs"), "--production"], { cwd: root, stdio: "inherit" });
  execFileSync(process.execPath, [join(root, "node_modules", "@vscode", "vsce", "vsce"), "package",
    "--target", target, "--ignoreFile", ignoreFile, "--out", out, "--skip-license", "--allow-missing-repository"],
  { cwd: root, stdio: "inherit" });
} finally {
  rmSync(scratch, { recursive: true, force: true });
  // Leave a development build (with source maps) behind for tests and F5.
  execFileSync(process.execPath, [join(root, "esbuild.mjs")], { cwd: root, stdio: "ignore" });
}
const size = statSync(out).size;
console.log(`packaged ${out} (${(size / 1024 / 1024).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
