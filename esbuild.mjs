// Builds the extension bundle, the engine process entry, the context worker and the webview script.
//   node esbuild.mjs                 development build into dist/ (source maps, the CLI runner)
//   node esbuild.mjs --watch         the same, rebuilt on change
//   node esbuild.mjs --production    minified, no source maps, no CLI runner (what the VSIX ships)
// scripts/package.mjs imports build() to write the production bundles straight into its staging folder.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const ROOT = path.dirname(fileURLToPath(import.meta.url));

/** The esbuild options of every bundle. */
export function buildOptions({ production = false, outdir = path.join(ROOT, "dist"), metafile = false } = {}) {
  const common = {
    bundle: true,
    sourcemap: production ? false : "linked",
    minify: production,
    logLevel: "info",
    legalComments: "none",
    absWorkingDir: ROOT,
    outdir,
    metafile,
  };
  const source = (file) => existsSync(path.join(ROOT, file));
  return [
    {
      ...common,
      entryPoints: {
        extension: "src/extension.ts",
        engine: "src/engine/main.ts",
        templateWorker: "src/engine/chatTemplate/templateWorker.ts",
        inspectionWorker: "src/engine/fileInspection/inspectionWorker.ts",
        ...(source("src/context/worker.ts") ? { contextWorker: "src/context/worker.ts" } : {}),
        // The command-line runner is a developer tool: not built for the VSIX.
        ...(!production && source("src/cli.ts") ? { cli: "src/cli.ts" } : {}),
      },
      platform: "node",
      format: "cjs",
      target: "node20",
      // Shipped beside the bundle in node_modules: node-llama-cpp is native and ESM-only (loaded
      // with import()); the tree-sitter packages hold wasm files found through require.resolve;
      // @huggingface/jinja too: the template worker must limit the very module node-llama-cpp uses.
      external: ["vscode", "node-llama-cpp", "@huggingface/jinja", "web-tree-sitter", "@vscode/tree-sitter-wasm"],
    },
    {
      ...common,
      entryPoints: { "webview/chat": "src/webview/chat/main.ts" },
      platform: "browser",
      format: "iife",
      target: "es2022",
    },
  ];
}

/** One build of every bundle; returns esbuild's results (with metafiles when asked). */
export function build(options) {
  return Promise.all(buildOptions(options).map((entry) => esbuild.build(entry)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const production = process.argv.includes("--production");
  if (process.argv.includes("--watch")) {
    const contexts = await Promise.all(buildOptions({ production }).map((entry) => esbuild.context(entry)));
    await Promise.all(contexts.map((context) => context.watch()));
    console.log("esbuild: watching for changes…");
  } else {
    await build({ production });
  }
}
