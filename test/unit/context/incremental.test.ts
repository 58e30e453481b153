import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContextClient } from "../../../src/context/contextClient";
import type { ContentChange } from "../../../src/context/contextTypes";
import { LineIndex } from "../../../src/context/parsing/lineIndex";
import { FIXTURES, seededRandom, startClient } from "./harness";

const SNIPPETS = ["{", "}", "(", ")", "\n", "  ", "x", "return ", "if (a) ", "def f():\n    ", "// c\n", "\"s\"", "é😀", ";", ":", "fn ", "\t"];

/** A random edit: insert, delete or replace at a random offset (UTF-16, never splitting a surrogate pair). */
function randomChange(text: string, random: () => number): ContentChange {
  const safe = (offset: number) => (offset > 0 && /[\uDC00-\uDFFF]/.test(text[offset] ?? "") ? offset - 1 : offset);
  const start = safe(Math.floor(random() * (text.length + 1)));
  const kind = random();
  const length = kind < 0.4 ? 0 : safe(Math.min(text.length, start + Math.floor(random() * 12))) - start;
  const inserted = kind > 0.7 ? "" : SNIPPETS[Math.floor(random() * SNIPPETS.length)];
  return { rangeOffset: start, rangeLength: Math.max(0, length), text: inserted };
}

function apply(text: string, change: ContentChange): string {
  return text.slice(0, change.rangeOffset) + change.text + text.slice(change.rangeOffset + change.rangeLength);
}

describe("incremental parsing (seeded property test, real worker)", function () {
  this.timeout(60_000);
  let client: ContextClient;
  before(() => { client = startClient(); });
  after(() => client.dispose());

  const cases: [string, string, number][] = [
    ["typescript", join("ts", "src", "geometry", "shapes.ts"), 11],
    ["python", join("py", "pkg", "models.py"), 23],
    ["go", join("go", "cart", "cart.go"), 37],
    ["rust", join("rust", "src", "geometry.rs"), 41],
  ];
  for (const [languageId, file, seed] of cases) {
    it(`${languageId}: the tree after random edit sequences equals a fresh parse (seed ${seed})`, async () => {
      const random = seededRandom(seed);
      let text = readFileSync(join(FIXTURES, file), "utf8");
      const uri = `mem://incremental/${languageId}`;
      await client.openDocument({ uri, filePath: `/virtual/${file}`, languageId, version: 1, text });
      let version = 1;
      for (let round = 0; round < 40; round++) {
        // Several changes in one event, applied in order (LSP incremental sync semantics).
        const changes: ContentChange[] = [];
        for (let count = 1 + Math.floor(random() * 3); count > 0; count--) {
          const change = randomChange(text, random);
          changes.push(change);
          text = apply(text, change);
        }
        client.changeDocument(uri, ++version, changes);
        if (round % 8 !== 7) continue;
        const fresh = `${uri}/fresh${round}`;
        await client.openDocument({ uri: fresh, filePath: `/virtual/fresh/${file}`, languageId, version: 1, text });
        const [incremental, expected] = await Promise.all([client.syntaxTree(uri), client.syntaxTree(fresh)]);
        client.closeDocument(fresh);
        assert.ok(expected, "fresh parse has a tree");
        assert.equal(incremental, expected, `round ${round}`);
      }
      const stats = await client.stats();
      client.closeDocument(uri);
      assert.ok(stats.trees >= 1);
    });
  }

  it("closing documents frees their trees", async () => {
    await client.openDocument({ uri: "mem://close", filePath: "/virtual/close.ts", languageId: "typescript", version: 1, text: "const a = 1;" });
    const before = await client.stats();
    client.closeDocument("mem://close");
    const after = await client.stats();
    assert.equal(after.trees, before.trees - 1);
    assert.equal(after.openDocuments, before.openDocuments - 1);
  });
});

describe("LineIndex edits", () => {
  it("keeps line starts equal to a fresh index after random edits", () => {
    const random = seededRandom(5);
    let text = "a\nbb\n\nccc\n";
    const index = new LineIndex(text);
    for (let round = 0; round < 500; round++) {
      const change = randomChange(text, random);
      text = apply(text, change);
      index.edit(change.rangeOffset, change.rangeOffset + change.rangeLength, change.text);
      const fresh = new LineIndex(text);
      assert.equal(index.text, text);
      assert.equal(index.lineCount, fresh.lineCount);
      for (let offset = 0; offset <= text.length; offset += 3) assert.deepEqual(index.pointAt(offset), fresh.pointAt(offset));
    }
  });
});
