/** Enclosing scopes and the names used around a position, from the outline and the tree. */
import type { Definition, Scope, SymbolKind } from "../contextTypes";
import type { DocumentState } from "../parsing/documentStore";
import { queriesFor } from "../parsing/compiledQueries";
import { heuristicIdentifiers } from "./heuristics";
import { identifiersInRange } from "./outline";

const SCOPE_KINDS: ReadonlySet<SymbolKind> = new Set(["function", "method", "class", "interface", "module", "struct", "trait", "impl", "enum"]);

/** Definitions containing `line`, outermost first. */
export function enclosingDefinitions(definitions: readonly Definition[], line: number): Definition[] {
  return definitions
    .filter((definition) => SCOPE_KINDS.has(definition.kind) && definition.range.startLine <= line && line <= definition.range.endLine)
    .sort((a, b) => a.range.startLine - b.range.startLine || b.range.endLine - a.range.endLine);
}

/** `definitions`: at least those around the offset (DocumentStore.definitionsAt). */
export function scopesAt(state: DocumentState, definitions: readonly Definition[], offset: number): Scope[] {
  const line = state.lines.lineAt(offset);
  return enclosingDefinitions(definitions, line).map((definition) => ({
    kind: definition.kind,
    name: definition.name,
    range: definition.range,
    header: state.lines.lines(definition.signatureRange.startLine, definition.signatureRange.endLine),
    headerRange: definition.signatureRange,
  }));
}

/** Names used between two lines, nearest to the offset first. */
export function identifiersNear(state: DocumentState, startLine: number, endLine: number, offset: number): string[] {
  const { lines } = state;
  if (state.tree && state.grammar) {
    const queries = queriesFor(state.grammar, state.tree.language);
    return identifiersInRange(state.tree, queries, lines.offsetAt(Math.max(0, startLine)), lines.offsetAt(endLine + 1), offset);
  }
  return heuristicIdentifiers(lines, startLine, endLine, lines.lineAt(offset));
}
