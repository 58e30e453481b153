import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContextClient } from "../../../src/context/contextClient";
import { FIXTURES, startClient } from "./harness";

describe("files without a grammar get heuristic scopes (real worker)", function () {
  this.timeout(20_000);
  let client: ContextClient;
  before(() => { client = startClient(); });
  after(() => client.dispose());

  it("Lua: enclosing functions from indentation", async () => {
    const text = readFileSync(join(FIXTURES, "lua", "init.lua"), "utf8");
    const uri = "mem://init.lua";
    const result = await client.openDocument({ uri, filePath: join(FIXTURES, "lua", "init.lua"), languageId: "lua", version: 1, text });
    assert.equal(result.hasTree, false);
    const scopes = await client.scopesAt(uri, text.indexOf("return low"));
    assert.deepEqual(scopes.map((scope) => [scope.kind, scope.name, scope.range.startLine, scope.range.endLine]), [["function", "clamp", 2, 7]]);
    const run = await client.scopesAt(uri, text.indexOf("total = total"));
    assert.equal(run[0]?.name, "run");
    assert.equal(run[0]?.header, "function M.run(options)");
    const names = await client.identifiersNear(uri, text.indexOf("total = total"));
    assert.ok(names.includes("clamp") && names.includes("items"));
    const check = await client.checkCompletion({ languageId: "lua", text: "local t = {", offset: 11, completion: " 1, 2 }\nprint(t)" });
    assert.equal(check.method, "heuristic");
    assert.equal(check.blockEnd, 7);
    client.closeDocument(uri);
  });

  it("plain text: no scopes, no errors", async () => {
    const text = readFileSync(join(FIXTURES, "lua", "notes.txt"), "utf8");
    await client.openDocument({ uri: "mem://notes.txt", filePath: "/virtual/notes.txt", languageId: "plaintext", version: 1, text });
    assert.deepEqual(await client.scopesAt("mem://notes.txt", 20), []);
    const outline = await client.outline("mem://notes.txt");
    assert.equal(outline?.heuristic, true);
    client.closeDocument("mem://notes.txt");
  });
});
