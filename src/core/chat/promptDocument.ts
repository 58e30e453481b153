import { longestBacktickRun } from "./contextBudget";
import type { SentPrompt } from "./conversation";

function fenced(text: string): string[] {
  const fence = "`".repeat(Math.max(3, longestBacktickRun(text) + 1));
  return [fence, text, fence];
}

/** The read-only "Show Prompt" document: exactly what was sent to the chat model for one reply. */
export function renderSentPrompt(prompt: SentPrompt): string {
  const lines = [
    "# Chat prompt",
    "",
    `- Model: ${prompt.model ?? "(none)"}`,
    `- Earlier turns sent: ${prompt.history.length}${prompt.droppedTurns > 0 ? ` (the engine left out the oldest ${prompt.droppedTurns} to fit the context)` : ""}`,
    ...prompt.notes.map((note) => `- ${note}`),
    "",
    "The model's chat template wraps these parts in its own special tokens.",
    "",
    "## System prompt",
    "",
    ...fenced(prompt.systemPrompt),
    "",
  ];
  prompt.history.forEach((turn, index) => {
    lines.push(`## History ${index + 1}: ${turn.role}`, "", ...fenced(turn.text), "");
  });
  lines.push("## Message (attached context, then the question)", "", ...fenced(prompt.message), "");
  return lines.join("\n");
}
