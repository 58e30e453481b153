import { extname } from "node:path";

const BY_EXTENSION: Record<string, string> = {
  ".ts": "typescript", ".tsx": "typescriptreact", ".js": "javascript", ".jsx": "javascriptreact", ".mjs": "javascript", ".cjs": "javascript",
  ".py": "python", ".go": "go", ".rs": "rust", ".java": "java", ".c": "c", ".h": "c", ".cpp": "cpp", ".cc": "cpp", ".hpp": "cpp",
  ".cs": "csharp", ".rb": "ruby", ".php": "php", ".sh": "shellscript", ".css": "css", ".lua": "lua", ".kt": "kotlin", ".swift": "swift",
};

/** VS Code's language id for a file name, for use outside VS Code (the CLI). */
export function languageIdForPath(path: string): string {
  return BY_EXTENSION[extname(path).toLowerCase()] ?? "plaintext";
}
