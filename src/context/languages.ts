/**
 * Which languages have a tree-sitter grammar, and how file names and VS Code
 * language ids map to them. Everything else falls back to heuristics.
 */
import { extname } from "node:path";

export type GrammarName = "typescript" | "tsx" | "javascript" | "python" | "go" | "rust" | "java";

const GRAMMAR_BY_LANGUAGE_ID: Readonly<Record<string, GrammarName>> = {
  typescript: "typescript",
  typescriptreact: "tsx",
  javascript: "javascript",
  javascriptreact: "javascript",
  python: "python",
  go: "go",
  rust: "rust",
  java: "java",
};

const LANGUAGE_ID_BY_EXTENSION: Readonly<Record<string, string>> = {
  ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "typescriptreact",
  ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascriptreact",
  ".py": "python", ".pyi": "python", ".go": "go", ".rs": "rust", ".java": "java",
  ".c": "c", ".h": "c", ".cpp": "cpp", ".cc": "cpp", ".hpp": "cpp", ".cs": "csharp", ".rb": "ruby",
  ".php": "php", ".sh": "shellscript", ".lua": "lua", ".kt": "kotlin", ".swift": "swift", ".scala": "scala",
};

export function grammarFor(languageId: string): GrammarName | undefined {
  return GRAMMAR_BY_LANGUAGE_ID[languageId];
}

/** Grammars used only to check completions (no outline queries): any grammar the wasm package ships. */
export type SyntaxGrammar = GrammarName | "cpp" | "c-sharp" | "php" | "ruby" | "bash" | "css";

const SYNTAX_GRAMMAR_BY_LANGUAGE_ID: Readonly<Record<string, SyntaxGrammar>> = {
  // C is close enough to C++ for counting syntax errors before and after an insertion.
  c: "cpp", cpp: "cpp", cuda: "cpp", csharp: "c-sharp", php: "php", ruby: "ruby", shellscript: "bash", css: "css",
};

/** The grammar that parses a language for completion checks. */
export function syntaxGrammarFor(languageId: string): SyntaxGrammar | undefined {
  return grammarFor(languageId) ?? SYNTAX_GRAMMAR_BY_LANGUAGE_ID[languageId];
}

/** VS Code's language id for a path; undefined for files that are not source code. */
export function languageIdForPath(path: string): string | undefined {
  return LANGUAGE_ID_BY_EXTENSION[extname(path).toLowerCase()];
}

/**
 * Languages whose files may import one another: similar windows and import
 * resolution stay within one family (a .tsx file imports .ts files).
 */
export function languageFamily(languageId: string): string {
  switch (languageId) {
    case "typescript": case "typescriptreact": case "javascript": case "javascriptreact": return "js";
    default: return languageId;
  }
}
