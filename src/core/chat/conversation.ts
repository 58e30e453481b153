import type { ChatParams, ChatTurn } from "../../protocol/engineProtocol";

export const DEFAULT_SYSTEM_PROMPT =
  "You are Hearth, a coding assistant running locally on the user's machine. Answer concisely and use fenced code blocks for code.";

/** One conversation's turns, and the engine request for its next message. */
export class Conversation {
  private readonly turns: ChatTurn[] = [];

  constructor(readonly id: string, private readonly systemPrompt = DEFAULT_SYSTEM_PROMPT) {}

  get history(): readonly ChatTurn[] {
    return this.turns;
  }

  request(message: string, maxTokens: number): ChatParams {
    return {
      conversationId: this.id,
      systemPrompt: this.systemPrompt,
      history: [...this.turns],
      message,
      maxTokens,
      temperature: 0.2,
      topK: 40,
      topP: 0.95,
    };
  }

  /** Records an exchange; a reply stopped midway keeps what was streamed. */
  record(message: string, reply: string): void {
    this.turns.push({ role: "user", text: message }, { role: "assistant", text: reply });
  }
}
