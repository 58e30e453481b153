// The VSIX of every target, built with `npm run package -- <target>`: the right llama.cpp builds
// and nothing else, the user README and the third-party notices, none of what a user never runs,
// within the size limit; and the host target's VSIX, unpacked, runs a real model and a grammar.
// Packaging may fetch other platforms' builds from the npm registry (npm run test:package runs
// outside the offline namespace); what runs from the VSIX is checked under the network guard.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SIZE_LIMIT_BYTES } from "../../scripts/package.mjs";
import { grammarNames } from "../../scripts/package/contents.mjs";
import { TARGETS, addonPath, hostTarget } from "../../scripts/package/targets.mjs";
import { zipEntries, zipEntryBytes } from "../support/zip.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(import.meta.url);
const MODEL = path.join(process.env.HEARTH_TEST_MODELS ?? path.join(ROOT, "..", "shared", "models"), "stories260K.gguf");

/** The GPU library each target's GPU build must carry, beside its addon. */
const GPU_LIBRARY = {
  "linux-x64": "linux-x64-vulkan/bins/linux-x64-vulkan/libggml-vulkan.so",
  "win32-x64": "win-x64-vulkan/bins/win-x64-vulkan/ggml-vulkan.dll",
  "darwin-arm64": "mac-arm64-metal/bins/mac-arm64-metal/libggml-metal.so",
};

/** What a user never runs: none of these may be in any VSIX. */
const NEVER = [
  [/^extension\/dist\/cli\.js$/, "the developer CLI runner"],
  [/\.map$/, "source maps"],
  [/\.(ts|mts|cts)$/, "TypeScript sources and declarations"],
  [/\/(test|tests|__tests__)\//, "tests"],
  [/^extension\/node_modules\/node-llama-cpp\/dist\/cli\/(cli\.js|commands\/)/, "node-llama-cpp's CLI"],
  [/^extension\/node_modules\/node-llama-cpp\/llama\/(addon|cmake|toolchains|xpack|patches|profiles|localBuilds|llama\.cpp)\//, "node-llama-cpp's build-from-source files"],
  [/^extension\/node_modules\/node-llama-cpp\/llama\/(gitRelease\.bundle|CMakeLists\.txt)$/, "llama.cpp's sources"],
  [/^extension\/node_modules\/node-llama-cpp\/templates\//, "node-llama-cpp's project templates"],
  [/^extension\/node_modules\/(cmake-js|node-api-headers|node-addon-api|yargs|tar|typescript|@reflink|esbuild|@vscode\/vsce)\//, "build tools and optional natives"],
  [/\.lib$/, "import libraries for linkers"],
  [/^extension\/node_modules\/(?:.*\/)?(?!licen[cs]e)[^/]*\.md$/i, "dependencies' documentation (licences excepted)"],
];

function runPackage(args) {
  // Packaging is a build step, not Hearth: it may reach the npm registry, so the guard is left out.
  const env = { ...process.env, NODE_OPTIONS: (process.env.NODE_OPTIONS ?? "").replace(/--require\s+"[^"]*guard\.cjs"/g, "").trim() };
  const run = spawnSync("npm", ["run", "--silent", "package", "--", ...args], { cwd: ROOT, env, encoding: "utf8" });
  assert.equal(run.status, 0, `npm run package -- ${args.join(" ")} failed:\n${run.stdout}\n${run.stderr}`);
  return `${run.stdout}\n${run.stderr}`;
}

function packageOf(name) {
  return /^extension\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(name)?.[1];
}

describe("VSIX packages (npm run package -- <target>)", function () {
  this.timeout(15 * 60_000);
  const host = hostTarget();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "hearth-vsix-"));
  const built = new Map();

  before(() => {
    for (const target of Object.keys(TARGETS)) {
      const out = path.join(scratch, `${target}.vsix`);
      // The machine's own target is what `npm run package` builds without naming one.
      const output = runPackage(target === host ? ["--out", out] : [target, "--out", out]);
      const zip = zipEntries(out);
      built.set(target, { out, zip, names: zip.entries.map((entry) => entry.name), output });
      console.log(`      ${target}: ${(zip.data.length / 1024 / 1024).toFixed(1)} MB, ${zip.entries.length} files`);
    }
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const target of Object.keys(TARGETS)) {
    describe(target, () => {
      it(`is a ${target} package within ${SIZE_LIMIT_BYTES / 1024 / 1024} MB`, () => {
        const { zip } = built.get(target);
        assert.ok(zip.data.length <= SIZE_LIMIT_BYTES, `${zip.data.length} bytes`);
        const manifest = zipEntryBytes(zip, "extension.vsixmanifest").toString("utf8");
        assert.match(manifest, new RegExp(`TargetPlatform="${target}"`));
      });

      it("builds the bundles once, without a warning", () => {
        const { output } = built.get(target);
        // esbuild prints one "Done" per bundle: the extension host's bundles and the chat view's.
        assert.equal(output.match(/Done in \d+/g)?.length, 2, output);
        assert.ok(!/warning/i.test(output), output);
      });

      it("carries its llama.cpp builds (CPU, and Vulkan or Metal where there is one) and no other native binary", () => {
        const { names } = built.get(target);
        const expected = TARGETS[target];
        const shipped = [...new Set(names.map(packageOf).filter((name) => name?.startsWith("@node-llama-cpp/")))].sort();
        assert.deepEqual(shipped, expected.map((name) => `@node-llama-cpp/${name}`).sort());
        for (const name of expected) assert.ok(names.includes(`extension/node_modules/@node-llama-cpp/${name}/${addonPath(name)}`), `${name}'s addon`);
        if (GPU_LIBRARY[target]) assert.ok(names.includes(`extension/node_modules/@node-llama-cpp/${GPU_LIBRARY[target]}`), `GPU library ${GPU_LIBRARY[target]}`);
        const natives = names.filter((name) => /\.(node|so|dll|dylib|exe)$/i.test(name));
        const stray = natives.filter((name) => !expected.some((pkg) => name.startsWith(`extension/node_modules/@node-llama-cpp/${pkg}/bins/${pkg}/`)));
        assert.deepEqual(stray, [], "native files outside the target's builds");
      });

      it("holds none of what a user never runs", () => {
        const { names } = built.get(target);
        for (const [pattern, what] of NEVER) {
          const found = names.filter((name) => pattern.test(name));
          assert.deepEqual(found, [], `${what} in the VSIX`);
        }
      });

      it("has the extension's files, the user README and the grammars Hearth loads", () => {
        const { zip, names } = built.get(target);
        for (const file of ["package.json", "readme.md", "changelog.md", "LICENSE.txt", "THIRD-PARTY-NOTICES.md", "dist/extension.js", "dist/engine.js", "dist/contextWorker.js", "dist/webview/chat.js", "media/icon.png",
          "node_modules/@vscode/codicons/dist/codicon.css", "node_modules/@vscode/codicons/dist/codicon.ttf", "node_modules/web-tree-sitter/web-tree-sitter.wasm"]) {
          assert.ok(names.includes(`extension/${file}`), `extension/${file}`);
        }
        const readme = zipEntryBytes(zip, "extension/readme.md").toString("utf8");
        for (const section of ["## Install", "## Pick a model", "## Features", "## Settings", "## Privacy", "## Troubleshooting"]) assert.ok(readme.includes(section), section);
        assert.ok(!/npm start|npm test|DESIGN\.md|\]\((?!https?:)[^)]+\)/.test(readme), "the user README has no developer set-up and no link to a file outside the package");
        const grammars = names.filter((name) => name.startsWith("extension/node_modules/@vscode/tree-sitter-wasm/wasm/")).map((name) => /^tree-sitter-(.+)\.wasm$/.exec(path.basename(name))?.[1]).sort();
        assert.deepEqual(grammars, [...grammarNames(ROOT)].sort());
        const manifest = JSON.parse(zipEntryBytes(zip, "extension/package.json").toString("utf8"));
        assert.equal(manifest.scripts, undefined, "no build scripts in the installed package.json");
        assert.equal(manifest.devDependencies, undefined);
      });

      it("has a notice, with the package's own licence text, for every package it ships or bundles", () => {
        const { zip, names } = built.get(target);
        const notices = zipEntryBytes(zip, "extension/THIRD-PARTY-NOTICES.md").toString("utf8");
        const packages = [...new Set(names.map((name) => /^extension\/(node_modules\/(?:.*\/node_modules\/)?(?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(name)?.[1]).filter(Boolean))];
        assert.ok(packages.length > 20, `${packages.length} packages`);
        for (const dir of packages) {
          const manifest = JSON.parse(zipEntryBytes(zip, `extension/${dir}/package.json`).toString("utf8"));
          assert.ok(notices.includes(`## ${manifest.name} ${manifest.version}\n`), `a notice for ${manifest.name} ${manifest.version}`);
          const licence = names.find((name) => name.startsWith(`extension/${dir}/`) && /^licen[cs]e/i.test(path.basename(name)));
          if (licence) {
            const firstLines = zipEntryBytes(zip, licence).toString("utf8").trim().split("\n").slice(0, 3).join("\n").trim();
            assert.ok(notices.includes(firstLines), `${licence}'s text in the notices`);
          }
        }
        for (const bundled of ["dompurify", "markdown-it", "highlight.js", "web-tree-sitter", "@vscode/codicons", "@vscode/tree-sitter-wasm", "node-llama-cpp", "llama.cpp and ggml", "nlohmann/json", "cpp-httplib"]) {
          assert.match(notices, new RegExp(`^## ${bundled.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`, "m"), bundled);
        }
        const llamaLicence = notices.slice(notices.indexOf("## llama.cpp and ggml"));
        assert.match(llamaLicence, /MIT License\s+Copyright \(c\) \d{4}-\d{4} The ggml authors/);
      });
    });
  }

  describe("the unpacked VSIX of this machine runs", () => {
    let extension;
    before(() => {
      const { zip } = built.get(host);
      extension = path.join(scratch, "installed");
      for (const entry of zip.entries.filter((candidate) => candidate.name.startsWith("extension/") && !candidate.name.endsWith("/"))) {
        const file = path.join(extension, entry.name.slice("extension/".length));
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, zipEntryBytes(zip, entry.name));
      }
    });

    async function runEngine(env) {
      const { EngineClient } = require(path.join(ROOT, "out", "src", "core", "engine", "engineClient.js"));
      const engine = new EngineClient({ enginePath: path.join(extension, "dist", "engine.js"), env });
      const logs = [];
      engine.onLog((line) => logs.push(line));
      try {
        const info = await engine.request("loadModel", { role: "completion", modelPath: MODEL, settings: { threads: 1, contextSize: 512, gpuLayers: "auto", gpu: "auto" } });
        assert.equal(info.displayName, "stories260K");
        const { text } = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 8, temperature: 0 });
        assert.ok(text.length > 0);
      } finally {
        await engine.dispose();
      }
      const backend = logs.filter((line) => line.message.includes("llama.cpp backend"));
      assert.equal(backend.length, 1, logs.map((line) => line.message).join("\n"));
      assert.deepEqual(logs.filter((line) => line.level === "error" || /node-llama-cpp\]|not compatible|Failed to load/.test(line.message)), []);
      return backend[0].message;
    }

    it("its engine loads a real model with GPU auto, logs one backend line and completes", async () => {
      console.log(`        ${await runEngine(process.env)}`);
    });

    it("with a Vulkan loader and no driver, its Vulkan build is tried and the model runs on the CPU", async function () {
      const loader = path.join(ROOT, ".cache", "vulkan-loader", "usr", "lib", "x86_64-linux-gnu");
      if (host !== "linux-x64" || !existsSync(path.join(loader, "libvulkan.so.1"))) this.skip();
      const line = await runEngine({ ...process.env, LD_LIBRARY_PATH: [loader, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":") });
      assert.match(line, /The Vulkan build found no usable GPU here|^llama\.cpp backend: Vulkan/, line);
    });

    it("its tree-sitter runtime and a shipped grammar parse code", async () => {
      // Resolved as the bundles resolve it, from dist/.
      const { Parser, Language } = createRequire(path.join(extension, "dist", "contextWorker.js"))("web-tree-sitter");
      await Parser.init({ locateFile: () => path.join(extension, "node_modules", "web-tree-sitter", "web-tree-sitter.wasm") });
      const parser = new Parser();
      parser.setLanguage(await Language.load(path.join(extension, "node_modules", "@vscode", "tree-sitter-wasm", "wasm", "tree-sitter-typescript.wasm")));
      const tree = parser.parse("export function add(a: number, b: number) { return a + b; }");
      assert.equal(tree.rootNode.firstChild.type, "export_statement");
      tree.delete();
      parser.delete();
    });

    it("ships the user README and the repository's LICENSE", () => {
      assert.equal(readFileSync(path.join(extension, "readme.md"), "utf8"), readFileSync(path.join(ROOT, "docs", "marketplace", "README.md"), "utf8"));
      assert.equal(readFileSync(path.join(extension, "LICENSE.txt"), "utf8"), readFileSync(path.join(ROOT, "LICENSE"), "utf8"));
    });
  });
});
