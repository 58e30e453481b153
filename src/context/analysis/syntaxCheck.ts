/**
 * Post-processing help for completions: reparse the document with the candidate
 * inserted, find where the block the completion opened (or the block it closed)
 * ends, and tell whether the insertion added syntax errors.
 */
import { Edit, type Node, type Parser, type Tree } from "web-tree-sitter";
import type { SyntaxVerdict } from "../../core/completion/syntaxVerdict";
import { pointAfter, LineIndex } from "../parsing/lineIndex";
import { parseWithLimit } from "../parsing/parsers";

const CHECK_PARSE_LIMIT_MS = 200;
/** Node types that are a block of statements or members (the unit a completion should end with). */
const BLOCK_TYPE = /block|body|declaration_list|suite/;

export interface CompletionSyntaxReport extends SyntaxVerdict {
  /** The opened block's end, else the enclosing block's (offset in the completion); null: no block boundary. */
  blockEnd: number | null;
  /** True when the completion adds ERROR or MISSING nodes. */
  newErrors: boolean;
}

/** Where a completion goes: it replaces the document from the cursor to `replaceEnd`; its block's header line starts at `headerOffset` in it. */
export interface CompletionPlacement {
  offset: number;
  completion: string;
  replaceEnd?: number;
  headerOffset?: number;
}

/** ERROR and MISSING nodes, visiting only subtrees that contain one. */
export function countErrors(tree: Tree): number {
  return errorCounts(tree, -1, -1).total;
}

/** ERROR and MISSING nodes in the tree, those touching rows `firstRow`..`lastRow`, and those touching offset `at`. */
function errorCounts(tree: Tree, firstRow: number, lastRow: number, at = -1): { total: number; inRows: number; atOffset: number } {
  let total = 0;
  let inRows = 0;
  let atOffset = 0;
  const cursor = tree.walk();
  const visit = (): void => {
    const node = cursor.currentNode;
    if (node.isError || node.isMissing) {
      total++;
      if (node.startPosition.row <= lastRow && node.endPosition.row >= firstRow) inRows++;
      if (node.startIndex <= at && node.endIndex >= at) atOffset++;
    }
    if (!node.hasError || !cursor.gotoFirstChild()) return;
    do visit(); while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };
  visit();
  cursor.delete();
  return { total, inRows, atOffset };
}

function firstContentOffset(completion: string): number | undefined {
  const index = completion.search(/\S/);
  return index < 0 ? undefined : index;
}

/**
 * The block the completion opened: the outermost multi-line node that starts on its header
 * line (the cursor's line, or the line the completion's block starts on) and ends inside the
 * completion, at the end of a line. Only nodes starting on that line count: a statement
 * nested in the block (its first `if`) is not the block. An expression continued on the
 * next line (`a +\n    b;`) is not a block, and cutting after it would drop the statement's `;`.
 */
function openedBlockEnd(root: Node, completed: string, lineStart: number, headerLineEnd: number, offset: number, completionEnd: number): number | undefined {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node || node.endIndex <= lineStart || node.startIndex >= headerLineEnd) continue;
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

export function checkWithTree(parser: Parser, text: string, placement: CompletionPlacement, baseTree: Tree | undefined): CompletionSyntaxReport | undefined {
  const { offset, completion } = placement;
  const replaceEnd = Math.max(offset, Math.min(placement.replaceEnd ?? offset, text.length));
  const before = baseTree ? baseTree.copy() : parseWithLimit(parser, text, null, CHECK_PARSE_LIMIT_MS);
  if (!before) return undefined;
  try {
    const lines = new LineIndex(text);
    const startPosition = lines.pointAt(offset);
    const errorsBefore = errorCounts(before, startPosition.row, startPosition.row, offset);
    before.edit(new Edit({
      startIndex: offset, oldEndIndex: replaceEnd, newEndIndex: offset + completion.length,
      startPosition, oldEndPosition: lines.pointAt(replaceEnd), newEndPosition: pointAfter(startPosition, completion),
    }));
    const completed = text.slice(0, offset) + completion + text.slice(replaceEnd);
    const after = parseWithLimit(parser, completed, before, CHECK_PARSE_LIMIT_MS);
    if (!after) return undefined;
    try {
      const endRow = pointAfter(startPosition, completion).row;
      const errorsAfter = errorCounts(after, startPosition.row, endRow);
      const contentStart = firstContentOffset(completion);
      let opened: number | undefined;
      let enclosing: number | undefined;
      if (contentStart !== undefined) {
        const completionEnd = offset + completion.length;
        const headerOffset = Math.max(0, Math.min(placement.headerOffset ?? 0, completion.length));
        const lineStart = headerOffset > 0 ? offset + headerOffset : text.lastIndexOf("\n", offset - 1) + 1;
        const newline = completion.indexOf("\n", headerOffset);
        const headerLineEnd = newline < 0 ? completionEnd : offset + newline;
        opened = openedBlockEnd(after.rootNode, completed, lineStart, headerLineEnd, offset, completionEnd);
        enclosing = closedBlockEnd(after.rootNode, offset, offset + contentStart, completionEnd);
      }
      const relative = (end: number | undefined) => end === undefined ? null : end - offset;
      return {
        blockEnd: relative(opened ?? enclosing),
        openedBlockEnd: relative(opened),
        enclosingBlockEnd: relative(enclosing),
        errorsBefore: errorsBefore.total,
        errorsAfter: errorsAfter.total,
        lineErrorsBefore: errorsBefore.inRows,
        holeIsError: errorsBefore.atOffset > 0,
        lineErrorsAfter: errorsAfter.inRows,
        newErrors: errorsAfter.total > errorsBefore.total,
        method: "tree",
      };
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
export function checkWithHeuristics(text: string, placement: CompletionPlacement): CompletionSyntaxReport {
  const { offset, completion } = placement;
  const replaceEnd = Math.max(offset, Math.min(placement.replaceEnd ?? offset, text.length));
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
  const errorsAfter = bracketErrors(text.slice(0, offset) + completion + text.slice(replaceEnd));
  return { blockEnd, openedBlockEnd: null, enclosingBlockEnd: null, errorsBefore, errorsAfter, newErrors: errorsAfter > errorsBefore, method: "heuristic" };
}
