import { strict as assert } from "node:assert";
import { parseExtensionMessage, parseWebviewMessage } from "../../../src/protocol/webviewProtocol";

describe("chat webview protocol", () => {
  it("accepts every well-formed webview message", () => {
    const good = [
      { type: "ready" }, { type: "stop" }, { type: "newChat" }, { type: "selectModel" }, { type: "regenerate" }, { type: "pickContext" },
      { type: "send", text: "hi" }, { type: "editLast", text: "again" },
      { type: "openConversation", id: "c1" }, { type: "deleteConversation", id: "c1" }, { type: "removeContext", id: "auto" },
      { type: "showPrompt", turnId: "t1" }, { type: "openLink", url: "https://example.org/a" },
      { type: "codeAction", requestId: 3, action: "insert", code: "x", language: "ts" },
      { type: "stop", replyId: "r1", shown: 329 }, { type: "continue", id: "r1" },
    ];
    for (const message of good) assert.deepEqual(parseWebviewMessage(message), message, JSON.stringify(message));
  });

  it("rejects malformed or dangerous webview messages", () => {
    const bad = [
      null, "send", 3, [], { type: "eval", code: "x" }, { type: "send" }, { type: "send", text: "  " }, { type: "send", text: 3 },
      { type: "openConversation" }, { type: "openConversation", id: "" }, { type: "showPrompt", turnId: 7 },
      { type: "openLink", url: "javascript:alert(1)" }, { type: "openLink", url: "file:///etc/passwd" }, { type: "openLink", url: "command:workbench.action.terminal.new" },
      { type: "codeAction", requestId: "1", action: "insert", code: "x", language: "ts" },
      { type: "codeAction", requestId: 1.5, action: "insert", code: "x", language: "ts" },
      { type: "codeAction", requestId: 1, action: "runInTerminal", code: "x", language: "ts" },
      { type: "codeAction", requestId: 1, action: "copy", code: 5, language: "ts" },
      { type: "send", text: "x".repeat(4_000_001) },
      { type: "continue" }, { type: "continue", id: "" },
    ];
    for (const message of bad) assert.equal(parseWebviewMessage(message), undefined, JSON.stringify(message)?.slice(0, 80));
  });

  it("drops unknown fields, so nothing unexpected reaches the extension", () => {
    assert.deepEqual(parseWebviewMessage({ type: "stop", extra: 1 }), { type: "stop" });
    // A Stop with a count that makes no sense still stops; it just keeps what was streamed.
    for (const shown of [-1, 1.5, "9", undefined]) assert.deepEqual(parseWebviewMessage({ type: "stop", replyId: "r", shown }), { type: "stop" });
    assert.deepEqual(parseWebviewMessage({ type: "send", text: "a", context: ["/etc/passwd"] }), { type: "send", text: "a" });
  });

  it("validates what the extension posts", () => {
    assert.deepEqual(parseExtensionMessage({ type: "modelState", state: { kind: "ready", name: "m" } }), { type: "modelState", state: { kind: "ready", name: "m" } });
    assert.equal(parseExtensionMessage({ type: "modelState", state: { kind: "ready" } }), undefined);
    assert.equal(parseExtensionMessage({ type: "modelState", state: { kind: "weird", name: "m" } }), undefined);
    assert.deepEqual(parseExtensionMessage({
      type: "reset", conversationId: "c", streaming: { id: "r", text: "par" },
      turns: [{ id: "1", role: "user", text: "q", context: ["a.ts"] }, { role: "system", text: "x" }, { id: "2", role: "assistant", text: "a", stopped: true, notes: ["n"], error: "e" }],
    }), {
      type: "reset", conversationId: "c", streaming: { id: "r", text: "par" },
      turns: [{ id: "1", role: "user", text: "q", context: ["a.ts"] }, { id: "2", role: "assistant", text: "a", stopped: true, notes: ["n"], error: "e" }],
    });
    assert.deepEqual(parseExtensionMessage({ type: "context", chips: [{ id: "a", kind: "file", label: "x.ts", detail: "src/x.ts", auto: true }, { id: "b", kind: "url", label: "x", detail: "", auto: false }] }),
      { type: "context", chips: [{ id: "a", kind: "file", label: "x.ts", detail: "src/x.ts", auto: true }] });
    assert.deepEqual(parseExtensionMessage({ type: "conversations", activeId: "a", items: [{ id: "a", title: "t", updatedAt: 1, messages: 2 }, { id: 3 }] }),
      { type: "conversations", activeId: "a", items: [{ id: "a", title: "t", updatedAt: 1, messages: 2 }] });
    assert.deepEqual(parseExtensionMessage({ type: "response", requestId: 1, ok: true, message: "Copied" }), { type: "response", requestId: 1, ok: true, message: "Copied" });
    assert.equal(parseExtensionMessage({ type: "response", requestId: 1, ok: "yes", message: "Copied" }), undefined);
    assert.equal(parseExtensionMessage({ type: "replyEnd", id: "a" }), undefined);
    assert.deepEqual(parseExtensionMessage({ type: "replyEnd", id: "a", stopped: false, continuable: true }), { type: "replyEnd", id: "a", stopped: false, error: undefined, notes: undefined, continuable: true });
    assert.deepEqual(parseExtensionMessage({ type: "replyContinue", id: "a" }), { type: "replyContinue", id: "a" });
    assert.equal(parseExtensionMessage({ type: "replyContinue" }), undefined);
    assert.equal(parseExtensionMessage({ type: "html", html: "<script>" }), undefined);
  });
});
