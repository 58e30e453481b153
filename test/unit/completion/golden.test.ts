import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { completeDocument, runComplete } from "../../../src/cli/completeCommand";
import type { DocumentSnapshot } from "../../../src/core/completion/documentSnapshot";
import { ScriptedBackend } from "../../../src/core/completion/scriptedBackend";
import { GOLDEN_CASES, type GoldenCase } from "./goldenCases";

const EXTENSIONS: Record<GoldenCase["language"], string> = { typescript: "ts", javascript: "js", python: "py", go: "go", rust: "rs", java: "java" };

function snapshot(testCase: GoldenCase): DocumentSnapshot {
  const offset = testCase.code.indexOf("█");
  assert.ok(offset >= 0, "cursor marker missing");
  return {
    uri: `file:///golden/${testCase.name}`,
    languageId: testCase.language,
    filePath: `golden.${EXTENSIONS[testCase.language]}`,
    text: testCase.code.replace("█", ""),
    offset,
    indent: testCase.tabs ? { useTabs: true, size: 4 } : { useTabs: false, size: 4 },
  };
}

describe("completion golden cases (real pipeline, scripted model)", () => {
  it("has at least 60 cases across TypeScript, JavaScript, Python, Go, Rust and Java", () => {
    assert.ok(GOLDEN_CASES.length >= 60, String(GOLDEN_CASES.length));
    for (const language of Object.keys(EXTENSIONS)) assert.ok(GOLDEN_CASES.filter((testCase) => testCase.language === language).length >= 7, language);
  });

  for (const testCase of GOLDEN_CASES) {
    it(testCase.name, async () => {
      const document = snapshot(testCase);
      const result = await completeDocument(document, new ScriptedBackend([testCase.raw]), testCase.manual ?? false);
      const suggestion = result?.suggestions[0];
      assert.equal(suggestion?.text ?? null, testCase.expected);
      if (suggestion) {
        const lineEnd = document.text.indexOf("\n", document.offset);
        const expectedEnd = testCase.closes ? (lineEnd < 0 ? document.text.length : lineEnd) : document.offset;
        assert.equal(suggestion.replaceEnd, expectedEnd, "replace range");
      }
    });
  }
});

describe("cli complete --raw-output (the same code path)", () => {
  it("prints the suggestion for a file position", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hearth-cli-"));
    try {
      const file = join(dir, "add.ts");
      await writeFile(file, "function add(a: number, b: number) {\n}\n");
      const output = await runComplete({ file, line: 1, column: 37, rawOutput: "\n  return a + b;\n}\n" });
      assert.equal(output.text, "\n  return a + b;");
      assert.equal(output.mode, "multi-line");
      assert.deepEqual(output.range, { startOffset: 36, endOffset: 36 });
      await assert.rejects(runComplete({ file, line: 9, column: 1, rawOutput: "x" }), /past the end/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
