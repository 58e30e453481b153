/**
 * Real source files for the oracle benchmark, all from node_modules: the packages' own files,
 * and the llama.cpp source that node-llama-cpp ships as a git bundle (read from a bare clone
 * in .cache, made once; it holds most of the Python, C and C++).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { extname, join, relative } from "node:path";
import type { SyntaxGrammar } from "../../src/context/languages";

export interface OracleLanguage {
  name: string;
  grammar: SyntaxGrammar;
  /** File name endings; the CLI's language id for each must be this language's. */
  extensions: readonly string[];
}

/** C files are parsed with the C++ grammar (the package ships no C grammar): C is nearly a subset. */
export const ORACLE_LANGUAGES: readonly OracleLanguage[] = [
  { name: "TypeScript", grammar: "typescript", extensions: [".ts"] },
  { name: "JavaScript", grammar: "javascript", extensions: [".js", ".mjs", ".cjs"] },
  { name: "Python", grammar: "python", extensions: [".py"] },
  { name: "Go", grammar: "go", extensions: [".go"] },
  { name: "C", grammar: "cpp", extensions: [".c"] },
  { name: "C++", grammar: "cpp", extensions: [".cpp", ".cc"] },
  { name: "C#", grammar: "c-sharp", extensions: [".cs"] },
  { name: "PHP", grammar: "php", extensions: [".php"] },
  { name: "CSS", grammar: "css", extensions: [".css"] },
  { name: "Bash", grammar: "bash", extensions: [".sh"] },
];

export interface SourceFile {
  /** Path shown in reports; its extension gives the language id, as in the CLI. */
  label: string;
  read(): string;
}

const SKIPPED = /(\.d\.ts|\.min\.[a-z]+)$/;

/** Files under `root` (symbolic links not followed), relative to root's parent, sorted. */
export function nodeModulesFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== ".bin" && entry.name !== ".cache") walk(path);
      else if (entry.isFile()) found.push(relative(join(root, ".."), path));
    }
  };
  walk(root);
  return found.sort();
}

export class LlamaCppBundle {
  static readonly BUNDLE = join("node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");

  private constructor(private readonly gitDir: string, readonly paths: readonly string[]) {}

  /** The bundle's files, cloning it into `cacheDir` on first use; undefined without the bundle or git. */
  static open(repoRoot: string, cacheDir: string): LlamaCppBundle | undefined {
    const bundle = join(repoRoot, LlamaCppBundle.BUNDLE);
    const gitDir = join(cacheDir, "llama.cpp.git");
    try {
      if (!existsSync(bundle)) return undefined;
      if (!existsSync(join(gitDir, "HEAD"))) {
        mkdirSync(cacheDir, { recursive: true });
        execFileSync("git", ["clone", "--bare", "--quiet", bundle, gitDir], { stdio: "ignore" });
      }
      const listing = execFileSync("git", ["--git-dir", gitDir, "ls-tree", "-r", "--name-only", "HEAD"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      return new LlamaCppBundle(gitDir, listing.split("\n").filter((path) => path !== "").sort());
    } catch {
      return undefined;
    }
  }

  read(path: string): string {
    return execFileSync("git", ["--git-dir", this.gitDir, "cat-file", "blob", `HEAD:${path}`], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  }
}

/** The files of one language: node_modules first, then the bundle, in a stable order. */
export function sourcesFor(language: OracleLanguage, repoRoot: string, nodeModules: readonly string[], bundle: LlamaCppBundle | undefined): SourceFile[] {
  const matches = (path: string) => language.extensions.includes(extname(path).toLowerCase()) && !SKIPPED.test(path);
  const own = nodeModules.filter(matches).map((path) => ({ label: path, read: () => readFileSync(join(repoRoot, path), "utf8") }));
  const bundled = (bundle?.paths ?? []).filter(matches).map((path) => ({ label: `${LlamaCppBundle.BUNDLE}:${path}`, read: () => bundle?.read(path) ?? "" }));
  return [...own, ...bundled];
}
