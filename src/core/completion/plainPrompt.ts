/** Prompt and trimming for plain (prefix-only) completion. */

export const MAX_PREFIX_CHARS = 6000;

/** The text before the cursor, cut at a line start so the model sees whole lines. */
export function plainCompletionPrompt(textBeforeCursor: string, maxChars = MAX_PREFIX_CHARS): string {
  if (textBeforeCursor.length <= maxChars) return textBeforeCursor;
  const cut = textBeforeCursor.length - maxChars;
  const lineStart = textBeforeCursor.indexOf("\n", cut);
  return lineStart >= 0 && lineStart < textBeforeCursor.length - 1 ? textBeforeCursor.slice(lineStart + 1) : textBeforeCursor.slice(cut);
}

/**
 * Keeps the first line of a suggestion (the rest of the current line); when the model
 * starts with a line break, the suggestion is the next non-empty line instead.
 */
export function firstLineOfSuggestion(generated: string): string {
  const newline = generated.indexOf("\n");
  if (newline < 0) return generated.trimEnd();
  const first = generated.slice(0, newline).trimEnd();
  if (first.trim() !== "") return first;
  const rest = generated.slice(newline + 1);
  const next = rest.split("\n").find((line) => line.trim() !== "");
  if (next === undefined) return "";
  return "\n".repeat(rest.slice(0, rest.indexOf(next)).split("\n").length) + next.trimEnd();
}
