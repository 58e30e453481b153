import type { ChatParams, ChatTurn } from "../../protocol/engineProtocol";

export const DEFAULT_SYSTEM_PROMPT =
  "You are Hearth, a coding assistant running locally on the user's machine. Answer concisely and use fenced code blocks for code.";

/** Sampling of chat replies (fixed for now; maxTokens comes from hearth.chat.maxTokens). */
export const CHAT_SAMPLING = { temperature: 0.2, topK: 40, topP: 0.95 } as const;

export interface UserTurn {
  id: string;
  role: "user";
  /** What the person typed. */
  text: string;
  /** The attached context, formatted as the model sees it (absent: nothing attached). */
  contextBlock?: string;
  /** Labels of the attached context chips. */
  context?: string[];
  at: number;
}

export interface AssistantTurn {
  id: string;
  role: "assistant";
  text: string;
  stopped?: boolean;
  error?: string;
  notes?: string[];
  /** The model that wrote the reply. */
  model?: string;
  /**
   * Why the reply ended before the model finished: at hearth.chat.maxTokens (`maxTokens`,
   * the limit then in `maxTokens`; it can be continued), or at the most Hearth keeps of one
   * reply (`size`).
   */
  cut?: "maxTokens" | "size";
  maxTokens?: number;
  /** Earlier turns the engine left out because they no longer fit. */
  droppedTurns?: number;
  at: number;
}

export type StoredTurn = UserTurn | AssistantTurn;

/** A conversation as it is kept in memory and on disk. */
export interface StoredConversation {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  systemPrompt: string;
  turns: StoredTurn[];
}

/** What was sent to the model for one reply (the prompt inspector shows it). */
export interface SentPrompt {
  systemPrompt: string;
  history: ChatTurn[];
  message: string;
  droppedTurns: number;
  model?: string;
  notes: string[];
}

/** The message the model sees for a user turn: the attached context first, then the question. */
export function messageFor(turn: Pick<UserTurn, "text" | "contextBlock">): string {
  return turn.contextBlock ? `${turn.contextBlock}\n\n${turn.text}` : turn.text;
}

/** A short title from the first message. */
export function titleFrom(text: string): string {
  const line = text.trim().split(/\r?\n/)[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}…` : line || "New chat";
}

/**
 * One conversation: its turns, the engine request for the next message, and the
 * operations of the chat view (regenerate the last reply, edit the last message).
 * Turns alternate user, assistant; a reply that failed keeps its error and empty text.
 */
export class Conversation {
  constructor(readonly data: StoredConversation) {}

  static create(id: string, now: number, systemPrompt = DEFAULT_SYSTEM_PROMPT): Conversation {
    return new Conversation({ id, title: "New chat", createdAt: now, updatedAt: now, systemPrompt, turns: [] });
  }

  get id(): string {
    return this.data.id;
  }

  get turns(): readonly StoredTurn[] {
    return this.data.turns;
  }

  get isEmpty(): boolean {
    return this.data.turns.length === 0;
  }

  /** The history the engine sees before turn `index`: exchanges whose reply has text. */
  historyBefore(index: number): ChatTurn[] {
    const history: ChatTurn[] = [];
    const turns = this.data.turns;
    for (let i = 0; i + 1 < Math.min(index, turns.length); i += 2) {
      const user = turns[i];
      const reply = turns[i + 1];
      if (user?.role !== "user" || reply?.role !== "assistant" || reply.text === "") continue;
      history.push({ role: "user", text: messageFor(user) }, { role: "assistant", text: reply.text });
    }
    return history;
  }

  /** The engine request for a new user turn (not yet recorded). */
  request(user: Pick<UserTurn, "text" | "contextBlock">, maxTokens: number): ChatParams {
    return {
      conversationId: this.data.id,
      systemPrompt: this.data.systemPrompt,
      history: this.historyBefore(this.data.turns.length),
      message: messageFor(user),
      maxTokens,
      ...CHAT_SAMPLING,
    };
  }

  /** Records a finished exchange; a reply stopped midway keeps what was streamed. */
  record(user: UserTurn, reply: AssistantTurn): void {
    if (this.data.turns.length === 0) this.data.title = titleFrom(user.text);
    this.data.turns.push(user, reply);
    this.data.updatedAt = Math.max(reply.at, user.at);
  }

  /** The last user turn, if the conversation ends with an exchange. */
  lastExchange(): { user: UserTurn; reply: AssistantTurn } | undefined {
    const turns = this.data.turns;
    const user = turns[turns.length - 2];
    const reply = turns[turns.length - 1];
    return user?.role === "user" && reply?.role === "assistant" ? { user, reply } : undefined;
  }

  /** Regenerate: removes the last exchange and returns its user turn to be sent again. */
  takeLastExchange(): UserTurn | undefined {
    const last = this.lastExchange();
    if (!last) return undefined;
    this.data.turns.splice(-2, 2);
    return last.user;
  }

  /** Edit-and-resend: the last user turn with new text, keeping its attached context. */
  takeLastForEdit(text: string, id: string, now: number): UserTurn | undefined {
    const user = this.takeLastExchange();
    return user ? { ...user, id, text, at: now } : undefined;
  }

  /** What was sent for the reply `replyId`, rebuilt exactly as `request` built it. */
  promptFor(replyId: string): SentPrompt | undefined {
    const index = this.data.turns.findIndex((turn) => turn.id === replyId);
    const reply = this.data.turns[index];
    const user = this.data.turns[index - 1];
    if (reply?.role !== "assistant" || user?.role !== "user") return undefined;
    return {
      systemPrompt: this.data.systemPrompt,
      history: this.historyBefore(index - 1),
      message: messageFor(user),
      droppedTurns: reply.droppedTurns ?? 0,
      model: reply.model,
      notes: reply.notes ?? [],
    };
  }
}
