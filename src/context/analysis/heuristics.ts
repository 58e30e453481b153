/**
 * Outline, scopes and names without a grammar (or for input over the parser's
 * limits): definitions are lines that start with a definition keyword, and a
 * definition ends where indentation returns to its level. One pass, linear time.
 */
import type { Definition, FileOutline, ImportInfo, SymbolKind } from "../contextTypes";
import type { LineIndex } from "../parsing/lineIndex";
import { addOutlines, capLines, CONTAINER_KINDS } from "./signatures";

/** Lines longer than this are data or minified code: the heuristics ignore them. */
export const HEURISTIC_MAX_LINE = 2000;

const DEFINITION = /^(\s*)(?:(?:export|default|public|private|protected|internal|static|abstract|final|async|local|pub(?:\([^)]*\))?|unsafe|override|open|inline|extern)\s+)*(function|def|class|fn|func|interface|struct|trait|enum|impl|module|namespace|type|object|record|sub|proc|fun|defmodule|defp?)\s+([A-Za-z_$][\w$]*(?:[.:][A-Za-z_$][\w$]*)*)/;

const KIND_BY_KEYWORD: Readonly<Record<string, SymbolKind>> = {
  function: "function", def: "function", defp: "function", fn: "function", func: "function", fun: "function", sub: "function", proc: "function",
  class: "class", object: "class", record: "class", interface: "interface", struct: "struct", trait: "trait", enum: "enum", impl: "impl",
  module: "module", namespace: "module", defmodule: "module", type: "type",
};

const KEYWORDS: ReadonlySet<string> = new Set([
  "if", "else", "for", "while", "do", "return", "function", "def", "class", "const", "let", "var", "new", "this", "self", "true", "false",
  "null", "nil", "None", "True", "False", "undefined", "import", "from", "export", "end", "then", "local", "in", "of", "and", "or", "not",
  "fn", "func", "pub", "use", "mod", "let", "mut", "impl", "struct", "enum", "type", "interface", "public", "private", "protected", "static",
  "void", "int", "string", "elif", "except", "try", "catch", "finally", "throw", "raise", "with", "as", "is", "lambda", "yield", "await",
  "async", "break", "continue", "switch", "case", "default", "package", "go", "defer", "select", "chan", "map", "range", "struct",
]);

function indentOf(line: string): number {
  let width = 0;
  for (const char of line) {
    if (char === " ") width++;
    else if (char === "\t") width += 4;
    else break;
  }
  return width;
}

function isBlank(line: string): boolean {
  return line.length > HEURISTIC_MAX_LINE || line.trim() === "";
}

/** Lines that close a block at the header's indentation belong to it. */
function closesBlock(line: string): boolean {
  return /^\s*(?:[}\])]|end\b)/.test(line);
}

export function heuristicDefinitions(lines: LineIndex): Definition[] {
  const definitions: Definition[] = [];
  const open: { definition: Definition; indent: number; lastLine: number }[] = [];
  const close = (until: number, line: string | undefined) => {
    const entry = open.pop();
    if (!entry) return;
    const includesCloser = line !== undefined && closesBlock(line) && indentOf(line) === entry.indent;
    entry.definition.range.endLine = includesCloser ? until : entry.lastLine;
  };
  let lastNonBlank = 0;
  for (let row = 0; row < lines.lineCount; row++) {
    const line = lines.line(row);
    if (isBlank(line)) continue;
    const indent = indentOf(line);
    while (open.length > 0 && indent <= open[open.length - 1].indent) {
      close(row, line);
      // A closer line ends only the innermost block at its indentation.
      if (closesBlock(line)) break;
    }
    for (const entry of open) entry.lastLine = row;
    lastNonBlank = row;
    const match = DEFINITION.exec(line);
    if (!match) continue;
    const kind = KIND_BY_KEYWORD[match[2]];
    const parent = open.length > 0 ? open[open.length - 1].definition : undefined;
    const definition: Definition = {
      name: match[3].split(/[.:]/).pop() ?? match[3],
      kind: kind === "function" && parent && CONTAINER_KINDS.has(parent.kind) ? "method" : kind,
      range: { startLine: row, endLine: row },
      signatureRange: { startLine: row, endLine: row },
      signature: capLines(line.replace(/\s*[{:]?\s*$/, "").trimEnd(), 1),
      exported: /\b(export|pub|public)\b/.test(line) || !match[3].startsWith("_"),
      ...(parent ? { container: parent.name } : {}),
    };
    definitions.push(definition);
    open.push({ definition, indent, lastLine: row });
  }
  while (open.length > 0) close(lastNonBlank, undefined);
  addOutlines(definitions, (line) => lines.line(line));
  return definitions;
}

const IMPORT_PATTERNS: readonly RegExp[] = [
  /^\s*import\s+(?:type\s+)?(?:(.+?)\s+from\s+)?["']([^"']+)["']/,
  /^\s*(?:const|let|var|local)\s+(\{[^}]*\}|[\w$]+)\s*=\s*require\s*\(?\s*["']([^"']+)["']/,
  /^\s*from\s+([\w.]+)\s+import\s+(.+)$/,
  /^\s*import\s+([\w.]+)(?:\s+as\s+(\w+))?\s*$/,
  /^\s*#\s*include\s+[<"]([^>"]+)[>"]/,
  /^\s*use\s+([\w:]+)::(\w+|\{[^}]*\})\s*;/,
];

function names(list: string): string[] {
  return list.replace(/[{}()*]/g, " ").split(/[\s,]+/).map((name) => name.split(/\s+as\s+/).pop() ?? name)
    .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name) && name !== "as" && name !== "type");
}

export function heuristicImports(lines: LineIndex): ImportInfo[] {
  const imports: ImportInfo[] = [];
  const limit = Math.min(lines.lineCount, 400);
  for (let row = 0; row < limit; row++) {
    const line = lines.line(row);
    if (line.length > HEURISTIC_MAX_LINE) continue;
    for (const [index, pattern] of IMPORT_PATTERNS.entries()) {
      const match = pattern.exec(line);
      if (!match) continue;
      let module = match[2] ?? "";
      let bound: string[] = [];
      if (index === 0 || index === 1) bound = names(match[1] ?? "");
      else if (index === 2) { module = match[1]; bound = names(match[2]); }
      else if (index === 3) { module = match[1]; bound = []; }
      else if (index === 4) module = match[1];
      else { module = match[1]; bound = names(match[2]); }
      const bindings = bound.map((name) => ({ name, local: name }));
      if (index === 3) bindings.push({ name: "*", local: match[2] ?? module.split(".")[0] });
      imports.push({ module, bindings, line: row });
      break;
    }
  }
  return imports;
}

export function heuristicOutline(lines: LineIndex): FileOutline {
  return { definitions: heuristicDefinitions(lines), imports: heuristicImports(lines), heuristic: true };
}

/** Names used between two lines, nearest to `aroundLine` first. */
export function heuristicIdentifiers(lines: LineIndex, startLine: number, endLine: number, aroundLine: number): string[] {
  const distance = new Map<string, number>();
  for (let row = Math.max(0, startLine); row <= Math.min(endLine, lines.lineCount - 1); row++) {
    const line = lines.line(row);
    if (line.length > HEURISTIC_MAX_LINE) continue;
    for (const match of line.matchAll(/[A-Za-z_$][\w$]*/g)) {
      const word = match[0];
      if (word.length < 2 || KEYWORDS.has(word)) continue;
      const gap = Math.abs(row - aroundLine);
      if (gap < (distance.get(word) ?? Infinity)) distance.set(word, gap);
    }
  }
  return [...distance.entries()].sort((a, b) => a[1] - b[1]).map(([word]) => word);
}
