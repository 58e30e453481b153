/**
 * Glob and .gitignore matching on workspace-relative POSIX paths, enough for VS Code's
 * `files.exclude` / `search.exclude` keys and ordinary .gitignore files.
 */

/** Translates one glob (`**`, `*`, `?`, `{a,b}`, `[...]`) to a regular expression source. */
export function globToRegExpSource(glob: string): string {
  let source = "";
  let inGroup = 0;
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index];
    if (char === "*") {
      if (glob[index + 1] === "*") {
        const slashAfter = glob[index + 2] === "/";
        source += slashAfter ? "(?:.*/)?" : ".*";
        index += slashAfter ? 2 : 1;
      } else source += "[^/]*";
    } else if (char === "?") source += "[^/]";
    else if (char === "{") { inGroup++; source += "(?:"; }
    else if (char === "}" && inGroup > 0) { inGroup--; source += ")"; }
    else if (char === "," && inGroup > 0) source += "|";
    else if (char === "[") {
      const close = glob.indexOf("]", index + 1);
      if (close < 0) source += "\\[";
      else { source += `[${glob.slice(index + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`; index = close; }
    } else source += char.replace(/[.+^$()|\\]/g, "\\$&");
  }
  return source;
}

export type PathMatcher = (relativePath: string, isDirectory: boolean) => boolean;

/** Matches VS Code exclude globs; a glob matching a folder excludes what is inside it. */
export function excludeMatcher(globs: readonly string[]): PathMatcher {
  const patterns = globs.filter((glob) => glob.trim() !== "").map((glob) => new RegExp(`^${globToRegExpSource(glob.replace(/^\.\//, "").replace(/\/$/, ""))}$`));
  return (relativePath) => patterns.some((pattern) => pattern.test(relativePath));
}

interface GitignoreRule {
  pattern: RegExp;
  negated: boolean;
  directoryOnly: boolean;
}

/**
 * Parses a .gitignore: for a path relative to its folder, true (ignored), false (re-included
 * by a `!` rule) or undefined (no rule matches). Later rules override earlier ones.
 */
export function gitignoreVerdict(content: string): (relativePath: string, isDirectory: boolean) => boolean | undefined {
  const rules: GitignoreRule[] = [];
  for (const rawLine of content.split(/\r?\n/)) {
    let line = rawLine.trimEnd();
    if (line === "" || line.startsWith("#")) continue;
    const negated = line.startsWith("!");
    if (negated) line = line.slice(1);
    const directoryOnly = line.endsWith("/");
    if (directoryOnly) line = line.slice(0, -1);
    // A pattern with a slash (other than at the end) is anchored to the root.
    const anchored = line.includes("/");
    line = line.replace(/^\//, "");
    const source = globToRegExpSource(line);
    rules.push({ pattern: new RegExp(anchored ? `^${source}$` : `^(?:.*/)?${source}$`), negated, directoryOnly });
  }
  return (relativePath, isDirectory) => {
    let verdict: boolean | undefined;
    for (const rule of rules) {
      if (rule.directoryOnly && !isDirectory) continue;
      if (rule.pattern.test(relativePath)) verdict = !rule.negated;
    }
    return verdict;
  };
}

/** Parses a root .gitignore; later rules override earlier ones, `!` re-includes. */
export function gitignoreMatcher(content: string): PathMatcher {
  const verdict = gitignoreVerdict(content);
  return (relativePath, isDirectory) => verdict(relativePath, isDirectory) === true;
}
