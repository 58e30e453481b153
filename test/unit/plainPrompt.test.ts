import { strict as assert } from "node:assert";
import { firstLineOfSuggestion, plainCompletionPrompt } from "../../src/core/completion/plainPrompt";

describe("plain completion prompt", () => {
  it("keeps short prefixes whole", () => {
    assert.equal(plainCompletionPrompt("const a = 1;\nconst b"), "const a = 1;\nconst b");
  });

  it("cuts long prefixes at a line start", () => {
    const text = "x".repeat(50) + "\nline two\nline three";
    assert.equal(plainCompletionPrompt(text, 20), "line two\nline three");
    assert.equal(plainCompletionPrompt(text, 12), "line three");
  });
});

describe("first line of a suggestion", () => {
  it("keeps the rest of the current line", () => {
    assert.equal(firstLineOfSuggestion(" = a + b;\nreturn c;"), " = a + b;");
  });

  it("uses the next non-empty line when the model starts a new line", () => {
    assert.equal(firstLineOfSuggestion("\n  return a;\n}"), "\n  return a;");
    assert.equal(firstLineOfSuggestion("\n\n  x();"), "\n\n  x();");
  });

  it("returns empty for whitespace-only output", () => {
    assert.equal(firstLineOfSuggestion("\n \n"), "");
    assert.equal(firstLineOfSuggestion("   "), "");
  });
});
