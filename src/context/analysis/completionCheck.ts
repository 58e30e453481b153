/**
 * The syntax service's check of a completion: a parse with the grammar of the document's
 * language (bracket heuristics without one, or for input over the parser's limits). Used
 * by the context worker and, in-process, by the CLI.
 */
import type { Tree } from "web-tree-sitter";
import { syntaxGrammarFor } from "../languages";
import { textVerdict } from "../parsing/inputGuard";
import { parserFor } from "../parsing/parsers";
import { checkWithHeuristics, checkWithTree, type CompletionPlacement, type CompletionSyntaxReport } from "./syntaxCheck";

export interface CompletionCheck extends CompletionPlacement {
  languageId: string;
  text: string;
}

export async function checkCompletionText(check: CompletionCheck, baseTree?: Tree): Promise<CompletionSyntaxReport> {
  const offset = Math.max(0, Math.min(check.offset, check.text.length));
  const placement = { ...check, offset };
  const grammar = syntaxGrammarFor(check.languageId);
  if (grammar && textVerdict(check.text) === "parse") {
    const parser = await parserFor(grammar);
    const report = checkWithTree(parser, check.text, placement, baseTree);
    if (report) return report;
  }
  return checkWithHeuristics(check.text, placement);
}
