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
