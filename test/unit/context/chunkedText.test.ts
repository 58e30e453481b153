import { strict as assert } from "node:assert";
import { DocumentStore } from "../../../src/context/parsing/documentStore";
import { LineIndex } from "../../../src/context/parsing/lineIndex";
import { seededRandom } from "./harness";

/** A TypeScript text of many chunks (LineIndex keeps ~4k-character chunks), with astral characters that chunk borders may split. */
function largeSource(functions: number): string {
  const parts: string[] = [];
  for (let index = 0; index < functions; index++) {
    parts.push(`export function f${index}(value: number): string {\n  const label = "é😀${index}";\n  return label.repeat(value);\n}\n`);
  }
  return parts.join("\n");
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Small keystrokes mostly, and now and then a paste or a deletion across several chunks. */
function randomEdit(text: string, random: () => number): Edit {
  const safe = (offset: number) => (offset > 0 && /[\uDC00-\uDFFF]/.test(text[offset] ?? "") ? offset - 1 : offset);
  const start = safe(Math.floor(random() * (text.length + 1)));
  const kind = random();
  if (kind < 0.1) return { start, end: safe(Math.min(text.length, start + Math.floor(random() * 20_000))), text: "" };
  if (kind < 0.2) return { start, end: start, text: largeSource(1 + Math.floor(random() * 200)) };
  const end = kind < 0.5 ? start : safe(Math.min(text.length, start + Math.floor(random() * 10)));
  return { start, end, text: ["x", "\n", "}", "{ ", "😀", "", "return 1;\n"][Math.floor(random() * 7)] };
}

describe("chunked document text (seeded property tests)", () => {
  it("LineIndex: text, slices, reader and line starts match a fresh index after random edits across chunks", () => {
    const random = seededRandom(3);
    let text = largeSource(300);
    const index = new LineIndex(text);
    for (let round = 0; round < 300; round++) {
      const edit = randomEdit(text, random);
      text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
      index.edit(edit.start, edit.end, edit.text);
      assert.equal(index.textLength, text.length);
      for (let probe = 0; probe < 5; probe++) {
        const start = Math.floor(random() * (text.length + 1));
        const end = start + Math.floor(random() * 9000);
        assert.equal(index.slice(start, end), text.slice(start, end), `round ${round}: slice(${start}, ${end})`);
        const read = index.read(start);
        assert.equal(read, text.slice(start, start + read.length), `round ${round}: read(${start})`);
        assert.ok(read.length > 0 || start >= text.length, `round ${round}: read(${start}) is empty before the end`);
        const line = Math.floor(random() * index.lineCount);
        assert.equal(index.line(line), text.split("\n")[line], `round ${round}: line ${line}`);
      }
      if (round % 30 === 29) {
        const fresh = new LineIndex(text);
        assert.equal(index.lineCount, fresh.lineCount);
        for (let offset = 0; offset <= text.length; offset += 97) assert.deepEqual(index.pointAt(offset), fresh.pointAt(offset));
        assert.equal(index.text, text);
      }
    }
    assert.equal(index.text, text);
  });

  it("DocumentStore: a large document's incrementally reparsed tree equals a fresh parse after random edits", async () => {
    const random = seededRandom(19);
    let text = largeSource(400);
    const store = new DocumentStore();
    try {
      await store.open({ uri: "mem://large", filePath: "/virtual/large.ts", languageId: "typescript", version: 1, text });
      for (let round = 0; round < 60; round++) {
        const edit = randomEdit(text, random);
        text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
        store.change("mem://large", round + 2, [{ rangeOffset: edit.start, rangeLength: edit.end - edit.start, text: edit.text }]);
        if (round % 10 !== 9) continue;
        const fresh = await store.open({ uri: `mem://fresh${round}`, filePath: "/virtual/fresh.ts", languageId: "typescript", version: 1, text });
        const incremental = store.get("mem://large");
        assert.ok(incremental?.tree && fresh.tree, "both have trees");
        assert.equal(incremental.tree.rootNode.toString(), fresh.tree.rootNode.toString(), `round ${round}`);
        // Node text comes through the same chunk reader.
        const last = incremental.tree.rootNode.lastChild;
        if (last) assert.equal(last.text, text.slice(last.startIndex, last.endIndex));
        store.close(`mem://fresh${round}`);
      }
    } finally {
      store.dispose();
    }
  });
});
