/**
 * Turns a definition's node into what the model should see: the header without
 * the body, the full text of small type-like declarations, and for classes an
 * outline of member headers (so `this.` completes with real method names).
 */
import type { Definition, LineRange, SymbolKind } from "../contextTypes";

/** Type-like declarations whose body is itself a list of signatures. */
const FULL_TEXT_KINDS: ReadonlySet<SymbolKind> = new Set(["interface", "type", "enum", "struct"]);
const OUTLINE_KINDS: ReadonlySet<SymbolKind> = new Set(["class", "trait", "impl"]);
export const CONTAINER_KINDS: ReadonlySet<SymbolKind> = new Set(["class", "interface", "trait", "impl", "module", "struct", "enum"]);

export const MAX_FULL_TEXT_LINES = 40;
const MAX_OUTLINE_MEMBERS = 40;
const MAX_LINE_CHARS = 240;

export function isFullTextKind(kind: SymbolKind): boolean {
  return FULL_TEXT_KINDS.has(kind);
}

function capLine(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}

/** The first lines of `text`, with a marker when some were left out. */
export function capLines(text: string, maxLines: number): string {
  const lines = text.split("\n");
  const kept = lines.slice(0, maxLines).map(capLine);
  if (lines.length > maxLines) kept.push("  …");
  return kept.join("\n");
}

/** Header text (from the definition's start to its body's start), without the trailing space. */
export function headerText(header: string): string {
  return capLines(header.replace(/\s+$/, ""), 12);
}

/** The header lines of a definition: up to the line where its body starts. */
export function headerRange(startLine: number, bodyLine: number, bodyStartsLine: boolean): LineRange {
  const endLine = bodyStartsLine && bodyLine > startLine ? bodyLine - 1 : bodyLine;
  return { startLine, endLine: Math.max(startLine, endLine) };
}

/**
 * Adds member headers under each class-like definition's header. Members are the
 * definitions whose container is that class; they keep their own indentation.
 */
export function addOutlines(definitions: Definition[], lineText: (line: number) => string): void {
  for (const definition of definitions) {
    if (!OUTLINE_KINDS.has(definition.kind)) continue;
    const members = definitions.filter((member) =>
      member !== definition && member.container === definition.name
      && member.range.startLine > definition.signatureRange.endLine && member.range.endLine <= definition.range.endLine);
    const indentOf = (line: number) => /^\s*/.exec(lineText(line))?.[0] ?? "";
    const memberLines = members.slice(0, MAX_OUTLINE_MEMBERS).map((member) =>
      indentOf(member.range.startLine) + member.signature.split("\n").map((line) => line.trim()).join(" "));
    if (members.length > MAX_OUTLINE_MEMBERS) memberLines.push("  …");
    const lastLine = lineText(definition.range.endLine).trim();
    const closing = /^[}\])];?$/.test(lastLine) && definition.range.endLine > definition.signatureRange.endLine ? [lastLine] : [];
    // With the closing bracket shown, show the opening one too.
    const header = closing.length > 0 && !/[{([]$/.test(definition.signature) ? `${definition.signature} ${openerFor(lastLine)}` : definition.signature;
    definition.signature = [header, ...memberLines.map(capLine), ...closing].join("\n");
  }
}

function openerFor(closer: string): string {
  return closer.startsWith("]") ? "[" : closer.startsWith(")") ? "(" : "{";
}
