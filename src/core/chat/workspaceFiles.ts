/**
 * Which workspace files the chat's `@` picker lists: every file Quick Open would, so
 * README.md and package.json as much as source files. VS Code's file search already leaves
 * out `files.exclude`; this module adds what Quick Open also leaves out: `search.exclude`
 * and, with `search.useIgnoreFiles` (the default), what `.gitignore` and `.ignore` files
 * ignore (each in its own folder and below; a deeper file decides over a shallower one, and
 * nothing inside an ignored folder comes back, as with git and ripgrep).
 */
import { excludeMatcher, gitignoreVerdict } from "../../context/index/globs";

/** An ignore file of a workspace folder. */
export interface IgnoreFile {
  /** Its folder, relative to the workspace folder, POSIX ("" for the root). */
  directory: string;
  content: string;
}

export const IGNORE_FILE_NAMES = [".gitignore", ".ignore"] as const;

/** The switched-on globs of an exclude setting (`{ "**\/node_modules": true }`); `when` clauses are left out. */
export function enabledGlobs(setting: unknown): string[] {
  if (typeof setting !== "object" || setting === null) return [];
  return Object.entries(setting).filter(([glob, on]) => on === true && glob.trim() !== "").map(([glob]) => glob);
}

/**
 * One glob for VS Code's file search to skip while it walks (so that excluded folders such
 * as node_modules do not use up the result limit): the excludes, and the plain folder and
 * file names of the root ignore file. Globs with braces stay out (VS Code's globs do not
 * nest braces); filterWorkspaceFiles applies everything exactly afterwards.
 */
export function searchExcludeGlob(excludes: readonly string[], rootIgnore?: string): string | undefined {
  const globs = excludes.filter((glob) => !/[{},]/.test(glob));
  if (rootIgnore !== undefined) globs.push(...ignoreFileGlobs(rootIgnore));
  const unique = [...new Set(globs)];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `{${unique.join(",")}}`;
}

/** Simple rules of an ignore file as search globs; none when it re-includes anything (`!`), which globs cannot say. */
function ignoreFileGlobs(content: string): string[] {
  const lines = content.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.some((line) => line.startsWith("!"))) return [];
  const globs: string[] = [];
  for (const line of lines) {
    if (/[{},\\[\]?]/.test(line)) continue;
    const name = line.replace(/\/$/, "");
    const anchored = name.replace(/^\//, "").includes("/") || name.startsWith("/");
    const path = name.replace(/^\//, "");
    if (path === "" || path === "*" || path === "**") continue;
    const base = anchored ? path : `**/${path}`;
    globs.push(base, `${base}/**`);
  }
  return globs;
}

/**
 * The files (relative POSIX paths in one workspace folder) that Quick Open would list:
 * without those the excludes match (the file or a folder above it) or the ignore files ignore.
 */
export function filterWorkspaceFiles(paths: readonly string[], excludes: readonly string[], ignoreFiles: readonly IgnoreFile[]): string[] {
  const excluded = excludeMatcher(excludes);
  const verdicts = ignoreFiles.map((file) => ({ directory: file.directory.replace(/^\/+|\/+$/g, ""), verdict: gitignoreVerdict(file.content) }))
    // Shallow first: a deeper file's verdict comes later and wins.
    .sort((a, b) => a.directory.split("/").length - b.directory.split("/").length || a.directory.localeCompare(b.directory));
  const ignoredCache = new Map<string, boolean>();
  const ignored = (path: string, isDirectory: boolean): boolean => {
    const key = `${isDirectory ? "d" : "f"}:${path}`;
    const cached = ignoredCache.get(key);
    if (cached !== undefined) return cached;
    let result = excluded(path, isDirectory);
    if (!result) {
      let verdict: boolean | undefined;
      for (const { directory, verdict: of } of verdicts) {
        if (directory !== "" && !path.startsWith(`${directory}/`)) continue;
        const own = of(directory === "" ? path : path.slice(directory.length + 1), isDirectory);
        if (own !== undefined) verdict = own;
      }
      result = verdict === true;
    }
    ignoredCache.set(key, result);
    return result;
  };
  return paths.filter((path) => {
    const parts = path.split("/");
    // Nothing inside an excluded or ignored folder comes back.
    for (let depth = 1; depth < parts.length; depth++) if (ignored(parts.slice(0, depth).join("/"), true)) return false;
    return !ignored(path, false);
  });
}
