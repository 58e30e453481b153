/** Per-language facts the completion pipeline needs without a parser (VS Code language ids). */

const HASH_COMMENT = new Set(["python", "ruby", "shellscript", "perl", "r", "yaml", "toml", "dockerfile", "makefile", "powershell", "elixir", "julia", "coffeescript", "nim", "tcl", "cmake", "properties", "graphql"]);
const DASH_COMMENT = new Set(["lua", "sql", "haskell", "elm", "ada", "vhdl"]);
const SEMICOLON_COMMENT = new Set(["clojure", "lisp", "scheme", "racket", "ini", "asm"]);
const PERCENT_COMMENT = new Set(["erlang", "latex", "tex", "matlab", "prolog"]);
const MARKUP_COMMENT = new Set(["html", "xml", "markdown", "vue", "svelte", "svg", "xsl"]);
/** Only block comments. */
const BLOCK_COMMENT_ONLY = new Set(["css"]);

const INDENT_BLOCKS = new Set(["python", "yaml", "coffeescript", "nim", "fsharp", "haskell", "elm", "ocaml", "pug", "sass", "stylus"]);
const END_BLOCKS = new Set(["ruby", "lua", "elixir", "julia", "crystal", "matlab", "vb", "fortran"]);
/** Languages where `'` starts a character literal (or a lifetime, or a prime in a name), not a string. */
const CHAR_QUOTE = new Set(["rust", "c", "cpp", "java", "csharp", "go", "kotlin", "swift", "scala", "objective-c", "objective-cpp", "haskell", "elm", "ocaml", "fsharp", "clojure", "lisp", "scheme", "verilog", "systemverilog", "vhdl", "solidity"]);
const TRIPLE_QUOTE = new Set(["python", "kotlin", "swift", "scala", "julia", "dart", "java", "groovy", "elixir", "toml"]);
const BACKTICK_STRING = new Set(["javascript", "javascriptreact", "typescript", "typescriptreact", "vue", "svelte", "go", "coffeescript"]);
/** Prose: a suggestion runs to the end of the paragraph. */
const PROSE = new Set(["markdown", "plaintext", "text", "restructuredtext", "asciidoc"]);

/** The main line-comment marker (for the prompt's file-path line). */
export function lineCommentPrefix(languageId: string): string {
  return lineCommentMarkers(languageId)[0] ?? "//";
}

/** Every marker that starts a comment running to the end of the line. */
export function lineCommentMarkers(languageId: string): readonly string[] {
  if (HASH_COMMENT.has(languageId)) return ["#"];
  if (DASH_COMMENT.has(languageId)) return ["--"];
  if (SEMICOLON_COMMENT.has(languageId)) return [";"];
  if (PERCENT_COMMENT.has(languageId)) return ["%"];
  if (MARKUP_COMMENT.has(languageId)) return ["<!--"];
  if (BLOCK_COMMENT_ONLY.has(languageId)) return [];
  if (languageId === "php") return ["//", "#"];
  return ["//"];
}

/** Block comment delimiters, when the language has them. */
export function blockCommentDelimiters(languageId: string): readonly [string, string] | undefined {
  if (MARKUP_COMMENT.has(languageId)) return ["<!--", "-->"];
  if (languageId === "haskell" || languageId === "elm") return ["{-", "-}"];
  if (languageId === "ocaml" || languageId === "fsharp") return ["(*", "*)"];
  if (languageId === "lua") return ["--[[", "]]"];
  if (HASH_COMMENT.has(languageId) || DASH_COMMENT.has(languageId) || SEMICOLON_COMMENT.has(languageId) || PERCENT_COMMENT.has(languageId)) {
    return languageId === "sql" ? ["/*", "*/"] : undefined;
  }
  return ["/*", "*/"];
}

/** Blocks open with a trailing ":" (or "=" in ML-style languages) and end by dedent (Python). */
export function usesIndentBlocks(languageId: string): boolean {
  return INDENT_BLOCKS.has(languageId);
}

/** Blocks end with the keyword `end` (Ruby, Lua). */
export function usesEndKeyword(languageId: string): boolean {
  return END_BLOCKS.has(languageId);
}

/** Three quotes open a string that may span lines (Python docstrings, Kotlin raw strings). */
export function hasTripleQuotes(languageId: string): boolean {
  return TRIPLE_QUOTE.has(languageId);
}

/** A backtick opens a string that may span lines (template literals, Go raw strings). */
export function backtickIsString(languageId: string): boolean {
  return BACKTICK_STRING.has(languageId);
}

/** `'` starts a character literal (or a lifetime), not a string. */
export function singleQuoteIsChar(languageId: string): boolean {
  return CHAR_QUOTE.has(languageId);
}

/** Text written for people rather than code: suggestions run to the end of the paragraph. */
export function isProse(languageId: string): boolean {
  return PROSE.has(languageId);
}

/** Braces delimit blocks and may stand alone on the line below their header (Allman style, C# and C++ habits). */
export function allowsAllmanBraces(languageId: string): boolean {
  return !INDENT_BLOCKS.has(languageId) && !END_BLOCKS.has(languageId) && !PROSE.has(languageId)
    && !MARKUP_COMMENT.has(languageId) && !SEMICOLON_COMMENT.has(languageId) && languageId !== "sql" && languageId !== "go";
}
