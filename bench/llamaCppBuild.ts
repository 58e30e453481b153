/**
 * The llama.cpp tools the benchmarks compare Hearth with (`llama-server`, `llama-bench`), built
 * offline from the source node-llama-cpp ships (node_modules/node-llama-cpp/llama/gitRelease.bundle)
 * with node-llama-cpp's own patches applied: the same llama.cpp Hearth runs. Built once into
 * .cache/llama.cpp/<commit>/build and reused; LLAMA_SERVER / LLAMA_BENCH name other binaries.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { repoRoot } from "./benchSupport";

export interface LlamaCppTools {
  server: string;
  /** Absent when LLAMA_SERVER names a binary without a llama-bench beside it and LLAMA_BENCH is unset. */
  bench?: string;
  /** Where the binaries come from, for the results file. */
  origin: string;
}

const LLAMA_DIR = join(repoRoot, "node_modules", "node-llama-cpp", "llama");
const TARGETS = ["llama-server", "llama-bench"];
/** Release build of the two tools only; no network (no curl, no downloaded web UI), no SSL, static. */
const CMAKE_OPTIONS = [
  "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF", "-DLLAMA_OPENSSL=OFF",
  "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF", "-DBUILD_SHARED_LIBS=OFF",
];

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

function git(args: readonly string[], cwd?: string): { ok: boolean; out: string } {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  return { ok: result.status === 0, out: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim() };
}

/** Runs a long build step at low CPU priority (the machine stays usable), streaming to `log`. */
function run(command: string, args: readonly string[], cwd: string, log: (line: string) => void): Promise<void> {
  const niced = onPath("nice") ? ["nice", ["-n", "10", command, ...args]] as const : [command, args] as const;
  return new Promise((resolve, reject) => {
    const child = spawn(niced[0], [...niced[1]], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const collect = (data: Buffer) => {
      tail = (tail + data.toString()).slice(-4000);
      const progress = /\[(\d+)\/(\d+)\]/.exec(data.toString());
      if (progress && Number(progress[1]) % 25 === 0) log(`  llama.cpp build ${progress[1]}/${progress[2]}`);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("exit", (code) => code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${tail}`)));
  });
}

/** The tools to compare with, building them when needed; a reason string when that is not possible. */
export async function llamaCppTools(log: (line: string) => void = console.log): Promise<LlamaCppTools | string> {
  const fromEnv = process.env.LLAMA_SERVER;
  if (fromEnv) {
    const besideServer = join(dirname(fromEnv), "llama-bench");
    const bench = process.env.LLAMA_BENCH ?? (existsSync(besideServer) ? besideServer : undefined);
    return { server: fromEnv, bench, origin: `LLAMA_SERVER=${fromEnv}` };
  }
  const bundle = join(LLAMA_DIR, "gitRelease.bundle");
  if (!existsSync(bundle)) return "node-llama-cpp's llama.cpp source bundle is missing";
  if (!onPath("cmake")) return "cmake is not installed (set LLAMA_SERVER to a llama-server binary instead)";
  const head = git(["bundle", "list-heads", bundle]);
  const commit = /^([0-9a-f]{40})/.exec(head.out)?.[1];
  if (!head.ok || !commit) return `cannot read the llama.cpp bundle: ${head.out}`;
  const root = join(repoRoot, ".cache", "llama.cpp", commit.slice(0, 12));
  const source = join(root, "source");
  const build = join(root, "build");
  const binaries = TARGETS.map((target) => join(build, "bin", target));
  const stamp = join(root, "built.json");
  const origin = `built from node-llama-cpp's llama.cpp ${commit.slice(0, 12)} (${join(".cache", "llama.cpp", commit.slice(0, 12))})`;
  const wanted = JSON.stringify({ commit, options: CMAKE_OPTIONS, patches: patchFiles() });
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted && binaries.every((binary) => existsSync(binary))) {
    return { server: binaries[0], bench: binaries[1], origin };
  }
  await mkdir(root, { recursive: true });
  if (!existsSync(join(source, ".git"))) {
    log(`llama.cpp: cloning ${commit.slice(0, 12)} from node-llama-cpp's bundle into ${source}`);
    const cloned = git(["clone", "--quiet", bundle, source]);
    if (!cloned.ok) return `cannot clone the llama.cpp bundle: ${cloned.out}`;
  }
  applyPatches(source, log);
  const cores = Math.max(1, cpus().length);
  log(`llama.cpp: building ${TARGETS.join(", ")} (CMake Release, ${cores} jobs, nice 10; about 15 minutes on 2 cores, once)…`);
  const generator = onPath("ninja") ? ["-G", "Ninja"] : [];
  await run("cmake", ["-S", source, "-B", build, ...generator, ...CMAKE_OPTIONS], root, log);
  await run("cmake", ["--build", build, "--target", ...TARGETS, "-j", String(cores)], root, log);
  for (const binary of binaries) if (!existsSync(binary)) return `the llama.cpp build did not produce ${binary}`;
  await writeFile(stamp, wanted);
  return { server: binaries[0], bench: binaries[1], origin };
}

function patchFiles(): string[] {
  const dir = join(LLAMA_DIR, "patches");
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith(".diff") || name.endsWith(".patch")).sort() : [];
}

/** node-llama-cpp's own patches (what its source builds apply), each once. */
function applyPatches(source: string, log: (line: string) => void): void {
  for (const name of patchFiles()) {
    const patch = join(LLAMA_DIR, "patches", name);
    if (git(["apply", "--check", "--reverse", "--ignore-whitespace", patch], source).ok) continue;
    const applied = git(["apply", "--ignore-whitespace", patch], source);
    // node-llama-cpp skips a patch the source already contains; so do we, with a note.
    log(applied.ok ? `llama.cpp: applied node-llama-cpp's ${name}` : `llama.cpp: ${name} does not apply (already merged upstream?): ${applied.out}`);
  }
}
