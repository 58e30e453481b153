// THIRD-PARTY-NOTICES.md for the VSIX, written at package time from what the VSIX holds: every
// package shipped in node_modules or bundled into dist/, with the licence files the package itself
// ships (never a licence typed in here), and llama.cpp's licences read from the llama.cpp release
// that node-llama-cpp ships (node_modules/node-llama-cpp/llama/gitRelease.bundle).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { LICENCE_FILE, packageOf } from "./contents.mjs";

/**
 * llama.cpp's licence files compiled into node-llama-cpp's binaries: llama.cpp/ggml itself, and the
 * two libraries its common library (libllama-common) embeds.
 */
const LLAMA_CPP_LICENCES = [
  { component: "llama.cpp and ggml", file: "LICENSE", licence: "MIT" },
  { component: "nlohmann/json (in llama.cpp's common library)", file: "licenses/LICENSE-jsonhpp", licence: "MIT" },
  { component: "cpp-httplib (in llama.cpp's common library)", file: "vendor/cpp-httplib/LICENSE", licence: "MIT" },
];

function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

function repositoryUrl(manifest) {
  const repository = typeof manifest.repository === "string" ? manifest.repository : manifest.repository?.url;
  if (!repository) return manifest.homepage;
  return repository.replace(/^git\+/, "").replace(/\.git$/, "").replace(/^github:/, "https://github.com/")
    .replace(/^(?!https?:)([\w.-]+\/[\w.-]+)$/, "https://github.com/$1");
}

function licenceId(manifest) {
  const { license, licenses } = manifest;
  if (typeof license === "string") return license;
  if (license?.type) return license.type;
  if (Array.isArray(licenses)) return licenses.map((entry) => entry.type ?? entry).join(" OR ");
  return "see the licence text";
}

/** The fence that holds `text` (longer than any backtick run inside it). */
function fenced(text) {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text.trimEnd()}\n${fence}`;
}

/** A component from an npm package folder. */
function packageComponent(folder, where) {
  const manifest = readJson(path.join(folder, "package.json"));
  const texts = readdirSync(folder)
    .filter((name) => LICENCE_FILE.test(name) && statSync(path.join(folder, name)).isFile())
    .sort()
    .map((name) => ({ title: name, text: readFileSync(path.join(folder, name), "utf8") }));
  const extra = [];
  if (texts.length === 0) extra.push(`The package ships no licence file; its package.json declares ${licenceId(manifest)}.`);
  if (manifest.name === "@vscode/tree-sitter-wasm" && existsSync(path.join(folder, "cgmanifest.json"))) {
    for (const { component, license, version } of readJson(path.join(folder, "cgmanifest.json")).registrations ?? []) {
      const git = component?.git;
      if (git) extra.push(`Built from ${git.name} ${version ?? ""} (${git.repositoryUrl}, commit ${git.commitHash}), licence ${license} (the package's cgmanifest.json).`);
    }
  }
  return { name: manifest.name, version: manifest.version, licence: licenceId(manifest), source: repositoryUrl(manifest), where, texts, extra };
}

/** llama.cpp's licences, read from the git bundle of the llama.cpp release node-llama-cpp ships. */
function llamaCppComponents(root) {
  const llama = path.join(root, "node_modules", "node-llama-cpp", "llama");
  const bundle = path.join(llama, "gitRelease.bundle");
  const info = readJson(path.join(llama, "llama.cpp.info.json"));
  const cacheFile = path.join(root, ".cache", "llama-cpp-licences", `${info.tag}-${statSync(bundle).size}.json`);
  let cached = existsSync(cacheFile) ? readJson(cacheFile) : undefined;
  if (!cached) {
    const git = mkdtempSync(path.join(root, ".cache", "llama-cpp-bundle-"));
    try {
      const run = (...args) => execFileSync("git", ["--git-dir", git, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
      execFileSync("git", ["init", "--quiet", "--bare", git]);
      run("fetch", "--quiet", bundle);
      const commit = run("rev-parse", "FETCH_HEAD").trim();
      cached = { commit, texts: Object.fromEntries(LLAMA_CPP_LICENCES.map(({ file }) => [file, run("show", `FETCH_HEAD:${file}`)])) };
    } catch (error) {
      throw new Error(`Could not read llama.cpp's licences from ${bundle} with git: ${error instanceof Error ? error.message : error}`, { cause: error });
    } finally {
      rmSync(git, { recursive: true, force: true });
    }
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    writeFileSync(cacheFile, JSON.stringify(cached, null, 2) + "\n");
  }
  return LLAMA_CPP_LICENCES.map(({ component, file, licence }) => ({
    name: component,
    version: `${info.llamaCppGithubRepo} ${info.tag} (commit ${cached.commit.slice(0, 12)})`,
    licence,
    source: `https://github.com/${info.llamaCppGithubRepo}`,
    where: "compiled into node-llama-cpp's native binaries (node_modules/@node-llama-cpp/*)",
    texts: [{ title: file, text: cached.texts[file] }],
    extra: [],
  }));
}

/**
 * The notices text for a VSIX.
 *   files       the VSIX's files: path in the VSIX → source file (from contents.mjs)
 *   bundled     { "<bundle file>": [node_modules inputs esbuild put in it] } from the build's metafiles
 */
export function thirdPartyNotices(root, { files, bundled }) {
  const components = new Map();
  const addPackage = (folder, where) => {
    const component = packageComponent(folder, where);
    const key = `${component.name}@${component.version}`;
    const known = components.get(key);
    if (known) {
      if (!known.where.includes(where)) known.where += `; ${where}`;
    } else {
      components.set(key, component);
    }
  };
  for (const [bundle, inputs] of Object.entries(bundled)) {
    for (const dir of new Set(inputs.map((input) => packageOf(input)?.dir).filter(Boolean))) addPackage(path.join(root, dir), `bundled into ${bundle}`);
  }
  // A shipped package's files may come from outside node_modules (other platforms' builds in .cache/).
  for (const dir of new Set([...files.keys()].map((file) => packageOf(file)?.dir).filter(Boolean))) {
    addPackage(path.dirname(files.get(`${dir}/package.json`)), dir);
  }
  const all = [...[...components.values()].sort((a, b) => a.name.localeCompare(b.name)), ...llamaCppComponents(root)];

  const manifest = readJson(path.join(root, "package.json"));
  const lines = [
    "# Third-party notices",
    "",
    `${manifest.displayName ?? manifest.name} ${manifest.version} is licensed under ${manifest.license} (see LICENSE). It includes the third-party software below,`,
    "each under its own licence, reproduced here as the software ships it.",
    "",
    "| Component | Version | Licence | In this extension |",
    "| --- | --- | --- | --- |",
    ...all.map((c) => `| ${c.name} | ${c.version} | ${c.licence} | ${c.where} |`),
    "",
  ];
  for (const c of all) {
    lines.push(`## ${c.name} ${c.version}`, "", `Licence: ${c.licence}${c.source ? `. Source: ${c.source}` : ""}.`, "");
    for (const note of c.extra) lines.push(note, "");
    for (const { title, text } of c.texts) lines.push(`${title}:`, "", fenced(text), "");
  }
  return lines.join("\n");
}
