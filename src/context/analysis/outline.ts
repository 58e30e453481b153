/**
 * Reads a file's definitions and imports from its syntax tree with the language's
 * tags queries (src/context/queries).
 */
import type { Node, QueryMatch, Tree } from "web-tree-sitter";
import type { Definition, FileOutline, ImportBinding, ImportInfo, LineRange, SymbolKind } from "../contextTypes";
import type { CompiledQueries } from "../parsing/compiledQueries";
import type { LineIndex } from "../parsing/lineIndex";
import { addOutlines, CONTAINER_KINDS, capLines, headerRange, headerText, isFullTextKind, MAX_FULL_TEXT_LINES } from "./signatures";

const KINDS: ReadonlySet<string> = new Set<SymbolKind>([
  "function", "method", "class", "interface", "type", "enum", "constant", "module", "struct", "trait", "impl",
]);
/** When two patterns match one node, the more specific kind wins. */
const KIND_PRIORITY: Readonly<Record<string, number>> = { constant: 0, type: 1 };

/** Deep enough for a method of a class inside a module inside an export (Rust: mod > impl > fn). */
const OUTLINE_DEPTH = 6;

/** Wrappers that belong to the definition they hold (`export`, decorators). */
const WRAPPERS: ReadonlySet<string> = new Set(["export_statement", "decorated_definition"]);

function isSymbolKind(value: string): value is SymbolKind {
  return KINDS.has(value);
}

function captureOf(match: QueryMatch, name: string): Node | undefined {
  return match.captures.find((capture) => capture.name === name)?.node;
}

function definitionFrom(match: QueryMatch, queries: CompiledQueries, lines: LineIndex): Definition | undefined {
  const definitionCapture = match.captures.find((capture) => capture.name.startsWith("definition."));
  const nameNode = captureOf(match, "name");
  if (!definitionCapture || !nameNode) return undefined;
  const kind = definitionCapture.name.slice("definition.".length);
  if (!isSymbolKind(kind)) return undefined;
  let node = definitionCapture.node;
  let exported = false;
  while (node.parent && WRAPPERS.has(node.parent.type)) {
    if (node.parent.type === "export_statement") exported = true;
    node = node.parent;
  }
  // `impl<T> Stack<T>` is found under the type's bare name.
  const name = kind === "impl" ? nameNode.text.replace(/<[\s\S]*$/, "") : nameNode.text;
  // Slices of the document, not lines.text: joining a large edited document costs a copy of it.
  exported ||= queries.table.isExported?.(name, lines.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + 200))) ?? false;
  const range = { startLine: node.startPosition.row, endLine: node.endPosition.row };
  const body = captureOf(match, "body");
  let signatureRange: LineRange;
  let signature: string;
  if (body && !isFullTextKind(kind)) {
    const bodyStartsLine = lines.slice(lines.offsetAt(body.startPosition.row), body.startIndex).trim() === "";
    signatureRange = headerRange(range.startLine, body.startPosition.row, bodyStartsLine);
    signature = headerText(lines.slice(node.startIndex, body.startIndex));
  } else if (kind === "constant") {
    signatureRange = { startLine: range.startLine, endLine: range.startLine };
    signature = capLines(lines.line(range.startLine).trimEnd(), 1);
  } else {
    signatureRange = { startLine: range.startLine, endLine: Math.min(range.endLine, range.startLine + MAX_FULL_TEXT_LINES - 1) };
    signature = capLines(lines.slice(node.startIndex, node.endIndex), MAX_FULL_TEXT_LINES);
  }
  return { name, kind, range, signatureRange, signature, exported };
}

/** Sets each definition's container and turns functions inside classes into methods. */
function nest(definitions: Definition[]): void {
  const stack: Definition[] = [];
  for (const definition of definitions) {
    while (stack.length > 0 && stack[stack.length - 1].range.endLine < definition.range.startLine) stack.pop();
    const parent = [...stack].reverse().find((candidate) => candidate.range.endLine >= definition.range.endLine);
    if (parent) {
      definition.container = parent.name;
      if (definition.kind === "function" && parent.kind !== "module") definition.kind = "method";
    }
    if (CONTAINER_KINDS.has(definition.kind)) stack.push(definition);
  }
}

/**
 * Definitions of a tree; with `at`, only those whose nodes touch that offset (the
 * enclosing ones), which costs the tree's depth instead of its size. Class outlines
 * are only built for the whole file.
 */
export function definitionsFromTree(tree: Tree, queries: CompiledQueries, lines: LineIndex, at?: number): Definition[] {
  const byNode = new Map<string, Definition>();
  // A whole-file outline skips definitions nested deeper than classes' members (local helpers).
  const options = at === undefined ? { maxStartDepth: OUTLINE_DEPTH } : { startIndex: at, endIndex: at + 1 };
  for (const match of queries.definitions.matches(tree.rootNode, options)) {
    const definition = definitionFrom(match, queries, lines);
    if (!definition) continue;
    const key = `${definition.range.startLine}:${definition.range.endLine}:${definition.name}`;
    const existing = byNode.get(key);
    if (!existing || (KIND_PRIORITY[existing.kind] ?? 9) < (KIND_PRIORITY[definition.kind] ?? 9)) byNode.set(key, definition);
  }
  const definitions = [...byNode.values()].sort((a, b) => a.range.startLine - b.range.startLine || b.range.endLine - a.range.endLine);
  nest(definitions);
  if (at === undefined) addOutlines(definitions, (line) => lines.line(line));
  return definitions;
}

function stripQuotes(text: string): string {
  return text.replace(/^["'`]|["'`]$/g, "");
}

export function importsFromTree(tree: Tree, queries: CompiledQueries): ImportInfo[] {
  const byStatement = new Map<number, ImportInfo>();
  for (const match of queries.imports.matches(tree.rootNode, { maxStartDepth: queries.table.importDepth })) {
    const statement = captureOf(match, "import");
    if (!statement) continue;
    let info = byStatement.get(statement.startIndex);
    if (!info) {
      info = { module: "", bindings: [], line: statement.startPosition.row };
      byStatement.set(statement.startIndex, info);
    }
    const module = captureOf(match, "module");
    if (module && info.module === "") info.module = stripQuotes(module.text);
    const name = captureOf(match, "name")?.text;
    const local = captureOf(match, "local")?.text;
    let binding: ImportBinding | undefined;
    if (captureOf(match, "wildcard")) binding = { name: "*", local: "*" };
    else if (name) binding = { name, local: local ?? name };
    else if (local) binding = { name: "*", local };
    if (binding && !info.bindings.some((existing) => existing.local === binding.local)) info.bindings.push(binding);
  }
  const imports = [...byStatement.values()];
  for (const info of imports) {
    if (info.bindings.length > 0 || !queries.table.namespaceLocal) continue;
    const local = queries.table.namespaceLocal(info.module);
    if (local) info.bindings.push({ name: "*", local });
  }
  return imports.sort((a, b) => a.line - b.line);
}

export function outlineFromTree(tree: Tree, queries: CompiledQueries, lines: LineIndex): FileOutline {
  return { definitions: definitionsFromTree(tree, queries, lines), imports: importsFromTree(tree, queries), heuristic: false };
}

/** Names used between two offsets, nearest to `around` first. */
export function identifiersInRange(tree: Tree, queries: CompiledQueries, startIndex: number, endIndex: number, around: number): string[] {
  const captures = queries.identifiers.captures(tree.rootNode, { startIndex, endIndex });
  const distance = new Map<string, number>();
  for (const capture of captures) {
    const text = capture.node.text;
    const gap = Math.abs(capture.node.startIndex - around);
    if (gap < (distance.get(text) ?? Infinity)) distance.set(text, gap);
  }
  return [...distance.entries()].sort((a, b) => a[1] - b[1]).map(([text]) => text);
}
