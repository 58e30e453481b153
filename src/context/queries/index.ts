/** The query table: one entry per grammar. */
import type { GrammarName } from "../languages";
import { goQueries } from "./go";
import { javaQueries } from "./java";
import { javascriptQueries } from "./javascript";
import { pythonQueries } from "./python";
import type { LanguageQueries } from "./queryTypes";
import { rustQueries } from "./rust";
import { tsxQueries, typescriptQueries } from "./typescript";

export const QUERIES: Readonly<Record<GrammarName, LanguageQueries>> = {
  typescript: typescriptQueries,
  tsx: tsxQueries,
  javascript: javascriptQueries,
  python: pythonQueries,
  go: goQueries,
  rust: rustQueries,
  java: javaQueries,
};

export type { LanguageQueries } from "./queryTypes";
