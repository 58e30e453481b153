/**
 * Data shared by the context worker, its client and the retrieval code. Plain JSON
 * shapes only: every value here crosses the worker boundary by structured clone.
 */

/** Zero-based lines, both ends included. */
export interface LineRange {
  startLine: number;
  endLine: number;
}

export type ChunkReason =
  | "import-signature"
  | "similar-window"
  | "enclosing-header"
  | "recent-edit"
  | "recent-yank"
  | "recent-visit"
  | "definition"
  | "selection-definition"
  | "named-file";

/** A piece of context for the model; compatible with `ContextChunk` of src/core/fim/fimLayout.ts. */
export interface ContextChunk {
  filePath: string;
  range: LineRange;
  text: string;
  reason: ChunkReason;
  score?: number;
}

/** One VS Code content change: offsets in UTF-16 code units of the text before the change. */
export interface ContentChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

export type SymbolKind =
  | "function" | "method" | "class" | "interface" | "type" | "enum" | "constant"
  | "module" | "struct" | "trait" | "impl" | "block";

/** A definition found in a file: its whole range and the header (signature) without the body. */
export interface Definition {
  name: string;
  kind: SymbolKind;
  range: LineRange;
  /** The header lines only (for a function, up to its body). */
  signatureRange: LineRange;
  /** What the model should see: the header, or for a class its header and member headers. */
  signature: string;
  exported: boolean;
  /** Name of the enclosing class/impl/module, if any. */
  container?: string;
}

/** One name an import binds: `name` in the other module, `local` here. */
export interface ImportBinding {
  /** "*" for a namespace (`import * as ns`, `import os`, Go packages) or a wildcard import. */
  name: string;
  /** "*" for a wildcard import that binds every exported name. */
  local: string;
}

export interface ImportInfo {
  /** The module specifier as written ("./util", "os.path", "fmt", "crate::a::b"). */
  module: string;
  /** Empty for a side-effect import. */
  bindings: ImportBinding[];
  line: number;
}

/** An enclosing scope at a position, innermost last. */
export interface Scope {
  kind: SymbolKind;
  name: string;
  range: LineRange;
  /** The scope's header text (signature without body). */
  header: string;
  headerRange: LineRange;
}

/** What a file declares and imports: the unit the workspace index stores per file. */
export interface FileOutline {
  definitions: Definition[];
  imports: ImportInfo[];
  /** True when the outline comes from heuristics (no grammar, or input over the limits). */
  heuristic: boolean;
}
