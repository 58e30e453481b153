/** The `@` picker's sources in the real context worker: the indexed file list and the fuzzy symbol search, ranked as the picker ranks them. */
import { strict as assert } from "node:assert";
import { cpSync } from "node:fs";
import { join, relative } from "node:path";
import { pickerEntries, type PickerEntry } from "../../../src/core/chat/contextPickerItems";
import type { ContextClient } from "../../../src/context/contextClient";
import { FIXTURES, startClient, temporaryFolder } from "../context/harness";

function shown(entries: readonly PickerEntry[]): string[] {
  return entries.map((entry) => (entry.type === "separator" ? `-- ${entry.label}` : `${entry.label} | ${entry.description}`));
}

describe("chat @ picker on the workspace index (real worker)", function () {
  this.timeout(30_000);
  let workspace: { path: string; remove: () => void };
  let storage: { path: string; remove: () => void };
  let client: ContextClient;

  beforeEach(() => {
    workspace = temporaryFolder("picker-ws");
    storage = temporaryFolder("picker-storage");
    cpSync(join(FIXTURES, "ts"), workspace.path, { recursive: true });
    client = startClient();
  });
  afterEach(async () => {
    await client.dispose();
    workspace.remove();
    storage.remove();
  });

  it("lists nothing before indexing, then every indexed source file by absolute path, within the limit", async () => {
    assert.deepEqual(await client.indexedFiles(100), { paths: [], total: 0 });
    await client.indexFolders({ folders: [workspace.path], storageDir: storage.path, excludes: [] });
    const all = await client.indexedFiles(100);
    assert.deepEqual(all.paths.map((path) => relative(workspace.path, path)).sort(),
      ["src/geometry/shapes.ts", "src/main.ts", "src/unrelated.ts", "src/util/format.ts"]);
    assert.equal(all.total, 4);
    const two = await client.indexedFiles(2);
    assert.equal(two.paths.length, 2);
    assert.equal(two.total, 4, "the total counts every indexed file, not only those sent");
  });

  it("merges the index's files and fuzzy symbol matches into the picker's sections", async () => {
    await client.indexFolders({ folders: [workspace.path], storageDir: storage.path, excludes: [] });
    const files = (await client.indexedFiles(100)).paths.map((path) => ({ uri: `file://${path}`, relativePath: relative(workspace.path, path) }));
    const symbols = (await client.searchSymbols("Circle", 20)).map((match) => ({
      name: match.name, kind: match.kind, uri: `file://${match.path}`, relativePath: match.filePath,
      startLine: match.range.startLine, endLine: match.range.endLine, score: match.score, ...(match.container ? { container: match.container } : {}),
    }));
    const entries = pickerEntries("Circle", files, symbols);
    assert.equal(entries[0].type === "separator" && entries[0].label, "Symbols", "an exact symbol name puts symbols first");
    const circle = entries.find((entry) => entry.type === "symbol" && entry.symbol.name === "Circle");
    assert.ok(circle?.type === "symbol", `no Circle among ${JSON.stringify(shown(entries))}`);
    assert.match(circle.label, /^\$\(symbol-class\) Circle$/);
    assert.match(circle.description, /^src\/geometry\/shapes\.ts:\d+$/);
    assert.ok(circle.symbol.endLine !== undefined && circle.symbol.endLine > circle.symbol.startLine, "the index gives the whole definition");
    assert.ok(!entries.some((entry) => entry.type === "file"), "no file name matches Circle");
    assert.deepEqual(shown(pickerEntries("shapes", files, [])), ["-- Files", "shapes.ts | src/geometry/shapes.ts"]);
  });
});
