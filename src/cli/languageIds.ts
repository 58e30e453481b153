import { basename, extname } from "node:path";

const BY_EXTENSION: Record<string, string> = {
  ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "typescriptreact", ".js": "javascript", ".jsx": "javascriptreact",
  ".mjs": "javascript", ".cjs": "javascript", ".py": "python", ".pyi": "python", ".go": "go", ".rs": "rust", ".java": "java",
  ".c": "c", ".h": "c", ".cpp": "cpp", ".cc": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".cu": "cuda", ".cs": "csharp",
  ".rb": "ruby", ".php": "php", ".sh": "shellscript", ".bash": "shellscript", ".zsh": "shellscript", ".css": "css", ".scss": "scss",
  ".less": "less", ".lua": "lua", ".kt": "kotlin", ".kts": "kotlin", ".swift": "swift", ".scala": "scala", ".sc": "scala",
  ".dart": "dart", ".r": "r", ".jl": "julia", ".hs": "haskell", ".fs": "fsharp", ".fsx": "fsharp", ".fsi": "fsharp", ".ml": "ocaml",
  ".mli": "ocaml", ".ex": "elixir", ".exs": "elixir", ".erl": "erlang", ".clj": "clojure", ".cljs": "clojure", ".cljc": "clojure",
  ".edn": "clojure", ".pl": "perl", ".pm": "perl", ".m": "objective-c", ".mm": "objective-cpp", ".sol": "solidity", ".sql": "sql",
  ".html": "html", ".htm": "html", ".xml": "xml", ".svg": "xml", ".vue": "vue", ".svelte": "svelte", ".json": "json", ".jsonc": "jsonc",
  ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".ini": "ini", ".md": "markdown", ".markdown": "markdown", ".txt": "plaintext",
  ".csv": "csv", ".ps1": "powershell", ".groovy": "groovy", ".gradle": "groovy", ".elm": "elm", ".nim": "nim", ".zig": "zig",
  ".v": "verilog", ".sv": "systemverilog", ".vhd": "vhdl", ".tex": "latex", ".coffee": "coffeescript", ".graphql": "graphql",
  ".proto": "proto3", ".tf": "terraform", ".cmake": "cmake",
};

const BY_NAME: Record<string, string> = { dockerfile: "dockerfile", makefile: "makefile", "cmakelists.txt": "cmake" };

/** VS Code's language id for a file name, for use outside VS Code (the CLI). */
export function languageIdForPath(path: string): string {
  return BY_NAME[basename(path).toLowerCase()] ?? BY_EXTENSION[extname(path).toLowerCase()] ?? "plaintext";
}
