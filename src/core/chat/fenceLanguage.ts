const ALIASES: Record<string, string> = {
  ts: "typescript", tsx: "typescriptreact", js: "javascript", jsx: "javascriptreact", mjs: "javascript", cjs: "javascript",
  py: "python", python3: "python", rb: "ruby", rs: "rust", sh: "shellscript", bash: "shellscript", zsh: "shellscript", shell: "shellscript",
  console: "shellscript", "c++": "cpp", cc: "cpp", hpp: "cpp", h: "c", cs: "csharp", "c#": "csharp", kt: "kotlin", yml: "yaml",
  md: "markdown", text: "plaintext", txt: "plaintext", ps1: "powershell", golang: "go", html: "html", xml: "xml", json: "json",
};

/** VS Code's language id for the language of a fenced code block (``` ts → typescript). */
export function languageIdForFence(language: string, known: readonly string[]): string {
  const name = language.trim().toLowerCase();
  const id = ALIASES[name] ?? name;
  return known.includes(id) ? id : "plaintext";
}
