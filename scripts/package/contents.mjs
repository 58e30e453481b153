// What goes into the VSIX, file by file. Nothing is copied by folder: the dependencies' JavaScript
// is the set of modules Hearth's bundles can load (esbuild's module graph of dist/*.js), plus the
// few data files node-llama-cpp and tree-sitter read at run time, each package's package.json and
// licence, and the target's node-llama-cpp builds. What a user never runs stays out: the
// developer CLI runner (dist/cli.js), node-llama-cpp's own CLI, its build-from-source files
// (llama.cpp sources, cmake, toolchains, addon headers, templates), tests, TypeScript sources,
// source maps and other platforms' binaries.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import { addonPath } from "./targets.mjs";

/** A package's licence and notice files, whatever their case and extension. */
export const LICENCE_FILE = /^(licen[cs]e|copying|notice)([-._].*)?$/i;

/** Loaded only in a try/catch when it exists, never needed: ipull's copy-on-write clone of local files. */
const OPTIONAL_PACKAGES = [/^@reflink\//];

/** Data files read at run time (not imported), per package, relative to the package folder. */
const RUNTIME_DATA = {
  "node-llama-cpp": ["llama/binariesGithubRelease.json", "llama/llama.cpp.info.json", "llama/package.json", "llama/grammars/*.gbnf"],
  "web-tree-sitter": ["web-tree-sitter.wasm"],
  "@vscode/codicons": ["dist/codicon.css", "dist/codicon.ttf"],
};

/** The grammars Hearth loads: the GrammarName union of src/context/languages.ts. */
export function grammarNames(root) {
  const source = readFileSync(path.join(root, "src", "context", "languages.ts"), "utf8");
  const union = /export type GrammarName\s*=\s*([^;]+);/.exec(source);
  const names = union ? [...union[1].matchAll(/"([a-z0-9-]+)"/g)].map((match) => match[1]) : [];
  if (names.length === 0) throw new Error("src/context/languages.ts has no `export type GrammarName = \"…\" | …;`: cannot tell which tree-sitter grammars to ship");
  return names;
}

/** "node_modules/a/node_modules/@b/c/x.js" → { name: "@b/c", dir: "node_modules/a/node_modules/@b/c", rest: "x.js" }. */
export function packageOf(relative) {
  const match = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\/(.+)$/.exec(relative.split(path.sep).join("/"));
  return match ? { dir: match[1], name: match[2], rest: match[3] } : undefined;
}

/** Every module Hearth's node bundles can load from node_modules, relative to `root`. */
export async function runtimeModules(root, bundles) {
  const result = await esbuild.build({
    entryPoints: bundles,
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    outdir: path.join(root, ".cache", "module-graph"),
    platform: "node",
    format: "esm",
    // Node's own conditions: "import" or "require" by the kind of import, then "node", "default".
    conditions: ["node"],
    mainFields: ["main"],
    logLevel: "silent",
    // The binary packages are chosen per target below; electron is tried only inside Electron.
    external: ["vscode", "electron", "@node-llama-cpp/*"],
    loader: { ".node": "empty", ".wasm": "empty" },
  });
  return Object.keys(result.metafile.inputs).filter((input) => input.startsWith("node_modules/"));
}

function filesMatching(dir, pattern) {
  const [folder, glob] = pattern.includes("*") ? [path.dirname(pattern), path.basename(pattern)] : [undefined, undefined];
  if (!folder) return existsSync(path.join(dir, pattern)) ? [pattern] : [];
  const re = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  const full = path.join(dir, folder);
  return existsSync(full) ? readdirSync(full).filter((name) => re.test(name)).map((name) => `${folder}/${name}`) : [];
}

function licenceFiles(dir) {
  return readdirSync(dir).filter((name) => LICENCE_FILE.test(name) && statSync(path.join(dir, name)).isFile());
}

function walk(dir, prefix = "") {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]);
}

/**
 * The VSIX's files: a Map from the path inside the extension folder to the source file.
 *   root          the repository
 *   distDir       the production bundles (dist/extension.js, engine.js, contextWorker.js, webview/)
 *   binaryDirs    { "<@node-llama-cpp package>": folder } of the target (see prebuilt.mjs)
 *   readme        the user README
 * The third-party notices are written from this list and added by the caller.
 */
export async function vsixFiles({ root, distDir, binaryDirs, readme }) {
  const files = new Map();
  const add = (destination, source) => {
    if (!existsSync(source)) throw new Error(`${source} is missing (wanted for ${destination} in the VSIX)`);
    files.set(destination.split(path.sep).join("/"), source);
  };

  add("package.json", path.join(root, "package.json"));
  add("README.md", readme);
  add("CHANGELOG.md", path.join(root, "CHANGELOG.md"));
  add("LICENSE", path.join(root, "LICENSE"));
  for (const file of walk(path.join(root, "media"))) add(`media/${file}`, path.join(root, "media", file));
  for (const file of walk(distDir).filter((name) => !name.endsWith(".map"))) add(`dist/${file}`, path.join(distDir, file));

  // Dependencies: the modules the bundles load, grouped by package.
  const bundles = ["extension.js", "engine.js", "contextWorker.js"].map((name) => path.join(distDir, name)).filter(existsSync);
  const packages = new Map();
  for (const module of await runtimeModules(root, bundles)) {
    const owner = packageOf(module);
    if (!owner || OPTIONAL_PACKAGES.some((re) => re.test(owner.name))) continue;
    if (!packages.has(owner.dir)) packages.set(owner.dir, { name: owner.name, files: new Set() });
    packages.get(owner.dir).files.add(owner.rest);
  }
  // Packages found by path rather than by import: the grammars and the chat view's icon font.
  packages.set("node_modules/@vscode/tree-sitter-wasm", {
    name: "@vscode/tree-sitter-wasm",
    files: new Set(grammarNames(root).map((grammar) => `wasm/tree-sitter-${grammar}.wasm`)),
  });
  packages.set("node_modules/@vscode/codicons", { name: "@vscode/codicons", files: new Set() });

  for (const [dir, { name, files: modules }] of packages) {
    const source = path.join(root, dir);
    const wanted = new Set([...modules, "package.json", ...licenceFiles(source)]);
    // A package.json below the package root (e.g. dist/esm/package.json with "type") decides how
    // Node loads the modules beside it.
    for (const module of modules) {
      for (let folder = path.posix.dirname(module); folder !== "."; folder = path.posix.dirname(folder)) {
        if (existsSync(path.join(source, folder, "package.json"))) wanted.add(`${folder}/package.json`);
      }
    }
    for (const pattern of RUNTIME_DATA[name] ?? []) {
      const found = filesMatching(source, pattern);
      if (found.length === 0) throw new Error(`${dir}/${pattern} is missing: ${name} reads it at run time`);
      for (const file of found) wanted.add(file);
    }
    for (const file of wanted) add(`${dir}/${file}`, path.join(source, file));
  }

  // The target's llama.cpp builds: the package's loader, metadata and shared libraries; not the
  // import libraries (.lib) that only a linker reads.
  for (const [name, dir] of Object.entries(binaryDirs)) {
    if (!existsSync(path.join(dir, addonPath(name)))) throw new Error(`${dir} has no ${addonPath(name)}`);
    for (const file of walk(dir).filter((entry) => !/\.(lib|md)$/i.test(entry))) {
      add(`node_modules/@node-llama-cpp/${name}/${file}`, path.join(dir, file));
    }
  }
  return files;
}
