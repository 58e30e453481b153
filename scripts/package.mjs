#!/usr/bin/env node
// npm run package [-- <target>] [--out <file.vsix>]
// Builds the production bundles once and packages hearth-<version>-<target>.vsix for one target
// (default: this machine's platform). Targets: see scripts/package/targets.mjs.
// The VSIX is assembled in a staging folder from an explicit file list (scripts/package/contents.mjs):
// the user README (docs/marketplace/README.md), the generated THIRD-PARTY-NOTICES.md, the bundles,
// and only the dependency files that run, with the target's llama.cpp builds (CPU, plus Vulkan or
// Metal where the target has one). Builds for other platforms are fetched from the npm registry
// once (scripts/package/prebuilt.mjs).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "../esbuild.mjs";
import { vsixFiles } from "./package/contents.mjs";
import { thirdPartyNotices } from "./package/notices.mjs";
import { binaryPackageDir } from "./package/prebuilt.mjs";
import { binaryPackagesOf, hostTarget } from "./package/targets.mjs";
import { writeVsix } from "./package/vsix.mjs";

/** The Marketplace's and VS Code's comfortable size for one platform's VSIX. */
export const SIZE_LIMIT_BYTES = 50 * 1024 * 1024;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const options = { target: undefined, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--out") options.out = path.resolve(argv[++i] ?? "");
    else if (arg.startsWith("--out=")) options.out = path.resolve(arg.slice(6));
    else if (arg === "--help" || arg === "-h") {
      console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 10).map((line) => line.replace(/^\/\/ ?/, "")).join("\n"));
      process.exit(0);
    } else if (!arg.startsWith("-") && options.target === undefined) options.target = arg;
    else throw new Error(`unknown argument ${arg} (see --help)`);
  }
  return options;
}

/** package.json as the installed extension needs it: no build scripts (vsce would run vscode:prepublish), no dev tooling. */
function extensionManifest(manifest) {
  return Object.fromEntries(Object.entries(manifest).filter(([key]) => !["scripts", "devDependencies", "allowScripts"].includes(key)));
}

async function main() {
  const started = Date.now();
  const options = parseArgs(process.argv.slice(2));
  const target = options.target ?? hostTarget();
  const binaryDirs = Object.fromEntries(binaryPackagesOf(target).map((name) => [name, binaryPackageDir(root, name)]));
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const out = options.out ?? path.join(root, `${manifest.name}-${manifest.version}-${target}.vsix`);

  mkdirSync(path.join(root, ".cache"), { recursive: true });
  const scratch = mkdtempSync(path.join(root, ".cache", `package-${target}-`));
  let fileCount;
  try {
    const distDir = path.join(scratch, "dist");
    const results = await build({ production: true, outdir: distDir, metafile: true });
    const bundled = {};
    for (const result of results) {
      for (const [output, { inputs }] of Object.entries(result.metafile.outputs)) {
        bundled[`dist/${path.relative(distDir, path.resolve(root, output)).split(path.sep).join("/")}`] =
          Object.keys(inputs).filter((input) => input.startsWith("node_modules/"));
      }
    }

    const files = await vsixFiles({ root, distDir, binaryDirs, readme: path.join(root, "docs", "marketplace", "README.md") });
    const notices = path.join(scratch, "THIRD-PARTY-NOTICES.md");
    writeFileSync(notices, thirdPartyNotices(root, { files, bundled }));
    files.set("THIRD-PARTY-NOTICES.md", notices);

    const stage = path.join(scratch, "extension");
    for (const [destination, source] of files) {
      mkdirSync(path.dirname(path.join(stage, destination)), { recursive: true });
      copyFileSync(source, path.join(stage, destination));
    }
    writeFileSync(path.join(stage, "package.json"), JSON.stringify(extensionManifest(manifest), null, 2) + "\n");

    fileCount = await writeVsix({ stage, files: [...files.keys()], target, out });
  } finally {
    if (!process.env.KEEP_STAGE) rmSync(scratch, { recursive: true, force: true });
  }
  const size = statSync(out).size;
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  console.log(`packaged ${path.relative(process.cwd(), out) || out} (${target}, ${fileCount} files, ${mb(size)}, llama.cpp builds: ${Object.keys(binaryDirs).join(", ")}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (size > SIZE_LIMIT_BYTES) console.warn(`warning: the VSIX is over ${mb(SIZE_LIMIT_BYTES)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`npm run package failed: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
