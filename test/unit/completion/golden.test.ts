import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { completeDocument, runComplete } from "../../../src/cli/completeCommand";
import { ScriptedBackend } from "../../../src/core/completion/scriptedBackend";
import { BEHAVIOUR_CASES } from "./goldenBehaviours";
import { GOLDEN_CASES, type GoldenCase } from "./goldenCases";
import { goldenSnapshot } from "./goldenSnapshot";

const ALL_CASES: GoldenCase[] = [...GOLDEN_CASES, ...BEHAVIOUR_CASES];

/** Runs a case through the CLI's pipeline (syntax service in-process) and checks the ghost text and its range. */
async function check(testCase: GoldenCase): Promise<void> {
  const document = goldenSnapshot(testCase);
  const result = await completeDocument(document, new ScriptedBackend([testCase.raw]), testCase.manual ?? false);
  const suggestion = result?.suggestions[0];
  assert.equal(suggestion?.text ?? null, testCase.expected);
  if (!suggestion) return;
  const lineEnd = document.text.indexOf("\n", document.offset);
  const covered = testCase.closes ? document.text.slice(document.offset, lineEnd < 0 ? document.text.length : lineEnd) : testCase.replaces ?? "";
  assert.equal(document.text.slice(document.offset, suggestion.replaceEnd), covered, "text after the cursor the range covers");
}

describe("completion golden cases (real pipeline, scripted model)", () => {
  it("has at least 200 cases in at least 12 languages, each with several", () => {
    assert.ok(ALL_CASES.length >= 200, String(ALL_CASES.length));
    const perLanguage = new Map<string, number>();
    for (const testCase of ALL_CASES) perLanguage.set(testCase.language, (perLanguage.get(testCase.language) ?? 0) + 1);
    const covered = [...perLanguage].filter(([, count]) => count >= 5).map(([language]) => language);
    assert.ok(covered.length >= 12, covered.join(", "));
    for (const required of ["typescript", "javascript", "python", "go", "rust", "java", "c", "cpp", "csharp", "php", "ruby", "kotlin", "swift", "html", "vue", "sql"]) {
      assert.ok(perLanguage.has(required), required);
    }
    assert.equal(new Set(ALL_CASES.map((testCase) => testCase.name)).size, ALL_CASES.length, "case names are unique");
  });

  describe("first cases", () => {
    for (const testCase of GOLDEN_CASES) it(testCase.name, () => check(testCase));
  });

  for (const behaviour of [...new Set(BEHAVIOUR_CASES.map((testCase) => testCase.behaviour))]) {
    describe(behaviour, () => {
      for (const testCase of BEHAVIOUR_CASES.filter((candidate) => candidate.behaviour === behaviour)) it(testCase.name, () => check(testCase));
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

  it("checks a mid-line insertion with the language's grammar", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hearth-cli-"));
    try {
      const file = join(dir, "loop.cpp");
      await writeFile(file, "int main() {\n    for (int i = 0; i < 10; ) {\n    }\n}\n");
      assert.equal((await runComplete({ file, line: 2, column: 29, rawOutput: "i++" })).text, "i++");
      assert.equal((await runComplete({ file, line: 2, column: 29, rawOutput: "i++; (" })).text, null);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
