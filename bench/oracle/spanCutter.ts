/**
 * Where the oracle benchmark cuts a span out of a real file: places picked from its
 * tree-sitter parse so that each span is a meaningful unit a user would want completed.
 * The document is the file without the span, the cursor where the span was.
 *
 * Node types are named per grammar, so one table serves every language: a type only
 * matches in the grammars that have it.
 */
import type { Node } from "web-tree-sitter";
import { LineIndex } from "../../src/context/parsing/lineIndex";
import type { Prng } from "../../test/support/models/prng";

export type PlaceKind = "rest-of-line" | "block" | "expression" | "string";
export const PLACE_KINDS: readonly PlaceKind[] = ["rest-of-line", "block", "expression", "string"];

/**
 * Where exactly the cursor sits:
 * - rest-of-line: `line-end` (nothing after the cursor) or `before-closers` (the closing
 *   brackets that the cut text opened stay after the cursor, as an editor auto-closes them);
 * - block: `after-opener` (the block's first statement, cursor on an empty line under its opener)
 *   or `siblings` (the statements after those the user typed, cursor on a new empty line);
 * - expression: `mid-line` (code follows) or `before-closers` (only closing punctuation follows);
 * - string: `whole` (the cursor between the quotes) or `rest` (after a typed first word or more).
 */
export type PlaceVariant = "line-end" | "before-closers" | "after-opener" | "siblings" | "mid-line" | "whole" | "rest";

export interface Place {
  kind: PlaceKind;
  variant: PlaceVariant;
  /** The span is text.slice(start, end); the cursor is at `start` once it is cut out. */
  start: number;
  end: number;
}

export interface CutDocument {
  /** The file without the span. */
  text: string;
  /** The cursor: where the span was. */
  offset: number;
  span: string;
}

/**
 * A block span is at most what a model writes within the pipeline's multi-line token budget
 * (160 tokens, a few characters each): the rest of a long block is not one completion.
 */
export const MAX_BLOCK_SPAN_LINES = 12;
export const MAX_BLOCK_SPAN_CHARS = 600;

/** Containers whose named children are statements, members, fields, arms or entries. */
const BLOCK_TYPES = new Set([
  "statement_block", "class_body", "interface_body", "object_type", "enum_body", "switch_body", "object", "array", // TS/JS
  "block", "dictionary", "list", // Python, C#, CSS
  "statement_list", "field_declaration_list", "literal_value", "import_spec_list", // Go (C/C++ share the second)
  "compound_statement", "enumerator_list", "initializer_list", "declaration_list", // C/C++, PHP, C#
  "enum_member_declaration_list", "initializer_expression", "array_creation_expression", "do_group", // C#, PHP, Bash
]);

/** Text that is not code although no string literal node says so: no place starts inside it. */
const TEXT_TYPES = new Set(["heredoc_body", "heredoc", "nowdoc", "text", "concatenated_string"]);

/** String literals; their content (between the quotes) is the `string` kind's span. */
const STRING_TYPES = new Set([
  "string", "template_string", "string_literal", "interpreted_string_literal", "raw_string_literal", "string_value",
  "encapsed_string", "verbatim_string_literal", "interpolated_string_expression", "raw_string",
]);

const EXPRESSION_TYPES = new Set([
  "call", "attribute", "subscript", "binary_operator", "comparison_operator", "boolean_operator", "not_operator", "unary_operator",
  "number", "integer", "float", "number_literal", "integer_literal", "real_literal", "int_literal", "float_literal",
  "true", "false", "null", "nil", "none", "null_literal", "boolean_literal", "boolean", "this", "self",
  "array", "object", "list", "dictionary", "tuple", "composite_literal", "lambda", "arrow_function",
  "plain_value", "integer_value", "float_value", "color_value", "simple_expansion", "expansion", "command_substitution",
]);
/** Names are expressions only where an expression stands (not a declared name). */
const NAME_TYPES = new Set(["identifier", "variable_name"]);

function isExpressionType(type: string): boolean {
  return EXPRESSION_TYPES.has(type) || (type.endsWith("_expression") && type !== "expression_statement" && !STRING_TYPES.has(type));
}

function isExpressionNode(node: Node): boolean {
  if (!node.isNamed || STRING_TYPES.has(node.type)) return false;
  if (isExpressionType(node.type)) return true;
  const parentType = node.parent?.type ?? "";
  return NAME_TYPES.has(node.type) && (isExpressionType(parentType) || /argument/.test(parentType));
}

const isComment = (type: string) => type.includes("comment");

/** What a cut leaves on the cursor's line after it: closing brackets, maybe a `;` (a cut inside a string is the string kind's). */
const CLOSERS_TAIL = /[)\]}]+;?$/;
const OPENER_OF: Readonly<Record<string, string>> = { ")": "(", "]": "[", "}": "{" };

/** True when every bracket and quote in `closers` closes one left open in `head`. */
export function closesWhatHeadOpened(head: string, closers: string): boolean {
  const open: string[] = [];
  let quote: string | undefined;
  for (let index = 0; index < head.length; index++) {
    const char = head[index];
    if (quote) {
      if (char === "\\") index++;
      else if (char === quote) quote = undefined;
    } else if (char === "\"" || char === "'" || char === "`") quote = char;
    else if (char === "(" || char === "[" || char === "{") open.push(char);
    else if (OPENER_OF[char]) {
      if (open.pop() !== OPENER_OF[char]) return false;
    }
  }
  for (const char of closers.replace(/;$/, "")) {
    if (quote) {
      if (char !== quote) return false;
      quote = undefined;
    } else if (OPENER_OF[char] === undefined || open.pop() !== OPENER_OF[char]) {
      return false;
    }
  }
  return true;
}

export function cutAt(text: string, place: Place): CutDocument {
  return { text: text.slice(0, place.start) + text.slice(place.end), offset: place.start, span: text.slice(place.start, place.end) };
}

interface Inherited {
  comment: boolean;
  string: boolean;
  error: boolean;
}

/** Lines of the file and the questions the place rules ask about them. */
class Lines {
  private readonly index: LineIndex;

  constructor(private readonly text: string) {
    this.index = new LineIndex(text);
  }

  lineAt(offset: number): number {
    return this.index.lineAt(offset);
  }

  start(line: number): number {
    return this.index.offsetAt(line);
  }

  /** End of the line's content: before trailing whitespace and the line break. */
  contentEnd(line: number): number {
    return this.start(line) + this.index.line(line).replace(/\s+$/, "").length;
  }

  /** Only whitespace between the line's start and `offset`. */
  startsLine(offset: number): boolean {
    return this.text.slice(this.start(this.lineAt(offset)), offset).trim() === "";
  }
}

/**
 * Every place of every kind in a parsed file. Places touch no line with a syntax error
 * and no comment; spans never start or end inside a token.
 */
export function findPlaces(root: Node, text: string): Place[] {
  const lines = new Lines(text);
  const places: Place[] = [];
  const errorLines = new Set<number>();
  const leafEnds = new Set<number>();
  const lineStarts: number[] = [];
  const expressionRanges = new Set<string>();
  const cursor = root.walk();
  const inherited: Inherited[] = [{ comment: false, string: false, error: false }];
  for (;;) {
    const node = cursor.currentNode;
    const outer = inherited[inherited.length - 1];
    const here: Inherited = {
      comment: outer.comment || isComment(node.type),
      string: outer.string || STRING_TYPES.has(node.type) || TEXT_TYPES.has(node.type),
      error: outer.error || node.isError || node.isMissing,
    };
    if (node.isError || node.isMissing) {
      for (let row = node.startPosition.row; row <= node.endPosition.row; row++) errorLines.add(row);
    }
    const clean = !here.comment && !outer.string && !here.error && !node.hasError;
    const singleLine = node.startPosition.row === node.endPosition.row;
    if (node.childCount === 0) {
      if (node.endIndex > node.startIndex) leafEnds.add(node.endIndex);
      if (clean && !here.string && node.endIndex > node.startIndex && singleLine) lineStarts.push(node.startIndex);
    }
    if (clean && STRING_TYPES.has(node.type) && singleLine) {
      lineStarts.push(node.startIndex);
      places.push(...stringPlaces(node, text));
    }
    if (clean && !here.string && singleLine && isExpressionNode(node)) {
      const key = `${node.startIndex}:${node.endIndex}`;
      if (!expressionRanges.has(key)) {
        expressionRanges.add(key);
        const place = expressionPlace(node, text, lines);
        if (place) places.push(place);
      }
    }
    if (clean && !here.string && BLOCK_TYPES.has(node.type)) places.push(...blockPlaces(node, text, lines));
    if (cursor.gotoFirstChild()) {
      inherited.push(here);
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        cursor.delete();
        const restOfLine = lineStarts.flatMap((start) => restOfLinePlaces(start, text, lines, leafEnds));
        return [...places, ...restOfLine].filter((place) => !touchesLines(place, lines, errorLines));
      }
      inherited.pop();
    }
  }
}

function touchesLines(place: Place, lines: Lines, rows: ReadonlySet<number>): boolean {
  const last = lines.lineAt(Math.max(place.start, place.end - 1));
  for (let row = lines.lineAt(place.start); row <= last; row++) if (rows.has(row)) return true;
  return false;
}

function restOfLinePlaces(start: number, text: string, lines: Lines, leafEnds: ReadonlySet<number>): Place[] {
  const end = lines.contentEnd(lines.lineAt(start));
  // The line's last token must end with the line (not a string or comment running on).
  if (end <= start || !leafEnds.has(end)) return [];
  const span = text.slice(start, end);
  if (!/\w/.test(span)) return [];
  const places: Place[] = [{ kind: "rest-of-line", variant: "line-end", start, end }];
  const tail = CLOSERS_TAIL.exec(span)?.[0];
  if (tail) {
    // Spaces before the closing brackets stay after the cursor too.
    const head = span.slice(0, span.length - tail.length).replace(/\s+$/, "");
    if (/\w/.test(head) && closesWhatHeadOpened(head, tail)) places.push({ kind: "rest-of-line", variant: "before-closers", start, end: start + head.length });
  }
  return places;
}

function blockPlaces(node: Node, text: string, lines: Lines): Place[] {
  const children = node.namedChildren.filter((child): child is Node => child !== null);
  const last = children[children.length - 1];
  if (!last) return [];
  // The span runs to the end of the last child's line (a trailing `,` or `;` included)...
  const trailing = /^[;,]?/.exec(text.slice(last.endIndex, lines.contentEnd(lines.lineAt(last.endIndex))));
  const end = last.endIndex + (trailing?.[0].length ?? 0);
  if (end !== lines.contentEnd(lines.lineAt(last.endIndex))) return [];
  // ...and what follows (the closing brace, the next statement) is on a later line.
  if (!/^[ \t]*(\r?\n|$)/.test(text.slice(end))) return [];
  const places: Place[] = [];
  children.forEach((child, index) => {
    if (isComment(child.type) || !lines.startsLine(child.startIndex) || child.startIndex >= end) return;
    if (end - child.startIndex > MAX_BLOCK_SPAN_CHARS || lines.lineAt(end) - lines.lineAt(child.startIndex) >= MAX_BLOCK_SPAN_LINES) return;
    places.push({ kind: "block", variant: index === 0 ? "after-opener" : "siblings", start: child.startIndex, end });
  });
  return places;
}

function expressionPlace(node: Node, text: string, lines: Lines): Place | undefined {
  const line = lines.lineAt(node.startIndex);
  const before = text.slice(lines.start(line), node.startIndex);
  const after = text.slice(node.endIndex, lines.contentEnd(line));
  if (before.trim() === "" || after.trim() === "" || node.endIndex <= node.startIndex) return undefined;
  const variant = /^[\s)\]}>'"`;,.]*$/.test(after) ? "before-closers" : "mid-line";
  return { kind: "expression", variant, start: node.startIndex, end: node.endIndex };
}

function stringPlaces(node: Node, text: string): Place[] {
  const literal = text.slice(node.startIndex, node.endIndex);
  const opening = /^[A-Za-z@$]{0,3}("""|'''|"|'|`)/.exec(literal);
  if (!opening) return [];
  const quote = opening[1];
  if (!literal.endsWith(quote) || literal.length < opening[0].length + quote.length + 1) return [];
  const start = node.startIndex + opening[0].length;
  const end = node.endIndex - quote.length;
  const content = text.slice(start, end);
  if (content.trim() === "" || content.includes("\n")) return [];
  const places: Place[] = [{ kind: "string", variant: "whole", start, end }];
  // After a typed first word or more: the word boundary nearest the middle.
  let best: number | undefined;
  for (let index = 1; index < content.length; index++) {
    if (content[index - 1] === " " && content[index] !== " " && (best === undefined || Math.abs(index - content.length / 2) < Math.abs(best - content.length / 2))) best = index;
  }
  if (best !== undefined) places.push({ kind: "string", variant: "rest", start: start + best, end });
  return places;
}

/**
 * Up to `count` places of one kind, variants taking turns at random so that a rare variant
 * is not drowned by a common one. The same prng state gives the same places.
 */
export function samplePlaces(places: readonly Place[], kind: PlaceKind, count: number, random: Prng): Place[] {
  const byVariant = new Map<PlaceVariant, Place[]>();
  for (const place of places) {
    if (place.kind !== kind) continue;
    const list = byVariant.get(place.variant) ?? [];
    list.push(place);
    byVariant.set(place.variant, list);
  }
  const picked: Place[] = [];
  const pools = [...byVariant.values()];
  while (picked.length < count) {
    const open = pools.filter((pool) => pool.length > 0);
    if (open.length === 0) break;
    const pool = open[Math.floor(random.next() * open.length)];
    const index = Math.floor(random.next() * pool.length);
    picked.push(pool[index]);
    pool[index] = pool[pool.length - 1];
    pool.pop();
  }
  return picked;
}
