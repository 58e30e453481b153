import type { ChatParams, ChatResult } from "../../protocol/engineProtocol";
import { MAX_REPLY_CHARS, type ConversationSummary, type ExtensionToWebviewMessage, type TurnView } from "../../protocol/webviewProtocol";
import { Emitter } from "../emitter";
import { attachmentBudget, fitContext, formatContextBlock, type ContextItem } from "./contextBudget";
import { Conversation, type AssistantTurn, type SentPrompt, type UserTurn } from "./conversation";
import type { ChatHistory, ChatHistoryStore } from "./historyStore";

export interface ChatModel {
  name: string;
  contextSize: number;
}

/** What the session needs from the outside world (the engine, settings, a log). */
export interface ChatBackend {
  /** Loads the chat model if needed; undefined when none is selected. Read per message: a switch applies to the next one. */
  model(): Promise<ChatModel | undefined>;
  chat(params: ChatParams, signal: AbortSignal, onStream: (text: string) => void): Promise<ChatResult>;
  maxTokens(): number;
  log(level: "info" | "warn" | "error", message: string): void;
}

export interface ChatSessionOptions {
  newId(): string;
  now(): number;
  /** Absent: nothing is persisted (tests). */
  store?: ChatHistoryStore;
}

export const NO_MODEL_MESSAGE = "No chat model is selected. Use \"Select Chat Model…\" to choose a GGUF file on this machine.";

interface Running {
  controller: AbortController;
  /** The message being answered (recorded with the reply when it ends). */
  user: UserTurn;
  replyId: string;
  /** The reply as streamed to the view (with the part already written, when continuing). */
  text: string;
  /** Stop was asked: nothing more is streamed or kept. */
  stopped: boolean;
  /** The reply reached MAX_REPLY_CHARS and was ended there. */
  full: boolean;
  done: Promise<void>;
}

/** What Stop in the view saw: the reply, and how many of its characters were shown. */
export interface ShownReply {
  replyId: string;
  shown: number;
}

/** The note under a reply that ended at a limit. */
export function cutNote(reply: Pick<AssistantTurn, "cut" | "maxTokens">): string | undefined {
  if (reply.cut === "maxTokens") {
    return `The reply reached the limit of ${reply.maxTokens ?? "hearth.chat.maxTokens"} tokens (hearth.chat.maxTokens) and may be unfinished: Continue asks the model for more.`;
  }
  if (reply.cut === "size") return `The reply was cut at ${MAX_REPLY_CHARS.toLocaleString("en-US")} characters, the most Hearth keeps of one reply.`;
  return undefined;
}

/**
 * The chat's state and behaviour without VS Code: conversations (the active one and the
 * saved ones), sending with attached context fitted to the model, stop, regenerate,
 * edit-and-resend, and what the view is told (`onPost`).
 */
export class ChatSession {
  private readonly conversations = new Map<string, Conversation>();
  private active: Conversation;
  private running: Running | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly emitter = new Emitter<ExtensionToWebviewMessage>();
  readonly onPost = this.emitter.event;
  private readonly warningEmitter = new Emitter<string>();
  /** Problems a person should see (e.g. the history file was unreadable). */
  readonly onWarning = this.warningEmitter.event;
  readonly loaded: Promise<void>;

  constructor(private readonly backend: ChatBackend, private readonly options: ChatSessionOptions) {
    this.active = Conversation.create(options.newId(), options.now());
    this.loaded = this.load();
  }

  private async load(): Promise<void> {
    if (!this.options.store) return;
    try {
      const { history, movedAside } = await this.options.store.load();
      for (const data of history.conversations) this.conversations.set(data.id, new Conversation(data));
      const active = history.activeId ? this.conversations.get(history.activeId) : undefined;
      if (active) this.active = active;
      if (movedAside) {
        const message = `The chat history could not be read (${movedAside.reason}); it was moved to ${movedAside.path} and a new history started.`;
        this.backend.log("warn", message);
        this.warningEmitter.fire(message);
      }
    } catch (error) {
      const message = `The chat history could not be read: ${error instanceof Error ? error.message : String(error)}. Chats of this session will still be saved.`;
      this.backend.log("error", message);
      this.warningEmitter.fire(message);
    }
    this.postAll();
  }

  get activeConversation(): Conversation {
    return this.active;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  private post(message: ExtensionToWebviewMessage): void {
    this.emitter.fire(message);
  }

  /** Everything a freshly loaded view needs. */
  snapshot(): ExtensionToWebviewMessage[] {
    const turns = this.active.turns.map(turnView);
    // The message being answered is recorded with its reply: a view loaded meanwhile shows it too.
    if (this.running) turns.push(turnView(this.running.user));
    const reset: ExtensionToWebviewMessage = { type: "reset", conversationId: this.active.id, turns };
    if (this.running) reset.streaming = { id: this.running.replyId, text: this.running.text };
    return [reset, this.summaries()];
  }

  private postAll(): void {
    for (const message of this.snapshot()) this.post(message);
  }

  summaries(): ExtensionToWebviewMessage {
    const items: ConversationSummary[] = [...this.conversations.values()]
      .filter((conversation) => !conversation.isEmpty)
      .sort((a, b) => b.data.updatedAt - a.data.updatedAt)
      .map((conversation) => ({ id: conversation.id, title: conversation.data.title, updatedAt: conversation.data.updatedAt, messages: conversation.turns.length }));
    return { type: "conversations", items, activeId: this.active.id };
  }

  /** Sends a new message with the given context attached. */
  async send(text: string, context: readonly ContextItem[]): Promise<void> {
    await this.stopAndWait();
    const user: UserTurn = { id: this.options.newId(), role: "user", text, at: this.options.now() };
    if (context.length > 0) user.context = context.map((item) => item.label);
    await this.exchange(user, { shown: false, context });
  }

  /** Generates the last reply again (same message, same attached context). */
  async regenerate(): Promise<void> {
    await this.stopAndWait();
    const user = this.active.takeLastExchange();
    if (!user) return;
    this.post({ type: "reset", conversationId: this.active.id, turns: [...this.active.turns.map(turnView), turnView(user)] });
    await this.exchange(user, { shown: true });
  }

  /** Replaces the last message with `text` (keeping its attached context) and sends it again. */
  async editLast(text: string): Promise<void> {
    await this.stopAndWait();
    const user = this.active.takeLastForEdit(text, this.options.newId(), this.options.now());
    if (!user) return;
    this.post({ type: "reset", conversationId: this.active.id, turns: this.active.turns.map(turnView) });
    await this.exchange(user, { shown: false });
  }

  /**
   * Stops the reply being generated. Nothing more is streamed to the view or kept; with
   * `shown` (from the view's Stop), the reply is kept exactly as the person saw it.
   */
  stop(shown?: ShownReply): void {
    const running = this.running;
    if (!running) return;
    running.stopped = true;
    if (shown && shown.replyId === running.replyId && shown.shown < running.text.length) running.text = running.text.slice(0, shown.shown);
    running.controller.abort();
  }

  /** Continues the last reply, which reached hearth.chat.maxTokens, in the same message. */
  async continueReply(replyId: string): Promise<void> {
    await this.stopAndWait();
    const last = this.active.lastExchange();
    if (!last || last.reply.id !== replyId || last.reply.cut !== "maxTokens") return;
    this.active.takeLastExchange();
    await this.exchange(last.user, { shown: true, continuing: last.reply });
  }

  private async stopAndWait(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.stop();
    await running.done;
  }

  async newChat(): Promise<void> {
    await this.stopAndWait();
    if (!this.active.isEmpty) this.conversations.set(this.active.id, this.active);
    this.active = Conversation.create(this.options.newId(), this.options.now());
    this.postAll();
    this.save();
  }

  async open(id: string): Promise<void> {
    const conversation = this.conversations.get(id);
    if (!conversation || conversation === this.active) return;
    await this.stopAndWait();
    this.active = conversation;
    this.postAll();
    this.save();
  }

  async delete(id: string): Promise<void> {
    if (id === this.active.id) {
      await this.stopAndWait();
      this.conversations.delete(id);
      this.active = Conversation.create(this.options.newId(), this.options.now());
    } else {
      this.conversations.delete(id);
    }
    this.postAll();
    this.save();
  }

  promptFor(replyId: string): SentPrompt | undefined {
    return this.active.promptFor(replyId);
  }

  private async exchange(user: UserTurn, how: { shown: boolean; context?: readonly ContextItem[]; continuing?: AssistantTurn }): Promise<void> {
    const conversation = this.active;
    const controller = new AbortController();
    const continuing = how.continuing;
    const replyId = continuing?.id ?? this.options.newId();
    const prefix = continuing?.text ?? "";
    let finish = () => {};
    const running: Running = { controller, user, replyId, text: prefix, stopped: false, full: false, done: new Promise<void>((resolve) => (finish = resolve)) };
    this.running = running;
    if (continuing) this.post({ type: "replyContinue", id: replyId });
    else this.post({ type: "replyStart", id: replyId, ...(how.shown ? {} : { userText: user.text, userId: user.id, context: user.context }) });
    // Continuing keeps the reply's earlier notes (trimmed context, left-out turns), not its limit.
    const reply: AssistantTurn = { id: replyId, role: "assistant", text: prefix, at: this.options.now() };
    const notes: string[] = [...(continuing?.notes ?? [])];
    if (continuing?.model) reply.model = continuing.model;
    try {
      const model = await this.backend.model();
      if (!model) {
        reply.error = NO_MODEL_MESSAGE;
        return;
      }
      reply.model = model.name;
      const maxTokens = this.backend.maxTokens();
      if (how.context && how.context.length > 0) {
        const budget = attachmentBudget({ contextSize: model.contextSize, maxTokens, systemPrompt: conversation.data.systemPrompt, message: user.text });
        const fitted = fitContext(how.context, budget, model.contextSize);
        user.contextBlock = formatContextBlock(fitted.items);
        notes.push(...fitted.notes);
      }
      if (controller.signal.aborted) throw new Error("aborted");
      const params = conversation.request(user, maxTokens);
      if (continuing) params.responsePrefix = prefix;
      const result = await this.backend.chat(params, controller.signal, (chunk) => this.onChunk(running, chunk));
      reply.text = running.stopped || running.full ? running.text : prefix + result.text;
      if (running.full) reply.cut = "size";
      else if (running.stopped || result.stopReason === "aborted") reply.stopped = true;
      else if (result.stopReason === "maxTokens") {
        reply.cut = "maxTokens";
        reply.maxTokens = maxTokens;
      }
      if (result.droppedTurns > 0) {
        reply.droppedTurns = result.droppedTurns;
        notes.push(`${result.droppedTurns} earlier message${result.droppedTurns === 1 ? "" : "s"} no longer fit in the model's context and ${result.droppedTurns === 1 ? "was" : "were"} left out.`);
      }
      this.backend.log("info", `chat: ${result.stats.generatedTokens} tokens, first token ${Math.round(result.stats.firstTokenMs)} ms, ` +
        `total ${Math.round(result.stats.generationMs)} ms, ${running.full ? "cut at the reply size limit" : result.stopReason}`);
    } catch (error) {
      reply.text = running.text;
      if (running.full) {
        reply.cut = "size";
      } else if (controller.signal.aborted) {
        reply.stopped = true;
      } else {
        reply.error = error instanceof Error ? error.message : String(error);
        this.backend.log("error", `chat failed: ${reply.error}`);
      }
    } finally {
      // Whatever the engine still sends is not part of the reply any more.
      running.stopped = true;
      const unique = [...new Set(notes)];
      if (unique.length > 0) reply.notes = unique;
      reply.at = this.options.now();
      conversation.record(user, reply);
      if (!conversation.isEmpty) this.conversations.set(conversation.id, conversation);
      this.running = undefined;
      const view = turnView(reply);
      this.post({ type: "replyEnd", id: replyId, stopped: reply.stopped === true, error: reply.error, notes: view.notes, ...(view.continuable ? { continuable: true } : {}) });
      this.post(this.summaries());
      this.save();
      finish();
    }
  }

  /** A streamed chunk: shown and kept unless Stop came first, and only up to MAX_REPLY_CHARS. */
  private onChunk(running: Running, chunk: string): void {
    if (running.stopped || running.full) return;
    const room = MAX_REPLY_CHARS - running.text.length;
    const kept = chunk.length > room ? chunk.slice(0, room) : chunk;
    if (kept !== "") {
      running.text += kept;
      this.post({ type: "replyChunk", id: running.replyId, text: kept });
    }
    if (chunk.length >= room) {
      running.full = true;
      running.controller.abort();
    }
  }

  private save(): void {
    const store = this.options.store;
    if (!store) return;
    const history: ChatHistory = { conversations: [...this.conversations.values()].map((c) => c.data), activeId: this.active.id };
    this.saving = store.save(history).catch((error: Error) => {
      this.backend.log("error", `could not save the chat history to ${store.file}: ${error.message}`);
    });
  }

  /** Resolves when everything asked so far is written (tests, shutdown). */
  async flush(): Promise<void> {
    await this.running?.done;
    await this.saving;
  }

  dispose(): void {
    this.stop();
    this.emitter.dispose();
    this.warningEmitter.dispose();
  }
}

export function turnView(turn: UserTurn | AssistantTurn): TurnView {
  if (turn.role === "user") return { id: turn.id, role: "user", text: turn.text, ...(turn.context ? { context: turn.context } : {}) };
  const view: TurnView = { id: turn.id, role: "assistant", text: turn.text };
  if (turn.stopped) view.stopped = true;
  if (turn.error) view.error = turn.error;
  const note = cutNote(turn);
  const notes = [...(turn.notes ?? []), ...(note ? [note] : [])];
  if (notes.length > 0) view.notes = notes;
  if (turn.cut === "maxTokens") view.continuable = true;
  return view;
}
