// Builds the extension bundle, the engine process entry and the webview script.
import { existsSync } from "node:fs";
import * as esbuild from "esbuild";

const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  sourcemap: production ? false : "linked",
  minify: production,
  logLevel: "info",
  legalComments: "none",
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: {
      extension: "src/extension.ts",
      engine: "src/engine/main.ts",
      templateWorker: "src/engine/chatTemplate/templateWorker.ts",
      inspectionWorker: "src/engine/fileInspection/inspectionWorker.ts",
      ...(existsSync("src/context/worker.ts") ? { contextWorker: "src/context/worker.ts" } : {}),
      ...(existsSync("src/cli.ts") ? { cli: "src/cli.ts" } : {}),
    },
    outdir: "dist",
    platform: "node",
    format: "cjs",
    target: "node20",
    // node-llama-cpp is native and ESM-only: it ships beside the bundle and is loaded with import().
    // @huggingface/jinja too: the template worker must limit the very module node-llama-cpp uses.
    external: ["vscode", "node-llama-cpp", "@huggingface/jinja", "web-tree-sitter"],
  },
  {
    ...common,
    entryPoints: { "webview/chat": "src/webview/chat/main.ts" },
    outdir: "dist",
    platform: "browser",
    format: "iife",
    target: "es2022",
  },
];

if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((context) => context.watch()));
  console.log("esbuild: watching for changes…");
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
