import { strict as assert } from "node:assert";
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContextClient } from "../../../src/context/contextClient";
import type { IndexProgress } from "../../../src/context/index/workspaceIndex";
import { FIXTURES, startClient, temporaryFolder } from "./harness";

describe("workspace symbol index (real worker)", function () {
  this.timeout(30_000);
  let workspace: { path: string; remove: () => void };
  let storage: { path: string; remove: () => void };
  let client: ContextClient;

  beforeEach(() => {
    workspace = temporaryFolder("ws");
    storage = temporaryFolder("storage");
    cpSync(join(FIXTURES, "ts"), workspace.path, { recursive: true });
    mkdirSync(join(workspace.path, "ignored"));
    writeFileSync(join(workspace.path, "ignored", "hidden.ts"), "export function hiddenByGitignore(): void {}\n");
    mkdirSync(join(workspace.path, "generated"));
    writeFileSync(join(workspace.path, "generated", "out.ts"), "export function excludedByGlob(): void {}\n");
    writeFileSync(join(workspace.path, ".gitignore"), "# build output\nignored/\n");
    client = startClient();
  });
  afterEach(async () => {
    await client.dispose();
    workspace.remove();
    storage.remove();
  });

  const request = () => ({ folders: [workspace.path], storageDir: storage.path, excludes: ["**/generated"] });

  it("indexes source files, honouring .gitignore and exclude globs, with progress events", async () => {
    const progress: IndexProgress[] = [];
    client.onIndexProgress((event) => progress.push(event));
    const summary = await client.indexFolders(request());
    assert.equal(summary.folders[0].files, 4);
    assert.ok((await client.searchSymbols("Circle", 5)).some((match) => match.name === "Circle" && match.filePath === "src/geometry/shapes.ts"));
    assert.deepEqual(await client.searchSymbols("hiddenByGitignore", 5), []);
    assert.deepEqual(await client.searchSymbols("excludedByGlob", 5), []);
    assert.equal(progress[progress.length - 1].phase, "done");
  });

  it("reuses the persisted index after a restart without reparsing unchanged files", async () => {
    await client.indexFolders(request());
    await client.dispose();
    writeFileSync(join(workspace.path, "src", "added.ts"), "export function addedLater(): number { return 1; }\n");
    client = startClient();
    const summary = await client.indexFolders(request());
    assert.equal(summary.folders[0].reused, 4);
    assert.equal(summary.folders[0].parsed, 1);
    assert.equal((await client.stats()).parses, 1, "only the new file was parsed");
    assert.equal((await client.searchSymbols("addedLater", 1))[0]?.name, "addedLater");
  });

  it("moves a corrupted index file aside and rebuilds", async () => {
    await client.indexFolders(request());
    await client.dispose();
    const [file] = readdirSync(storage.path).filter((name) => name.endsWith(".json"));
    writeFileSync(join(storage.path, file), "{\"version\": 1, \"folder\": tru");
    client = startClient();
    const logs: string[] = [];
    client.onLog((line) => logs.push(line.message));
    const summary = await client.indexFolders(request());
    assert.equal(summary.folders[0].parsed, 4);
    assert.ok(readdirSync(storage.path).some((name) => name.startsWith(`${file}.corrupt-`)));
    assert.ok(existsSync(join(storage.path, file)), "a fresh index was written");
    assert.ok(logs.some((line) => /unreadable/.test(line)));
  });

  it("follows rename, delete and create", async () => {
    await client.indexFolders(request());
    const from = join(workspace.path, "src", "unrelated.ts");
    const to = join(workspace.path, "src", "telemetry.ts");
    renameSync(from, to);
    await client.fileRenamed(from, to);
    const [match] = await client.searchSymbols("TelemetryReporter", 1);
    assert.equal(match.filePath, "src/telemetry.ts");
    rmSync(to);
    await client.fileChanged(to, "deleted");
    assert.deepEqual((await client.searchSymbols("TelemetryReporter", 5)).filter((hit) => hit.name === "TelemetryReporter"), []);
    const created = join(workspace.path, "src", "fresh.ts");
    writeFileSync(created, "export interface FreshThing { id: string }\n");
    await client.fileChanged(created, "created");
    assert.equal((await client.searchSymbols("FreshThing", 1))[0]?.kind, "interface");
  });

  it("can be cancelled", async () => {
    for (let index = 0; index < 300; index++) writeFileSync(join(workspace.path, "src", `file${index}.ts`), `export function generated${index}(): number { return ${index}; }\n`);
    const running = client.indexFolders(request());
    await client.cancelIndexing();
    const summary = await running;
    assert.equal(summary.cancelled, true);
  });
});
