/**
 * Post-processing help for completions: reparse the document with the candidate
 * inserted, find where the block the completion opened (or the block it closed)
 * ends, and tell whether the insertion added syntax errors.
 */
import { Edit, type Node, type Parser, type Tree } from "web-tree-sitter";
import { pointAfter, LineIndex } from "../parsing/lineIndex";
import { parseWithLimit } from "../parsing/parsers";

const CHECK_PARSE_LIMIT_MS = 200;
/** Node types that are a block of statements or members (the unit a completion should end with). */
const BLOCK_TYPE = /block|body|declaration_list|suite/;

export interface CompletionSyntaxReport {
  /** Offset within the completion where it should end (after the block it opened or closed); null: no block boundary. */
  blockEnd: number | null;
  errorsBefore: number;
  errorsAfter: number;
  /** True when the completion adds ERROR or MISSING nodes. */
  newErrors: boolean;
  /** "tree" when a grammar parsed it, "heuristic" when brackets and indentation were used instead. */
  method: "tree" | "heuristic";
}

/** ERROR and MISSING nodes, visiting only subtrees that contain one. */
export function countErrors(tree: Tree): number {
  let count = 0;
  const cursor = tree.walk();
  const visit = (): void => {
    const node = cursor.currentNode;
    if (node.isError || node.isMissing) count++;
    if (!node.hasError || !cursor.gotoFirstChild()) return;
    do visit(); while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  visit();
  cursor.delete();
  return count;
}

function firstContentOffset(completion: string): number | undefined {
  const index = completion.search(/\S/);
  return index < 0 ? undefined : index;
}

/**
 * The block the completion opened: the outermost multi-line node that starts on the
 * cursor's line (or the completion's first line) and ends inside the completion, at the end
 * of a line: an expression continued on the next line (`a +\n    b;`) is not a block, and
 * cutting after it would drop the statement's `;`.
 */
function openedBlockEnd(root: Node, completed: string, lineStart: number, firstLineEnd: number, offset: number, completionEnd: number): number | undefined {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node || node.endIndex <= lineStart || node.startIndex >= firstLineEnd) continue;
    if (node.startIndex >= lineStart && node.endIndex > offset && node.endIndex < completionEnd
      && node.endPosition.row > node.startPosition.row && !node.isError && node.isNamed
      && /^[ \t]*(\r?\n|$)/.test(completed.slice(node.endIndex, node.endIndex + 240))
      // A body that starts at the cursor (Python's empty function body) encloses the completion: look inside it.
      && !BLOCK_TYPE.test(node.type)) return node.endIndex;
    const children = node.children;
    for (let index = children.length - 1; index >= 0; index--) stack.push(children[index]);
  }
  return undefined;
}

/** The innermost block around the cursor that the completion closed. */
function closedBlockEnd(root: Node, offset: number, contentStart: number, completionEnd: number): number | undefined {
  for (let node: Node | null = root.descendantForIndex(contentStart); node; node = node.parent) {
    if (node.startIndex < offset && node.endIndex > contentStart && node.endIndex < completionEnd
      && BLOCK_TYPE.test(node.type) && !node.isError) return node.endIndex;
  }
  return undefined;
}

export function checkWithTree(parser: Parser, text: string, offset: number, completion: string, baseTree: Tree | undefined): CompletionSyntaxReport | undefined {
  const before = baseTree ? baseTree.copy() : parseWithLimit(parser, text, null, CHECK_PARSE_LIMIT_MS);
  if (!before) return undefined;
  try {
    const errorsBefore = countErrors(before);
    const lines = new LineIndex(text);
    const startPosition = lines.pointAt(offset);
    before.edit(new Edit({
      startIndex: offset, oldEndIndex: offset, newEndIndex: offset + completion.length,
      startPosition, oldEndPosition: startPosition, newEndPosition: pointAfter(startPosition, completion),
    }));
    const completed = text.slice(0, offset) + completion + text.slice(offset);
    const after = parseWithLimit(parser, completed, before, CHECK_PARSE_LIMIT_MS);
    if (!after) return undefined;
    try {
      const errorsAfter = countErrors(after);
      const contentStart = firstContentOffset(completion);
      let end: number | undefined;
      if (contentStart !== undefined) {
        const completionEnd = offset + completion.length;
        const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
        const newline = completion.indexOf("\n", contentStart);
        const firstLineEnd = newline < 0 ? completionEnd : offset + newline;
        end = openedBlockEnd(after.rootNode, completed, lineStart, firstLineEnd, offset, completionEnd)
          ?? closedBlockEnd(after.rootNode, offset, offset + contentStart, completionEnd);
      }
      return { blockEnd: end === undefined ? null : end - offset, errorsBefore, errorsAfter, newErrors: errorsAfter > errorsBefore, method: "tree" };
    } finally {
      after.delete();
    }
  } finally {
    before.delete();
  }
}

/** Unmatched brackets, a rough error count for languages without a grammar. */
function bracketErrors(text: string): number {
  let depth = 0;
  let errors = 0;
  for (const char of text) {
    if (char === "{" || char === "(" || char === "[") depth++;
    else if (char === "}" || char === ")" || char === "]") {
      if (depth === 0) errors++;
      else depth--;
    }
  }
  return errors + depth;
}

/**
 * Without a grammar: the completion's block ends where its brackets balance again at
 * the end of a line, or where it closes a bracket opened before the cursor.
 */
export function checkWithHeuristics(text: string, offset: number, completion: string): CompletionSyntaxReport {
  let depth = 0;
  let opened = false;
  let blockEnd: number | null = null;
  for (let index = 0; index < completion.length && blockEnd === null; index++) {
    const char = completion[index];
    if (char === "{" || char === "(" || char === "[") { depth++; opened = true; }
    else if (char === "}" || char === ")" || char === "]") {
      depth--;
      if (depth < 0) blockEnd = index + 1;
    } else if (char === "\n" && opened && depth === 0) blockEnd = index;
  }
  const errorsBefore = bracketErrors(text);
  const errorsAfter = bracketErrors(text.slice(0, offset) + completion + text.slice(offset));
  return { blockEnd, errorsBefore, errorsAfter, newErrors: errorsAfter > errorsBefore, method: "heuristic" };
}
