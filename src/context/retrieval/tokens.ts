/**
 * Identifier sets of lines, memoised by line text: the current file changes on every
 * keystroke but almost all of its lines do not, so retokenising stays cheap.
 */
import type { LineIndex } from "../parsing/lineIndex";

const MEMO_LIMIT = 100_000;
const memo = new Map<string, readonly string[]>();
const STOP_WORDS: ReadonlySet<string> = new Set([
  "if", "else", "for", "while", "return", "const", "let", "var", "function", "def", "class", "new", "this", "self", "import", "from",
  "export", "true", "false", "null", "None", "nil", "fn", "pub", "func", "in", "of", "and", "or", "not", "is", "await", "async",
]);

export function lineTokens(line: string): readonly string[] {
  let tokens = memo.get(line);
  if (tokens) return tokens;
  const found = new Set<string>();
  if (line.length <= 2000) {
    for (const match of line.matchAll(/[A-Za-z_$][\w$]*/g)) if (match[0].length > 1 && !STOP_WORDS.has(match[0])) found.add(match[0]);
  }
  tokens = [...found];
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(line, tokens);
  return tokens;
}

export function tokenSet(lines: LineIndex, startLine: number, endLine: number): Set<string> {
  const set = new Set<string>();
  for (let row = Math.max(0, startLine); row <= Math.min(endLine, lines.lineCount - 1); row++) for (const token of lineTokens(lines.line(row))) set.add(token);
  return set;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const token of small) if (large.has(token)) shared++;
  return shared / (a.size + b.size - shared);
}
