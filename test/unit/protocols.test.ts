import { strict as assert } from "node:assert";
import { parseEngineMessage, parseExtensionMessage as parseEngineRequest } from "../../src/protocol/engineProtocol";
import { parseExtensionMessage as parseWebviewInbound, parseWebviewMessage } from "../../src/protocol/webviewProtocol";

describe("engine protocol", () => {
  it("accepts well-formed engine messages", () => {
    assert.deepEqual(parseEngineMessage({ kind: "stream", id: 3, text: "ab" }), { kind: "stream", id: 3, text: "ab" });
    assert.deepEqual(parseEngineMessage({ kind: "ready", pid: 42 }), { kind: "ready", pid: 42 });
    assert.deepEqual(parseEngineMessage({ kind: "response", id: 1, ok: false, error: { code: "notGguf", message: "m" } }),
      { kind: "response", id: 1, ok: false, error: { code: "notGguf", message: "m" } });
  });

  it("maps unknown error codes to internal and rejects malformed messages", () => {
    const parsed = parseEngineMessage({ kind: "response", id: 1, ok: false, error: { code: "weird", message: "m" } });
    assert.equal(parsed?.kind === "response" && !parsed.ok ? parsed.error.code : undefined, "internal");
    for (const bad of [null, 3, "x", { kind: "stream", id: "1", text: "a" }, { kind: "log", level: "debug", message: "m" }, { kind: "nope" },
      { kind: "response", id: 1, ok: false, error: "boom" }]) {
      assert.equal(parseEngineMessage(bad), undefined, JSON.stringify(bad));
    }
  });

  it("accepts only known request methods", () => {
    assert.deepEqual(parseEngineRequest({ kind: "cancel", id: 9 }), { kind: "cancel", id: 9 });
    assert.equal(parseEngineRequest({ kind: "request", id: 1, method: "complete", params: { prompt: "a" } })?.kind, "request");
    assert.equal(parseEngineRequest({ kind: "request", id: 1, method: "rm -rf", params: {} }), undefined);
    assert.equal(parseEngineRequest({ kind: "request", id: 1, method: "complete", params: null }), undefined);
  });
});

describe("webview protocol", () => {
  it("validates messages from the webview", () => {
    assert.deepEqual(parseWebviewMessage({ type: "send", text: "hi" }), { type: "send", text: "hi" });
    assert.deepEqual(parseWebviewMessage({ type: "stop", extra: 1 }), { type: "stop" });
    assert.equal(parseWebviewMessage({ type: "send", text: "   " }), undefined);
    assert.equal(parseWebviewMessage({ type: "send", text: 3 }), undefined);
    assert.equal(parseWebviewMessage({ type: "eval", code: "x" }), undefined);
  });

  it("validates messages to the webview", () => {
    assert.deepEqual(parseWebviewInbound({ type: "replyChunk", id: "a", text: "t" }), { type: "replyChunk", id: "a", text: "t" });
    assert.deepEqual(parseWebviewInbound({ type: "reset", turns: [{ role: "user", text: "q" }, { role: "system", text: "x" }] }),
      { type: "reset", turns: [{ role: "user", text: "q" }] });
    assert.equal(parseWebviewInbound({ type: "replyEnd", id: "a" }), undefined);
  });
});
