/**
 * Attached context (selection, files, symbols) fitted into the chat model's context
 * window. Tokens are estimated at four characters each (the engine has no tokenize
 * request); the budget keeps room for the reply, the system prompt and the question.
 */

export interface ContextItem {
  id: string;
  kind: "selection" | "file" | "symbol";
  /** Shown on the chip and in the prompt, e.g. "src/math.ts:3-10". */
  label: string;
  /** Workspace-relative path (or the file name outside a workspace). */
  path: string;
  languageId: string;
  text: string;
  /** 1-based line of the first line of `text` in its file. */
  startLine: number;
}

export interface FittedContext {
  /** Items as sent (text possibly cut at a line boundary); items that did not fit are left out. */
  items: ContextItem[];
  /** Visible notes, e.g. "math.ts: kept lines 1-40 of 120 to fit the model's 2048-token context". */
  notes: string[];
}

export const CHARS_PER_TOKEN = 4;

/** Lines of a text, not counting the empty one after a final line break. */
export function lineCount(text: string): number {
  return text.replace(/\r?\n$/, "").split("\n").length;
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export interface BudgetInput {
  contextSize: number;
  /** Tokens reserved for the reply. */
  maxTokens: number;
  systemPrompt: string;
  message: string;
}

/**
 * Tokens the attached context may take: what is left of the context window after the
 * reply (at most half the window is held for it: a reply budget as large as the whole
 * context would leave no room for any code), the system prompt, the question and a margin
 * for the chat template, capped at 60% of the window so earlier turns keep some room.
 */
export function attachmentBudget(input: BudgetInput): number {
  const margin = 64;
  const reply = Math.min(input.maxTokens, Math.floor(input.contextSize / 2));
  const left = input.contextSize - reply - estimateTokens(input.systemPrompt) - estimateTokens(input.message) - margin;
  return Math.max(0, Math.min(left, Math.floor(input.contextSize * 0.6)));
}

/** Fences and headers added around each item. */
const ITEM_OVERHEAD_TOKENS = 16;

/** Fits items in order (first attached first) into `budgetTokens`, cutting at line boundaries. */
export function fitContext(items: readonly ContextItem[], budgetTokens: number, contextSize: number): FittedContext {
  const fitted: ContextItem[] = [];
  const notes: string[] = [];
  let left = budgetTokens;
  const why = `to fit the model's ${contextSize}-token context`;
  for (const item of items) {
    const room = left - ITEM_OVERHEAD_TOKENS;
    const lines = item.text.replace(/\r?\n$/, "").split("\n");
    if (estimateTokens(item.text) <= room) {
      fitted.push(item);
      left -= estimateTokens(item.text) + ITEM_OVERHEAD_TOKENS;
      continue;
    }
    let chars = 0;
    let kept = 0;
    while (kept < lines.length && chars + (lines[kept]?.length ?? 0) + 1 <= room * CHARS_PER_TOKEN) {
      chars += (lines[kept]?.length ?? 0) + 1;
      kept += 1;
    }
    if (kept === 0) {
      notes.push(`${item.label}: left out ${why}.`);
      continue;
    }
    const text = lines.slice(0, kept).join("\n");
    const last = item.startLine + kept - 1;
    fitted.push({ ...item, text });
    notes.push(`${item.label}: kept lines ${item.startLine}-${last} of ${item.startLine}-${item.startLine + lines.length - 1} ${why}.`);
    left -= estimateTokens(text) + ITEM_OVERHEAD_TOKENS;
  }
  return { items: fitted, notes };
}

/** The attached context as the model sees it, in front of the question. */
export function formatContextBlock(items: readonly ContextItem[]): string | undefined {
  if (items.length === 0) return undefined;
  const parts = items.map((item) => {
    const fence = "`".repeat(Math.max(3, longestBacktickRun(item.text) + 1));
    const what = item.kind === "selection" ? "Selected code" : item.kind === "symbol" ? "Symbol" : "File";
    const text = item.text.replace(/\r?\n$/, "");
    return `${what} from ${item.path} (lines ${item.startLine}-${item.startLine + lineCount(text) - 1}):\n${fence}${item.languageId}\n${text}\n${fence}`;
  });
  return parts.join("\n\n");
}

export function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

/**
 * A window of whole lines around `cursorLine` (0-based) of at most `maxChars`
 * characters: the active file when nothing is selected. Returns 1-based `startLine`.
 */
export function windowAround(text: string, cursorLine: number, maxChars: number): { text: string; startLine: number; whole: boolean } {
  if (text.length <= maxChars) return { text, startLine: 1, whole: true };
  const lines = text.split("\n");
  let start = Math.min(Math.max(0, cursorLine), lines.length - 1);
  let end = start; // inclusive
  let size = (lines[start]?.length ?? 0) + 1;
  while (true) {
    const before = start > 0 ? (lines[start - 1]?.length ?? 0) + 1 : Infinity;
    const after = end < lines.length - 1 ? (lines[end + 1]?.length ?? 0) + 1 : Infinity;
    // Grow towards the side that is cheaper, preferring code above the cursor (definitions, imports).
    const next = before <= after * 1.5 ? before : after;
    if (next === Infinity || size + next > maxChars) break;
    if (next === before) start -= 1;
    else end += 1;
    size += next;
  }
  return { text: lines.slice(start, end + 1).join("\n"), startLine: start + 1, whole: false };
}
