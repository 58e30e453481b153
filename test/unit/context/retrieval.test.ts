import { strict as assert } from "node:assert";
import { join } from "node:path";
import type { ContextClient } from "../../../src/context/contextClient";
import type { ContextChunk } from "../../../src/context/contextTypes";
import { FIXTURES, fixtureWithCursor, startClient, temporaryFolder } from "./harness";

/** Generous budgets: these tests check what is retrieved, not how fast. */
const BUDGETS = { importSignatureMs: 5000, similarWindowMs: 5000, enclosingHeaderMs: 5000, recentMs: 5000, maxChunksPerSource: 8 };

async function gather(client: ContextClient, workspace: string, file: string): Promise<ContextChunk[]> {
  const cursor = fixtureWithCursor(join(workspace, file));
  await client.openDocument({ uri: cursor.uri, filePath: cursor.filePath, languageId: cursor.languageId, version: 1, text: cursor.text });
  const chunks = await client.gatherForCompletion({ uri: cursor.uri, offset: cursor.offset, window: { startLine: 0, endLine: 1000 } }, BUDGETS);
  client.closeDocument(cursor.uri);
  return chunks;
}

function signatures(chunks: readonly ContextChunk[]): string {
  return chunks.filter((chunk) => chunk.reason === "import-signature").map((chunk) => `// ${chunk.filePath}\n${chunk.text}`).join("\n");
}

describe("context retrieval for completion (real worker, fixture workspaces)", function () {
  this.timeout(30_000);
  let client: ContextClient;
  const storage = temporaryFolder("retrieval");

  before(async () => {
    client = startClient();
    const folders = ["ts", "py", "go", "rust"].map((name) => join(FIXTURES, name));
    await client.indexFolders({ folders, storageDir: storage.path, excludes: [] });
  });
  after(async () => {
    await client.dispose();
    storage.remove();
  });

  it("TypeScript: signatures of imported classes and namespace members, not unrelated files", async () => {
    const text = signatures(await gather(client, "ts", "src/main.ts"));
    assert.match(text, /export class Circle implements Shape \{/);
    assert.match(text, /area\(\): number/, "class outline lists member headers");
    assert.match(text, /export function largestShape\(shapes: readonly Shape\[\]\): Shape \| undefined/);
    assert.match(text, /export function formatArea\(value: number, unit: string\): string/);
    assert.doesNotMatch(text, /return Math\.PI/, "bodies are left out");
    assert.doesNotMatch(text, /parseConfigFile|TelemetryReporter|formatPercent/);
  });

  it("TypeScript: headers of enclosing scopes above the prefix window", async () => {
    const cursor = fixtureWithCursor(join("ts", "src/main.ts"));
    await client.openDocument({ uri: cursor.uri, filePath: cursor.filePath, languageId: cursor.languageId, version: 1, text: cursor.text });
    const chunks = await client.gatherForCompletion({ uri: cursor.uri, offset: cursor.offset, window: { startLine: 12, endLine: 20 } }, BUDGETS);
    const headers = chunks.filter((chunk) => chunk.reason === "enclosing-header").map((chunk) => chunk.text);
    assert.deepEqual(headers, ["export class Report {", "  summary(): string {"]);
    client.closeDocument(cursor.uri);
  });

  it("Python: from-imports and module aliases resolve to their definitions", async () => {
    const text = signatures(await gather(client, "py", "app.py"));
    assert.match(text, /def make_user\(name: str, email: str\) -> User:/);
    assert.match(text, /class Repository:/);
    assert.match(text, /def save\(self, key: str, value: object\) -> None:/);
    assert.doesNotMatch(text, /send_newsletter|MetricsCollector/);
  });

  it("Go: package imports by module path, not other packages", async () => {
    const text = signatures(await gather(client, "go", "main.go"));
    assert.match(text, /func NewCart\(\) \*Cart/);
    assert.match(text, /func \(c \*Cart\) Total\(\) int/);
    assert.match(text, /type Item struct \{\n\tName {2}string/);
    assert.doesNotMatch(text, /Logf|Rotator/);
  });

  it("Rust: `use crate::` paths resolve to module files", async () => {
    const text = signatures(await gather(client, "rust", "src/main.rs"));
    assert.match(text, /pub fn distance\(a: &Point, b: &Point\) -> f64/);
    assert.match(text, /pub struct Point \{/);
    assert.match(text, /pub fn new\(x: f64, y: f64\) -> Self/);
    assert.doesNotMatch(text, /open_socket|Listener/);
  });

  it("similar windows come from other open files of the same language, outside the prompt window", async () => {
    const a = { uri: "mem://a.ts", filePath: "/virtual/a.ts", languageId: "typescript", version: 1,
      text: "function renderInvoice(invoice: Invoice) {\n  const total = invoice.lines.reduce((sum, line) => sum + line.amount, 0);\n  return formatMoney(total, invoice.currency);\n}\n" };
    const b = { uri: "mem://b.py", filePath: "/virtual/b.py", languageId: "python", version: 1, text: "def render_invoice(invoice):\n    total = sum(line.amount for line in invoice.lines)\n" };
    const current = { uri: "mem://c.ts", filePath: "/virtual/c.ts", languageId: "typescript", version: 1,
      text: "function renderReceipt(receipt: Receipt) {\n  const total = receipt.lines.reduce((sum, line) => sum + line.amount, 0);\n  return " };
    for (const document of [a, b, current]) await client.openDocument(document);
    const chunks = await client.gatherForCompletion({ uri: current.uri, offset: current.text.length, window: { startLine: 0, endLine: 10 } }, BUDGETS);
    const similar = chunks.filter((chunk) => chunk.reason === "similar-window");
    assert.equal(similar.length, 1);
    assert.equal(similar[0].filePath, "/virtual/a.ts");
    assert.match(similar[0].text, /formatMoney/);
    for (const document of [a, b, current]) client.closeDocument(document.uri);
  });

  it("edits elsewhere become recent-edit chunks, oldest first, not repeating the prompt window", async () => {
    const lines = Array.from({ length: 200 }, (_, index) => `const value${index} = ${index};`);
    const document = { uri: "mem://recent.ts", filePath: "/virtual/recent.ts", languageId: "typescript", version: 1, text: lines.join("\n") };
    await client.openDocument(document);
    const offsetOfLine = (line: number) => lines.slice(0, line).join("\n").length + 1;
    client.changeDocument(document.uri, 2, [{ rangeOffset: offsetOfLine(10), rangeLength: 0, text: "// first edit\n" }]);
    client.changeDocument(document.uri, 3, [{ rangeOffset: offsetOfLine(100), rangeLength: 0, text: "// second edit\n" }]);
    client.changeDocument(document.uri, 4, [{ rangeOffset: offsetOfLine(180), rangeLength: 0, text: "// third edit\n" }]);
    const chunks = await client.gatherForCompletion({ uri: document.uri, offset: offsetOfLine(180), window: { startLine: 150, endLine: 199 } }, BUDGETS);
    const recent = chunks.filter((chunk) => chunk.reason === "recent-edit");
    assert.equal(recent.length, 2);
    assert.match(recent[0].text, /first edit/);
    assert.match(recent[1].text, /second edit/);
    client.closeDocument(document.uri);
  });

  it("a late source is skipped, not awaited", async () => {
    const cursor = fixtureWithCursor(join("ts", "src/main.ts"));
    await client.openDocument({ uri: cursor.uri, filePath: cursor.filePath, languageId: cursor.languageId, version: 1, text: cursor.text });
    const started = Date.now();
    const chunks = await client.gatherForCompletion({ uri: cursor.uri, offset: cursor.offset, window: { startLine: 0, endLine: 100 } },
      { importSignatureMs: 0, similarWindowMs: 0, enclosingHeaderMs: 0, recentMs: 0, maxChunksPerSource: 4 });
    assert.deepEqual(chunks, []);
    assert.ok(Date.now() - started < 50);
    client.closeDocument(cursor.uri);
  });
});
