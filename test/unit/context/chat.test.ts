import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContextClient } from "../../../src/context/contextClient";
import { FIXTURES, startClient, temporaryFolder } from "./harness";

describe("chat retrieval (real worker)", function () {
  this.timeout(20_000);
  let client: ContextClient;
  const storage = temporaryFolder("chat");
  before(async () => {
    client = startClient();
    await client.indexFolders({ folders: [join(FIXTURES, "ts"), join(FIXTURES, "py")], storageDir: storage.path, excludes: [] });
  });
  after(async () => {
    await client.dispose();
    storage.remove();
  });

  it("finds symbols by fuzzy name for @ mentions", async () => {
    const [best] = await client.searchSymbols("lrgShp", 5);
    assert.equal(best.name, "largestShape");
    assert.equal(best.filePath, "src/geometry/shapes.ts");
    const [user] = await client.searchSymbols("User", 5);
    assert.equal(user.name, "User");
    assert.equal(user.kind, "class");
  });

  it("returns the definition enclosing a selection", async () => {
    const path = join(FIXTURES, "py", "pkg", "storage.py");
    const text = readFileSync(path, "utf8");
    await client.openDocument({ uri: "mem://storage.py", filePath: path, languageId: "python", version: 1, text });
    const start = text.indexOf("self.items[key]");
    const chunk = await client.definitionForSelection("mem://storage.py", start, start + 5);
    assert.equal(chunk?.text, "    def save(self, key: str, value: object) -> None:\n        self.items[key] = value");
    assert.equal(chunk?.filePath, "pkg/storage.py");
    client.closeDocument("mem://storage.py");
  });

  it("returns files a question names", async () => {
    const chunks = await client.filesNamedIn("Why does format.ts round the area, and what is in pkg/models.py?", 3);
    assert.deepEqual(chunks.map((chunk) => chunk.filePath), ["src/util/format.ts", "pkg/models.py"]);
    assert.match(chunks[0].text, /formatArea/);
  });
});
