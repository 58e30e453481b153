/**
 * One parser per grammar, with a time limit on every parse: tree-sitter is fast,
 * but a pathological input must never stall the worker.
 */
import { Parser, type Tree } from "web-tree-sitter";
import type { SyntaxGrammar } from "../languages";
import { loadLanguage } from "./grammarLoader";

const parsers = new Map<SyntaxGrammar, Parser>();
let parseCount = 0;

/** Full and incremental parses so far (tests check that unchanged files are not reparsed). */
export function parseCounter(): number {
  return parseCount;
}

export async function parserFor(grammar: SyntaxGrammar): Promise<Parser> {
  let parser = parsers.get(grammar);
  if (!parser) {
    const language = await loadLanguage(grammar);
    parser = parsers.get(grammar) ?? new Parser().setLanguage(language);
    parsers.set(grammar, parser);
  }
  return parser;
}

/** The parser if its grammar is loaded, so hot paths can stay synchronous. */
export function parserNow(grammar: SyntaxGrammar): Parser | undefined {
  return parsers.get(grammar);
}

/** The parser's input: the text, or a reader that returns the text from an offset on (any length, empty at the end). */
export type ParseInput = string | ((offset: number) => string);

/**
 * Parses `input` (incrementally when `oldTree` was edited to match it). Returns null
 * when the time limit cut the parse short; the parser is then reset for the next one.
 */
export function parseWithLimit(parser: Parser, input: ParseInput, oldTree: Tree | null, timeoutMs: number): Tree | null {
  parseCount++;
  const deadline = performance.now() + timeoutMs;
  const tree = parser.parse(input, oldTree, { progressCallback: () => performance.now() > deadline });
  if (!tree) parser.reset();
  return tree;
}
