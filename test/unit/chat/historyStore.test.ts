import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StoredConversation } from "../../../src/core/chat/conversation";
import { ChatHistoryStore, parseHistory, serializeHistory } from "../../../src/core/chat/historyStore";
import { turnView } from "../../../src/core/chat/chatSession";
import { MAX_REPLY_CHARS } from "../../../src/protocol/webviewProtocol";

function conversation(id: string, updatedAt: number, text = "hello"): StoredConversation {
  return {
    id, title: text, createdAt: updatedAt, updatedAt, systemPrompt: "sys",
    turns: [
      { id: `${id}-u`, role: "user", text, at: updatedAt, context: ["a.ts"], contextBlock: "File a.ts" },
      { id: `${id}-a`, role: "assistant", text: "reply", at: updatedAt, stopped: true, notes: ["n"], model: "m", droppedTurns: 1 },
    ],
  };
}

describe("chat history store", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "hearth-history-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("starts empty without a file, and round-trips what it saved", async () => {
    const store = new ChatHistoryStore(join(dir, "chat"));
    assert.deepEqual((await store.load()).history.conversations, []);
    await store.save({ conversations: [conversation("a", 1), conversation("b", 2)], activeId: "a" });
    const { history, movedAside } = await new ChatHistoryStore(join(dir, "chat")).load();
    assert.equal(movedAside, undefined);
    assert.equal(history.activeId, "a");
    assert.deepEqual(history.conversations, [conversation("b", 2), conversation("a", 1)]);
  });

  it("cuts a reply longer than Hearth keeps (10 MB) when it reads the history, and the view is told so", async () => {
    const huge = conversation("big", 1);
    const reply = huge.turns[1];
    assert.ok(reply?.role === "assistant");
    reply.text = "word ".repeat(2 * 1024 * 1024);
    writeFileSync(join(dir, "chat-history.json"), JSON.stringify({ version: 1, conversations: [huge, conversation("small", 2)] }));
    const { history } = await new ChatHistoryStore(dir).load();
    const loaded = history.conversations.find((c) => c.id === "big")?.turns[1];
    assert.ok(loaded?.role === "assistant");
    assert.equal(loaded.text.length, MAX_REPLY_CHARS);
    assert.equal(loaded.cut, "size");
    assert.match(turnView(loaded).notes?.join(" ") ?? "", /cut at 2,000,000 characters/);
    assert.equal(history.conversations.find((c) => c.id === "small")?.turns[1]?.text, "reply", "other replies are untouched");
    // A reply that ended at hearth.chat.maxTokens keeps that, and can still be continued.
    const cut = conversation("cut", 3);
    Object.assign(cut.turns[1] ?? {}, { cut: "maxTokens", maxTokens: 64 });
    const parsed = parseHistory(JSON.stringify({ version: 1, conversations: [cut] }));
    const kept = parsed.ok ? parsed.history.conversations[0]?.turns[1] : undefined;
    assert.ok(kept?.role === "assistant" && kept.cut === "maxTokens" && kept.maxTokens === 64);
    assert.equal(turnView(kept).continuable, true);
  });

  it("writes atomically: no temporary files are left, and concurrent saves end with the last one", async () => {
    const store = new ChatHistoryStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save({ conversations: [conversation(`c${i}`, i)] })));
    assert.deepEqual(readdirSync(dir), ["chat-history.json"]);
    const { history } = await store.load();
    assert.deepEqual(history.conversations.map((c) => c.id), ["c19"]);
  });

  it("moves a corrupted file aside and starts an empty history", async () => {
    for (const content of ["{not json", "[]", JSON.stringify({ version: 99, conversations: [] }), ""]) {
      writeFileSync(join(dir, "chat-history.json"), content);
      const { history, movedAside } = await new ChatHistoryStore(dir).load();
      assert.deepEqual(history.conversations, []);
      assert.ok(movedAside, `moved aside for ${JSON.stringify(content)}`);
      assert.equal(readFileSync(movedAside.path, "utf8"), content);
      assert.ok(!readdirSync(dir).includes("chat-history.json"));
      rmSync(movedAside.path);
    }
  });

  it("drops malformed conversations but keeps the good ones", () => {
    const broken = { ...conversation("bad", 1), turns: [{ id: "x", role: "user", text: "only a question", at: 1 }] };
    const parsed = parseHistory(JSON.stringify({ version: 1, conversations: [conversation("good", 2), broken, { id: 3 }, null] }));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.ok ? parsed.history.conversations.map((c) => c.id) : [], ["good"]);
  });

  it("keeps at most the newest conversations within the size cap, and never saves empty ones", () => {
    const many = Array.from({ length: 150 }, (_, i) => conversation(`c${i}`, i));
    const bounded = parseHistory(serializeHistory({ conversations: many }, { maxConversations: 100, maxBytes: 10_000_000 }));
    assert.deepEqual(bounded.ok ? bounded.history.conversations.map((c) => c.id) : [], many.slice(50).reverse().map((c) => c.id));
    const big = Array.from({ length: 10 }, (_, i) => conversation(`big${i}`, i, "x".repeat(10_000)));
    const text = serializeHistory({ conversations: big }, { maxConversations: 100, maxBytes: 50_000 });
    assert.ok(text.length <= 50_000, `${text.length} bytes`);
    const capped = parseHistory(text);
    assert.ok(capped.ok && capped.history.conversations.length > 0 && capped.history.conversations[0]?.id === "big9");
    const empty = parseHistory(serializeHistory({ conversations: [{ ...conversation("e", 1), turns: [] }] }, { maxConversations: 100, maxBytes: 1000 }));
    assert.deepEqual(empty.ok ? empty.history.conversations : undefined, []);
  });
});
