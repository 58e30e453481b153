/** Per-language facts the completion pipeline needs without a parser. */

const HASH_COMMENT = new Set(["python", "ruby", "shellscript", "perl", "r", "yaml", "toml", "dockerfile", "makefile", "powershell", "elixir", "julia", "coffeescript"]);
const DASH_COMMENT = new Set(["lua", "sql", "haskell"]);
const INDENT_BLOCKS = new Set(["python", "yaml", "coffeescript", "nim", "fsharp"]);
const END_BLOCKS = new Set(["ruby", "lua", "elixir", "julia"]);

export function lineCommentPrefix(languageId: string): string {
  if (HASH_COMMENT.has(languageId)) return "#";
  if (DASH_COMMENT.has(languageId)) return "--";
  if (languageId === "html" || languageId === "xml" || languageId === "markdown") return "<!--";
  return "//";
}

/** Blocks open with a trailing ":" and end by dedent (Python). */
export function usesIndentBlocks(languageId: string): boolean {
  return INDENT_BLOCKS.has(languageId);
}

/** Blocks end with the keyword `end` (Ruby, Lua). */
export function usesEndKeyword(languageId: string): boolean {
  return END_BLOCKS.has(languageId);
}
