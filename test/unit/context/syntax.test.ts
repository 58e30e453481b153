import { strict as assert } from "node:assert";
import type { ContextClient } from "../../../src/context/contextClient";
import { startClient } from "./harness";

describe("syntax service for completion post-processing (real worker)", function () {
  this.timeout(20_000);
  let client: ContextClient;
  before(() => { client = startClient(); });
  after(() => client.dispose());

  it("TypeScript: a completion that opens a block ends after the block", async () => {
    const text = "function outer() {\n  \n}\n";
    const offset = text.indexOf("\n  \n") + 3;
    const completion = "if (ready) {\n    start();\n  }\n  const extra = 1;\n  console.log(extra);";
    const report = await client.checkCompletion({ languageId: "typescript", text, offset, completion });
    assert.equal(completion.slice(0, report.blockEnd ?? undefined), "if (ready) {\n    start();\n  }");
    assert.equal(report.newErrors, false);
  });

  it("TypeScript: a statement continued on the next line is not a block (its `;` stays)", async () => {
    const text = "function add(a: number, b: number) {\n    \n}\n";
    const offset = text.indexOf("\n    \n") + 5;
    const completion = "return a +\n    b;";
    const report = await client.checkCompletion({ languageId: "typescript", text, offset, completion });
    assert.equal(completion.slice(0, report.blockEnd ?? undefined), completion);
    assert.equal(report.newErrors, false);
  });

  it("TypeScript: a completion that closes the enclosing block ends there", async () => {
    const text = "class A {\n  run() {\n    ";
    const completion = "return 1;\n  }\n}\n\nclass B {}\n";
    const report = await client.checkCompletion({ languageId: "typescript", text, offset: text.length, completion });
    assert.equal(completion.slice(0, report.blockEnd ?? undefined), "return 1;\n  }");
  });

  it("Python: the block ends where indentation returns", async () => {
    const text = "def handler(event):\n    ";
    const completion = "if event.ok:\n        process(event)\n    return None\n\ndef other():\n    pass\n";
    const report = await client.checkCompletion({ languageId: "python", text, offset: text.length, completion });
    assert.equal(completion.slice(0, report.blockEnd ?? undefined), "if event.ok:\n        process(event)");
  });

  it("the block the cursor's line opened ends at its own end, never at the first block nested in it", async () => {
    const text = "function parse(input) {\n";
    const completion = "\n  if (!input) {\n    return null;\n  }\n  return JSON.parse(input);\n}\n\nexport { parse };";
    const report = await client.checkCompletion({ languageId: "javascript", text, offset: text.length - 1, completion });
    assert.equal(completion.slice(0, report.openedBlockEnd ?? undefined), "\n  if (!input) {\n    return null;\n  }\n  return JSON.parse(input);\n}");
  });

  it("a block opened on a later line of the completion is found from its header offset", async () => {
    const text = "const a = 1;";
    const completion = "\nfunction twice(x) {\n  return 2 * x;\n}\nconst b = 2;";
    const report = await client.checkCompletion({ languageId: "javascript", text, offset: text.length, completion, headerOffset: 1 });
    assert.equal(completion.slice(0, report.openedBlockEnd ?? undefined), "\nfunction twice(x) {\n  return 2 * x;\n}");
  });

  it("mid-line: filling a hole clears the cursor's line; another error there is reported as such", async () => {
    const text = "total = compute(, rate)\n";
    const offset = text.indexOf(",");
    const good = await client.checkCompletion({ languageId: "python", text, offset, completion: "amount" });
    assert.equal(good.holeIsError, true);
    assert.equal(good.lineErrorsAfter, 0);
    const bad = await client.checkCompletion({ languageId: "python", text, offset, completion: "amount, rate, fees)" });
    assert.ok((bad.lineErrorsAfter ?? 0) > 0);
  });

  it("a completion that repeats the text after the cursor is checked with that text replaced", async () => {
    const text = "console.log()\n";
    const offset = text.indexOf(")");
    const replaced = await client.checkCompletion({ languageId: "javascript", text, offset, completion: "\"hi\");", replaceEnd: offset + 1 });
    assert.equal(replaced.newErrors, false);
    const doubled = await client.checkCompletion({ languageId: "javascript", text, offset, completion: "\"hi\");" });
    assert.equal(doubled.newErrors, true);
  });

  it("grammars for C, C++, C#, PHP, Ruby, shell and CSS check completions too", async () => {
    const cases: [string, string, string][] = [["c", "int x = █;\n", "1"], ["cpp", "int x = █;\n", "1"], ["csharp", "class A { int x = █; }\n", "1"],
      ["php", "<?php\n$x = █;\n", "1"], ["ruby", "x = █\n", "1"], ["shellscript", "echo █\n", "hi"], ["css", "a { color: █; }\n", "red"]];
    for (const [languageId, marked, completion] of cases) {
      const text = marked.replace("█", "");
      const report = await client.checkCompletion({ languageId, text, offset: marked.indexOf("█"), completion });
      assert.equal(report.method, "tree", languageId);
      assert.equal(report.newErrors, false, languageId);
    }
  });

  it("without text, uses the open document at that version, and says when it has another version", async () => {
    const text = "let a = [1, , 3];\n";
    await client.openDocument({ uri: "mem://holes.ts", filePath: "/virtual/holes.ts", languageId: "typescript", version: 7, text });
    const report = await client.checkCompletion({ languageId: "typescript", offset: text.indexOf(", ,") + 2, completion: "2", uri: "mem://holes.ts", version: 7 });
    assert.equal(report.newErrors, false);
    await assert.rejects(client.checkCompletion({ languageId: "typescript", offset: 3, completion: "x", uri: "mem://holes.ts", version: 8 }), /does not have this version/);
    client.closeDocument("mem://holes.ts");
  });

  it("reports new syntax errors", async () => {
    const text = "const a = 1;\n";
    const bad = await client.checkCompletion({ languageId: "typescript", text, offset: text.length, completion: "const b = (1 + ;" });
    assert.equal(bad.newErrors, true);
    assert.ok(bad.errorsAfter > bad.errorsBefore);
    const good = await client.checkCompletion({ languageId: "typescript", text, offset: text.length, completion: "const b = a + 1;" });
    assert.equal(good.newErrors, false);
    assert.equal(good.method, "tree");
  });

  it("reuses an open document's tree at the same version", async () => {
    const text = "fn main() {\n    \n}\n";
    await client.openDocument({ uri: "mem://main.rs", filePath: "/virtual/main.rs", languageId: "rust", version: 3, text });
    const before = (await client.stats()).parses;
    const report = await client.checkCompletion({ languageId: "rust", text, offset: 16, completion: "let x = 1;", uri: "mem://main.rs", version: 3 });
    assert.equal((await client.stats()).parses - before, 1, "only the reparse with the completion");
    assert.equal(report.newErrors, false);
    client.closeDocument("mem://main.rs");
  });
});
