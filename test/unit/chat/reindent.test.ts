import { strict as assert } from "node:assert";
import { commonIndent, reindentForInsertion } from "../../../src/core/chat/reindent";
import { languageIdForFence } from "../../../src/core/chat/fenceLanguage";

describe("inserting chat code into an editor", () => {
  it("takes the indentation of the target line for every line after the first", () => {
    const code = "if (x) {\n  return 1;\n}\n";
    assert.equal(reindentForInsertion(code, "    "), "if (x) {\n      return 1;\n    }");
    assert.equal(reindentForInsertion(code, "\t"), "if (x) {\n\t  return 1;\n\t}");
    assert.equal(reindentForInsertion(code, ""), "if (x) {\n  return 1;\n}");
  });

  it("removes the block's own common indentation and keeps blank lines empty", () => {
    const code = "    def f():\n        return 1\n\n    x = f()";
    assert.equal(reindentForInsertion(code, "  "), "def f():\n      return 1\n\n  x = f()");
  });

  it("uses the line's indentation when the cursor is after code, and the document's line ends", () => {
    assert.equal(reindentForInsertion("a\nb", "  const x = "), "a\n  b");
    assert.equal(reindentForInsertion("a\r\nb\n", "  ", "\r\n"), "a\r\n  b");
  });

  it("finds the common indentation", () => {
    assert.equal(commonIndent(["  a", "    b", "", "  c"]), "  ");
    assert.equal(commonIndent(["\ta", "  b"]), "");
    assert.equal(commonIndent([]), "");
  });

  it("maps fence languages to VS Code language ids", () => {
    const known = ["typescript", "python", "shellscript", "plaintext", "rust"];
    assert.equal(languageIdForFence("ts", known), "typescript");
    assert.equal(languageIdForFence("Python", known), "python");
    assert.equal(languageIdForFence("bash", known), "shellscript");
    assert.equal(languageIdForFence("rust", known), "rust");
    assert.equal(languageIdForFence("klingon", known), "plaintext");
    assert.equal(languageIdForFence("", known), "plaintext");
  });
});
