/** Compiles each language's queries once per loaded grammar (compiling costs milliseconds). */
import { Query, type Language } from "web-tree-sitter";
import type { GrammarName } from "../languages";
import { QUERIES, type LanguageQueries } from "../queries";

export interface CompiledQueries {
  definitions: Query;
  imports: Query;
  identifiers: Query;
  table: LanguageQueries;
}

const compiled = new Map<GrammarName, CompiledQueries>();

export function queriesFor(grammar: GrammarName, language: Language): CompiledQueries {
  let entry = compiled.get(grammar);
  if (!entry) {
    const table = QUERIES[grammar];
    entry = {
      definitions: new Query(language, table.definitions),
      imports: new Query(language, table.imports),
      identifiers: new Query(language, table.identifiers),
      table,
    };
    compiled.set(grammar, entry);
  }
  return entry;
}
