import { strict as assert } from "node:assert";
import { attachmentBudget, estimateTokens, fitContext, formatContextBlock, lineCount, windowAround, type ContextItem } from "../../../src/core/chat/contextBudget";

function item(id: string, lines: number, startLine = 1): ContextItem {
  const text = Array.from({ length: lines }, (_, i) => `line ${String(i + startLine).padStart(4, "0")} of the file`).join("\n");
  return { id, kind: "file", label: `${id}.ts`, path: `src/${id}.ts`, languageId: "typescript", text, startLine };
}

describe("chat context budget", () => {
  it("estimates four characters per token", () => {
    assert.equal(estimateTokens(""), 0);
    assert.equal(estimateTokens("abcd"), 1);
    assert.equal(estimateTokens("abcde"), 2);
  });

  it("leaves room for the reply, the system prompt and the question, and at most 60% of the window", () => {
    assert.equal(attachmentBudget({ contextSize: 2048, maxTokens: 1024, systemPrompt: "x".repeat(400), message: "y".repeat(40) }), 2048 - 1024 - 100 - 10 - 64);
    assert.equal(attachmentBudget({ contextSize: 32768, maxTokens: 512, systemPrompt: "", message: "" }), Math.floor(32768 * 0.6));
    // A reply budget as large as the whole window holds only half of it.
    assert.equal(attachmentBudget({ contextSize: 512, maxTokens: 512, systemPrompt: "", message: "q" }), 512 - 256 - 1 - 64);
    assert.equal(attachmentBudget({ contextSize: 256, maxTokens: 512, systemPrompt: "x".repeat(800), message: "q" }), 0);
  });

  it("keeps items that fit whole and says nothing", () => {
    const fitted = fitContext([item("a", 10), item("b", 10)], 1000, 4096);
    assert.deepEqual(fitted.items.map((i) => i.text.split("\n").length), [10, 10]);
    assert.deepEqual(fitted.notes, []);
  });

  it("cuts the item that overflows at a line boundary, leaves out the rest, and notes both", () => {
    const fitted = fitContext([item("a", 100, 11), item("b", 50)], 300, 2048);
    assert.equal(fitted.items.length, 1);
    const kept = fitted.items[0]?.text.split("\n") ?? [];
    assert.ok(kept.length > 10 && kept.length < 100, `${kept.length} lines`);
    assert.ok(estimateTokens(fitted.items[0]?.text ?? "") <= 300);
    assert.equal(kept[0], "line 0011 of the file");
    assert.deepEqual(fitted.notes, [
      `a.ts: kept lines 11-${10 + kept.length} of 11-110 to fit the model's 2048-token context.`,
      "b.ts: left out to fit the model's 2048-token context.",
    ]);
  });

  it("formats context with fences longer than any backtick run inside", () => {
    const block = formatContextBlock([{ ...item("a", 1), kind: "selection", text: "const s = ```x```;", startLine: 3 }]);
    assert.equal(block, "Selected code from src/a.ts (lines 3-3):\n````typescript\nconst s = ```x```;\n````");
    assert.equal(formatContextBlock([]), undefined);
  });

  it("takes a window of whole lines around the cursor from a long file", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `l${i}`).join("\n");
    assert.deepEqual(windowAround("short\nfile", 1, 100), { text: "short\nfile", startLine: 1, whole: true });
    const window = windowAround(text, 500, 200);
    const lines = window.text.split("\n");
    assert.ok(window.text.length <= 200);
    assert.ok(lines.includes("l500"));
    assert.equal(lines[0], `l${window.startLine - 1}`);
    assert.equal(window.whole, false);
    assert.equal(windowAround(text, 0, 50).startLine, 1);
  });
});

describe("chat context line numbers", () => {
  it("does not count the line break that ends a selection as a line", () => {
    assert.equal(lineCount("a\nb\n"), 2);
    assert.equal(lineCount("a\nb"), 2);
    const block = formatContextBlock([{ id: "s", kind: "selection", label: "m.ts:3-5", path: "m.ts", languageId: "ts", text: "a\nb\nc\n", startLine: 3 }]);
    assert.equal(block, "Selected code from m.ts (lines 3-5):\n```ts\na\nb\nc\n```");
  });
});
