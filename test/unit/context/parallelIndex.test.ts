import { strict as assert } from "node:assert";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContextClient } from "../../../src/context/contextClient";
import type { PersistedIndex } from "../../../src/context/index/indexStore";
import { WorkspaceIndex } from "../../../src/context/index/workspaceIndex";
import { startClient, temporaryFolder } from "./harness";

/** More files than the threshold below which no analyzer thread starts (64). */
const FILES = 160;

function writeWorkspace(root: string): void {
  for (let index = 0; index < FILES; index++) {
    const directory = join(root, `pkg${index % 7}`);
    mkdirSync(directory, { recursive: true });
    const body = index % 3 === 0
      ? `import { helper${index - 1} } from "./other";\nexport class Service${index} {\n  run(value: number): number {\n    return value * ${index};\n  }\n}\n`
      : `export function helper${index}(input: string): string {\n  return input.repeat(${index % 5});\n}\nexport const LIMIT${index} = ${index};\n`;
    writeFileSync(join(directory, `file${index}.ts`), body);
  }
  writeFileSync(join(root, "notes.py"), "def noted():\n    return 1\n");
}

function persisted(storage: string): PersistedIndex {
  const [file] = readdirSync(storage).filter((name) => name.endsWith(".json"));
  return JSON.parse(readFileSync(join(storage, file), "utf8")) as PersistedIndex;
}

describe("workspace index on analyzer threads (real worker)", function () {
  this.timeout(60_000);
  let workspace: { path: string; remove: () => void };
  let client: ContextClient;
  beforeEach(() => {
    workspace = temporaryFolder("parallel");
    writeWorkspace(workspace.path);
    client = startClient();
  });
  afterEach(async () => {
    await client.dispose();
    workspace.remove();
  });

  it("gives the same index, in path order, with two analyzer threads as on the worker alone", async () => {
    const alone = temporaryFolder("alone");
    const threaded = temporaryFolder("threaded");
    try {
      const single = await client.indexFolders({ folders: [workspace.path], storageDir: alone.path, excludes: [], analyzerThreads: 0 });
      assert.equal((await client.stats()).analyzerParses, 0);
      const parallel = await client.indexFolders({ folders: [workspace.path], storageDir: threaded.path, excludes: [], analyzerThreads: 2 });
      const stats = await client.stats();
      assert.ok(stats.analyzerParses > 0, "analyzer threads parsed some of the files");
      assert.equal(stats.parses, 2 * (FILES + 1), "every file parsed once per run, threads' parses counted");
      assert.equal(parallel.folders[0].parsed, single.folders[0].parsed);
      assert.equal(parallel.folders[0].files, FILES + 1);
      const expected = persisted(alone.path);
      const actual = persisted(threaded.path);
      assert.deepEqual(actual.files, expected.files);
      assert.deepEqual(Object.keys(actual.files), Object.keys(actual.files).sort(), "entries in path order");
      assert.equal((await client.searchSymbols("Service99", 1))[0]?.name, "Service99");
    } finally {
      alone.remove();
      threaded.remove();
    }
  });

  it("starts no analyzer thread when nothing changed since the persisted index", async () => {
    const storage = temporaryFolder("unchanged");
    try {
      await client.indexFolders({ folders: [workspace.path], storageDir: storage.path, excludes: [], analyzerThreads: 2 });
      const before = (await client.stats()).analyzerParses;
      const again = await client.indexFolders({ folders: [workspace.path], storageDir: storage.path, excludes: [], analyzerThreads: 2 });
      assert.equal(again.folders[0].reused, FILES + 1);
      assert.equal((await client.stats()).analyzerParses, before);
    } finally {
      storage.remove();
    }
  });
});

describe("workspace index when analyzer threads fail (in process)", () => {
  it("indexes every file on its own thread and says why", async () => {
    const workspace = temporaryFolder("broken-threads");
    const storage = temporaryFolder("broken-storage");
    try {
      writeWorkspace(workspace.path);
      const warnings: string[] = [];
      const index = new WorkspaceIndex({ progress: () => undefined, log: (_level, message) => warnings.push(message) },
        { analyzerWorkerPath: join(workspace.path, "no-such-worker.js"), analyzerThreads: 2 });
      const summary = await index.index({ folders: [workspace.path], storageDir: storage.path, excludes: [] });
      assert.equal(summary.folders[0].parsed, FILES + 1);
      assert.equal(index.lookup("helper100").length, 1);
      assert.match(warnings.join("\n"), /analyzer thread/);
      assert.equal(index.analyzerParses, 0);
    } finally {
      workspace.remove();
      storage.remove();
    }
  });
});
