/**
 * The tags-style queries of one language. Capture names are the contract with
 * src/context/analysis/outline.ts:
 * - definitions: `@definition.<SymbolKind>` on the whole node, `@name`, optional `@body`
 *   (the signature is the text before the body);
 * - imports: `@import` on the statement (captures are grouped by it), `@module`,
 *   `@name` (the name in the other file), optional `@local` (the alias bound here);
 *   and `@wildcard` for an import of every name;
 * - identifiers: `@identifier` on every name a piece of code uses.
 */
export interface LanguageQueries {
  definitions: string;
  imports: string;
  identifiers: string;
  /**
   * The local name an import without named bindings binds (`import os.path` binds
   * `os`, Go's `"net/http"` binds `http`); undefined when it binds nothing.
   */
  namespaceLocal?: (module: string) => string | undefined;
  /**
   * Deepest node depth where an import pattern can start (imports sit near the root;
   * not searching whole function bodies halves the cost of indexing a file).
   */
  importDepth: number;
  /** Whether a definition is visible to other files, beyond an `export` keyword. */
  isExported?: (name: string, nodeText: string) => boolean;
}
