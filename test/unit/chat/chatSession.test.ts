import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatSession, NO_MODEL_MESSAGE, type ChatBackend, type ChatModel } from "../../../src/core/chat/chatSession";
import type { ContextItem } from "../../../src/core/chat/contextBudget";
import { Conversation } from "../../../src/core/chat/conversation";
import { ChatHistoryStore } from "../../../src/core/chat/historyStore";
import { renderSentPrompt } from "../../../src/core/chat/promptDocument";
import type { ChatParams, ChatResult } from "../../../src/protocol/engineProtocol";
import { MAX_REPLY_CHARS, type ExtensionToWebviewMessage } from "../../../src/protocol/webviewProtocol";

const STATS = { promptTokens: 1, reusedTokens: 0, evaluatedTokens: 1, generatedTokens: 1, promptMs: 1, firstTokenMs: 1, generationMs: 1 };

/** A fake engine: replies "reply N to <message>" in two chunks, or waits for abort when `hold` is set. */
class FakeBackend implements ChatBackend {
  model_: ChatModel | undefined = { name: "tiny", contextSize: 2048 };
  requests: ChatParams[] = [];
  hold = false;
  dropped = 0;
  logs: string[] = [];
  async model(): Promise<ChatModel | undefined> {
    return this.model_;
  }
  async chat(params: ChatParams, signal: AbortSignal, onStream: (text: string) => void): Promise<ChatResult> {
    this.requests.push(params);
    const text = `reply ${this.requests.length} to ${params.message.split("\n").pop() ?? ""}`;
    onStream(text.slice(0, 5));
    if (this.hold) {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      throw Object.assign(new Error("aborted"), { code: "aborted" });
    }
    onStream(text.slice(5));
    return { text, stopReason: "eog", stats: STATS, droppedTurns: this.dropped };
  }
  maxTokens(): number {
    return 256;
  }
  log(level: string, message: string): void {
    this.logs.push(`${level}: ${message}`);
  }
}

type Script = (params: ChatParams, signal: AbortSignal, stream: (text: string) => void) => Promise<ChatResult>;

/** An engine that does what each test's script says (one script per request, in order). */
class ScriptedBackend implements ChatBackend {
  requests: ChatParams[] = [];
  constructor(private readonly scripts: Script[]) {}
  async model(): Promise<ChatModel | undefined> {
    return { name: "tiny", contextSize: 2048 };
  }
  chat(params: ChatParams, signal: AbortSignal, onStream: (text: string) => void): Promise<ChatResult> {
    this.requests.push(params);
    const script = this.scripts[this.requests.length - 1];
    if (!script) throw new Error(`no script for request ${this.requests.length}`);
    return script(params, signal, onStream);
  }
  maxTokens(): number {
    return 256;
  }
  log(): void {}
}

const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => {
  if (signal.aborted) resolve();
  else signal.addEventListener("abort", () => resolve(), { once: true });
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

function session(backend: ChatBackend, store?: ChatHistoryStore): { chat: ChatSession; posted: ExtensionToWebviewMessage[] } {
  let id = 0;
  let now = 1000;
  const chat = new ChatSession(backend, { newId: () => `id${++id}`, now: () => ++now, store });
  const posted: ExtensionToWebviewMessage[] = [];
  chat.onPost((message) => posted.push(message));
  return { chat, posted };
}

const selection: ContextItem = { id: "s", kind: "selection", label: "math.ts:1-3", path: "src/math.ts", languageId: "typescript", text: "function add(a, b) {\n  return a + b;\n}", startLine: 1 };

describe("chat session", () => {
  it("sends a message with its context, streams the reply and records the exchange", async () => {
    const backend = new FakeBackend();
    const { chat, posted } = session(backend);
    await chat.send("What does it do?", [selection]);
    const request = backend.requests[0];
    assert.ok(request);
    assert.equal(request.history.length, 0);
    assert.equal(request.message, "Selected code from src/math.ts (lines 1-3):\n```typescript\nfunction add(a, b) {\n  return a + b;\n}\n```\n\nWhat does it do?");
    assert.equal(request.maxTokens, 256);
    const types = posted.map((message) => message.type);
    assert.deepEqual(types, ["replyStart", "replyChunk", "replyChunk", "replyEnd", "conversations"]);
    assert.deepEqual(posted[0], { type: "replyStart", id: "id3", userText: "What does it do?", userId: "id2", context: ["math.ts:1-3"] });
    const turns = chat.activeConversation.turns;
    assert.deepEqual(turns.map((turn) => [turn.role, turn.text]), [["user", "What does it do?"], ["assistant", "reply 1 to What does it do?"]]);
    assert.equal(chat.activeConversation.data.title, "What does it do?");
    // The next message sends the earlier exchange as history, with its context.
    await chat.send("And then?", []);
    assert.deepEqual(backend.requests[1]?.history, [{ role: "user", text: request.message }, { role: "assistant", text: "reply 1 to What does it do?" }]);
    assert.equal(backend.requests[1]?.message, "And then?");
  });

  it("trims attached context to the model's context size and says so", async () => {
    const backend = new FakeBackend();
    backend.model_ = { name: "tiny", contextSize: 512 };
    const big: ContextItem = { ...selection, kind: "file", label: "big.ts", text: Array.from({ length: 400 }, (_, i) => `const v${i} = ${i};`).join("\n") };
    const { chat, posted } = session(backend);
    await chat.send("Summarize", [big]);
    const end = posted.find((message) => message.type === "replyEnd");
    assert.ok(end?.type === "replyEnd" && end.notes?.[0]?.startsWith("big.ts: kept lines 1-"), JSON.stringify(end));
    assert.ok((backend.requests[0]?.message.length ?? 0) < 512 * 4);
  });

  it("regenerates the last reply with the same message and context", async () => {
    const backend = new FakeBackend();
    const { chat, posted } = session(backend);
    await chat.send("Q1", []);
    await chat.send("Q2", [selection]);
    posted.length = 0;
    await chat.regenerate();
    assert.equal(backend.requests[2]?.message, backend.requests[1]?.message);
    assert.deepEqual(backend.requests[2]?.history, backend.requests[1]?.history);
    assert.equal(posted[0]?.type, "reset");
    assert.deepEqual(posted[0]?.type === "reset" ? posted[0].turns.map((turn) => turn.text) : [], ["Q1", "reply 1 to Q1", "Q2"]);
    assert.ok(posted[1]?.type === "replyStart" && posted[1].userText === undefined, "the user message is not shown twice");
    assert.deepEqual(chat.activeConversation.turns.map((turn) => turn.text), ["Q1", "reply 1 to Q1", "Q2", "reply 3 to Q2"]);
  });

  it("edits the last message and resends it, keeping its context", async () => {
    const backend = new FakeBackend();
    const { chat } = session(backend);
    await chat.send("Explain", [selection]);
    await chat.editLast("Explain briefly");
    assert.ok(backend.requests[1]?.message.startsWith("Selected code from src/math.ts"));
    assert.ok(backend.requests[1]?.message.endsWith("\n\nExplain briefly"));
    assert.deepEqual(chat.activeConversation.turns.map((turn) => turn.text), ["Explain briefly", "reply 2 to Explain briefly"]);
  });

  it("stops a reply midway and keeps what was streamed", async () => {
    const backend = new FakeBackend();
    backend.hold = true;
    const { chat, posted } = session(backend);
    const sending = chat.send("Tell a story", []);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(chat.isRunning);
    chat.stop();
    await sending;
    const end = posted.find((message) => message.type === "replyEnd");
    assert.deepEqual(end, { type: "replyEnd", id: "id3", stopped: true, error: undefined, notes: undefined });
    const reply = chat.activeConversation.turns[1];
    assert.equal(reply?.text, "reply");
    assert.ok(reply?.role === "assistant" && reply.stopped);
  });

  it("after Stop streams and keeps nothing more, even what the engine sends after the abort: the reply stays as the view showed it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-session-"));
    try {
      // The engine streams, sees the abort late (one more chunk), and returns a longer text.
      const late: Script = async (_params, signal, stream) => {
        stream("Once upon ");
        stream("a time");
        await aborted(signal);
        stream(", there was a girl");
        return { text: "Once upon a time, there was a girl named Lily", stopReason: "aborted", stats: STATS, droppedTurns: 0 };
      };
      const backend = new ScriptedBackend([late, late]);
      const { chat, posted } = session(backend, new ChatHistoryStore(dir));
      await chat.loaded;
      // The view's Stop: it had shown 9 characters ("Once upon") when the person pressed it.
      let sending = chat.send("Tell a story", []);
      await tick();
      const start = posted.find((message) => message.type === "replyStart");
      const replyId = start?.type === "replyStart" ? start.id : "";
      chat.stop({ replyId, shown: 9 });
      const atStop = posted.length;
      await sending;
      assert.deepEqual(posted.slice(atStop).map((message) => message.type), ["replyEnd", "conversations"], "nothing streamed after Stop");
      assert.deepEqual(posted.slice(atStop)[0], { type: "replyEnd", id: replyId, stopped: true, error: undefined, notes: undefined });
      assert.equal(chat.activeConversation.turns[1]?.text, "Once upon");
      // Stop without a count (Escape before anything was shown, New Chat): what was streamed so far.
      sending = chat.send("Again", []);
      await tick();
      chat.stop();
      await sending;
      assert.equal(chat.activeConversation.turns[3]?.text, "Once upon a time");
      await chat.flush();
      const saved = JSON.parse(readFileSync(join(dir, "chat-history.json"), "utf8")) as { conversations: { turns: { text: string }[] }[] };
      assert.deepEqual(saved.conversations[0]?.turns.map((turn) => turn.text), ["Tell a story", "Once upon", "Again", "Once upon a time"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says when a reply stopped at hearth.chat.maxTokens, and Continue goes on in the same reply", async () => {
    const cut: Script = async (_params, _signal, stream) => {
      stream("The first part");
      return { text: "The first part", stopReason: "maxTokens", stats: STATS, droppedTurns: 0 };
    };
    const rest: Script = async (_params, _signal, stream) => {
      stream(" and the end.");
      return { text: " and the end.", stopReason: "eog", stats: STATS, droppedTurns: 0 };
    };
    const backend = new ScriptedBackend([cut, cut, rest]);
    const { chat, posted } = session(backend);
    await chat.send("Explain", [selection]);
    await chat.send("More", []);
    const end = posted.filter((message) => message.type === "replyEnd").pop();
    assert.ok(end?.type === "replyEnd" && end.continuable === true, JSON.stringify(end));
    assert.match(end.notes?.join(" ") ?? "", /limit of 256 tokens \(hearth\.chat\.maxTokens\).*Continue/);
    const replyId = end.id;
    // Only the last reply can be continued.
    await chat.continueReply(chat.activeConversation.turns[1]?.id ?? "");
    assert.equal(backend.requests.length, 2);
    posted.length = 0;
    await chat.continueReply(replyId);
    const request = backend.requests[2];
    assert.equal(request?.responsePrefix, "The first part");
    assert.equal(request?.message, backend.requests[1]?.message, "the same message");
    assert.deepEqual(request?.history, backend.requests[1]?.history, "the same history, without the reply being continued");
    assert.deepEqual(posted.map((message) => message.type), ["replyContinue", "replyChunk", "replyEnd", "conversations"]);
    assert.deepEqual(posted[0], { type: "replyContinue", id: replyId });
    const done = posted[2];
    assert.ok(done?.type === "replyEnd" && done.id === replyId && !done.continuable && done.notes === undefined, JSON.stringify(done));
    const turns = chat.activeConversation.turns;
    assert.equal(turns.length, 4);
    assert.equal(turns[3]?.id, replyId);
    assert.equal(turns[3]?.text, "The first part and the end.");
    assert.ok(turns[3]?.role === "assistant" && turns[3].cut === undefined);
  });

  it("ends a reply at MAX_REPLY_CHARS: stops the engine, keeps that much and says so", async () => {
    const piece = "x".repeat(900_000);
    const endless: Script = async (_params, signal, stream) => {
      for (let index = 0; index < 5 && !signal.aborted; index++) stream(piece);
      await aborted(signal);
      return { text: piece.repeat(5), stopReason: "aborted", stats: STATS, droppedTurns: 0 };
    };
    const { chat, posted } = session(new ScriptedBackend([endless]));
    await chat.send("Write a lot", []);
    const streamed = posted.filter((message) => message.type === "replyChunk").reduce((total, message) => total + (message.type === "replyChunk" ? message.text.length : 0), 0);
    assert.equal(streamed, MAX_REPLY_CHARS);
    const reply = chat.activeConversation.turns[1];
    assert.ok(reply?.role === "assistant" && reply.cut === "size" && !reply.stopped);
    assert.equal(reply.text.length, MAX_REPLY_CHARS);
    const end = posted.find((message) => message.type === "replyEnd");
    assert.ok(end?.type === "replyEnd" && !end.stopped && !end.continuable);
    assert.match(end.notes?.join(" ") ?? "", /cut at 2,000,000 characters/);
  });

  it("answers with an actionable error when no chat model is selected", async () => {
    const backend = new FakeBackend();
    backend.model_ = undefined;
    const { chat, posted } = session(backend);
    await chat.send("hi", []);
    const end = posted.find((message) => message.type === "replyEnd");
    assert.ok(end?.type === "replyEnd" && end.error === NO_MODEL_MESSAGE);
    assert.equal(backend.requests.length, 0);
  });

  it("notes turns the engine left out, and rebuilds the exact prompt for Show Prompt", async () => {
    const backend = new FakeBackend();
    const { chat } = session(backend);
    await chat.send("first", []);
    backend.dropped = 2;
    await chat.send("second", [selection]);
    const reply = chat.activeConversation.turns[3];
    assert.ok(reply?.role === "assistant");
    assert.deepEqual(reply.notes, ["2 earlier messages no longer fit in the model's context and were left out."]);
    const prompt = chat.promptFor(reply.id);
    assert.ok(prompt);
    assert.equal(prompt.message, backend.requests[1]?.message);
    assert.deepEqual(prompt.history, backend.requests[1]?.history);
    assert.equal(prompt.systemPrompt, backend.requests[1]?.systemPrompt);
    const document = renderSentPrompt(prompt);
    assert.match(document, /## System prompt/);
    assert.match(document, /function add\(a, b\)/);
    assert.match(document, /left out the oldest 2/);
  });

  it("keeps conversations: new chat, reopen, delete, and they survive a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-session-"));
    try {
      const backend = new FakeBackend();
      const { chat, posted } = session(backend, new ChatHistoryStore(dir));
      await chat.loaded;
      await chat.send("first chat", []);
      const firstId = chat.activeConversation.id;
      await chat.newChat();
      assert.equal(chat.activeConversation.turns.length, 0);
      await chat.send("second chat", []);
      const list = chat.summaries();
      assert.deepEqual(list.type === "conversations" ? list.items.map((item) => item.title) : [], ["second chat", "first chat"]);
      await chat.open(firstId);
      assert.equal(chat.activeConversation.turns[0]?.text, "first chat");
      assert.ok(posted.some((message) => message.type === "reset" && message.conversationId === firstId));
      await chat.flush();

      // A new session (window reload) finds both, with the first one open.
      const reloaded = session(new FakeBackend(), new ChatHistoryStore(dir));
      await reloaded.chat.loaded;
      assert.equal(reloaded.chat.activeConversation.id, firstId);
      const again = reloaded.chat.summaries();
      assert.deepEqual(again.type === "conversations" ? again.items.map((item) => item.title) : [], ["second chat", "first chat"]);
      await reloaded.chat.delete(firstId);
      await reloaded.chat.flush();
      const third = session(new FakeBackend(), new ChatHistoryStore(dir));
      await third.chat.loaded;
      const left = third.chat.summaries();
      assert.deepEqual(left.type === "conversations" ? left.items.map((item) => item.title) : [], ["second chat"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports an unreadable history file and starts empty", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-session-"));
    try {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(dir, "chat-history.json"), "{ broken");
      const backend = new FakeBackend();
      const { chat } = session(backend, new ChatHistoryStore(dir));
      const warnings: string[] = [];
      chat.onWarning((message) => warnings.push(message));
      await chat.loaded;
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? "", /could not be read .* moved to .*chat-history\.corrupt-\d+\.json/);
      assert.equal(chat.activeConversation.turns.length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("builds history only from exchanges whose reply has text", () => {
    const conversation = Conversation.create("c", 1);
    conversation.record({ id: "u1", role: "user", text: "a", at: 1 }, { id: "a1", role: "assistant", text: "", error: "boom", at: 2 });
    conversation.record({ id: "u2", role: "user", text: "b", at: 3 }, { id: "a2", role: "assistant", text: "B", at: 4 });
    assert.deepEqual(conversation.request({ text: "c" }, 10).history, [{ role: "user", text: "b" }, { role: "assistant", text: "B" }]);
  });
});
