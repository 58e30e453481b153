/**
 * Loads web-tree-sitter once and each grammar on first use. The wasm files are
 * located through module resolution so the same code works from out/ (tests) and
 * from dist/ (the VSIX, where node_modules ships beside the bundle).
 */
import { dirname, join } from "node:path";
import { Language, Parser } from "web-tree-sitter";
import type { SyntaxGrammar } from "../languages";

let runtime: Promise<void> | undefined;
const languages = new Map<SyntaxGrammar, Promise<Language>>();

function runtimeWasmPath(): string {
  return require.resolve("web-tree-sitter/web-tree-sitter.wasm");
}

function grammarWasmPath(grammar: SyntaxGrammar): string {
  return join(dirname(require.resolve("@vscode/tree-sitter-wasm/package.json")), "wasm", `tree-sitter-${grammar}.wasm`);
}

export function initRuntime(): Promise<void> {
  runtime ??= Parser.init({ locateFile: () => runtimeWasmPath() });
  return runtime;
}

/** The grammar, loaded once; a failed load is forgotten so a later call can retry. */
export function loadLanguage(grammar: SyntaxGrammar): Promise<Language> {
  let pending = languages.get(grammar);
  if (!pending) {
    pending = initRuntime().then(() => Language.load(grammarWasmPath(grammar)));
    pending.catch(() => languages.delete(grammar));
    languages.set(grammar, pending);
  }
  return pending;
}

/** The grammar if it has already loaded, without waiting. */
export function loadedLanguageNow(grammar: SyntaxGrammar): Promise<Language> | undefined {
  return languages.get(grammar);
}
