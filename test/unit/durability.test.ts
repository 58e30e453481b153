import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChatHistoryStore } from "../../src/core/chat/historyStore";
import { indexFileFor, loadIndex } from "../../src/context/index/indexStore";
import { WorkspaceIndex } from "../../src/context/index/workspaceIndex";
import { seededRandom, temporaryFolder } from "./context/harness";
import { HISTORY_FILE, WRITER_FOLDER } from "./context/durabilityWriter";

const WRITER = join(__dirname, "context", "durabilityWriter.js");
const KILLS = 20;
/** Each writer numbers its saves from (kill + 1) × this, so a later writer's saves are newer. */
const GENERATIONS_PER_WRITER = 100_000;
/** Longest wait after the writer is ready before it is killed; its saves take a few to tens of milliseconds. */
const MAX_KILL_DELAY_MS = 150;

/** Starts the writer (its saves count up from `firstGeneration`), waits until it is saving, kills it with SIGKILL after `delayMs`. */
async function killWhileWriting(kind: "index" | "history", directory: string, firstGeneration: number, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [WRITER, kind, directory, String(firstGeneration)], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    child.once("exit", () => reject(new Error(`The writer exited before saving: ${stderr}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL", `the writer was killed mid-loop (stderr: ${stderr})`);
}

describe("durability: files survive a kill at any moment", function () {
  this.timeout(120_000);
  let folder: { path: string; remove: () => void };
  beforeEach(() => (folder = temporaryFolder("durability")));
  afterEach(() => folder.remove());

  it(`symbol index: after each of ${KILLS} SIGKILLs mid-save the file parses and holds one whole generation, never an older one`, async () => {
    const random = seededRandom(7);
    const file = indexFileFor(folder.path, WRITER_FOLDER);
    let lastGeneration = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      await killWhileWriting("index", folder.path, (kill + 1) * GENERATIONS_PER_WRITER, random() * MAX_KILL_DELAY_MS);
      const loaded = await loadIndex(file, WRITER_FOLDER);
      if (loaded.kind === "corrupt") assert.fail(`kill ${kill}: the index file was torn (${loaded.reason})`);
      if (loaded.kind === "missing") {
        assert.equal(lastGeneration, 0, `kill ${kill}: a saved index disappeared`);
        continue;
      }
      const entries = Object.values(loaded.index.files);
      assert.equal(entries.length, 3000, `kill ${kill}: every entry of a save is there`);
      const generations = new Set(entries.map((entry) => entry.size));
      assert.equal(generations.size, 1, `kill ${kill}: entries of one save only`);
      assert.ok(entries[0].size >= lastGeneration, `kill ${kill}: generation ${entries[0].size} is older than ${lastGeneration}, seen before`);
      lastGeneration = entries[0].size;
      // Loading removed the killed writer's temporary file.
      assert.deepEqual(readdirSync(folder.path).filter((name) => name.endsWith(".tmp")), [], `kill ${kill}: no temporary file left`);
    }
    assert.ok(lastGeneration > 0, "at least one save completed before a kill");
  });

  it(`chat history: after each of ${KILLS} SIGKILLs mid-save the file parses and holds one whole generation`, async () => {
    const random = seededRandom(11);
    let saved = false;
    let lastGeneration = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      await killWhileWriting("history", folder.path, (kill + 1) * GENERATIONS_PER_WRITER, random() * MAX_KILL_DELAY_MS);
      const { history, movedAside } = await new ChatHistoryStore(folder.path).load();
      assert.equal(movedAside, undefined, `kill ${kill}: ${movedAside?.reason ?? ""}`);
      // Loading removed the killed writer's temporary file.
      assert.deepEqual(readdirSync(folder.path).filter((name) => name.endsWith(".tmp")), [], `kill ${kill}: no temporary file left`);
      if (history.conversations.length === 0) {
        assert.equal(saved, false, `kill ${kill}: a saved history disappeared`);
        continue;
      }
      saved = true;
      assert.equal(history.conversations.length, 60, `kill ${kill}: every conversation of a save is there`);
      const generations = new Set(history.conversations.map((conversation) => Number(conversation.title.replace("generation ", ""))));
      assert.equal(generations.size, 1, `kill ${kill}: conversations of one save only`);
      const [generation] = generations;
      assert.ok(generation >= lastGeneration, `kill ${kill}: generation ${generation} is older than ${lastGeneration}, seen before`);
      lastGeneration = generation;
    }
    assert.ok(saved, "at least one save completed before a kill");
  });

  it("symbol index: a torn file is moved aside and the index rebuilt, without throwing", async () => {
    const workspace = join(folder.path, "workspace");
    const storage = join(folder.path, "storage");
    mkdirSync(workspace);
    writeFileSync(join(workspace, "a.ts"), "export function alpha(): number { return 1; }\n");
    const warnings: string[] = [];
    const events = { progress: () => undefined, log: (_level: string, message: string) => warnings.push(message) };
    await new WorkspaceIndex(events).index({ folders: [workspace], storageDir: storage, excludes: [] });
    const file = indexFileFor(storage, workspace);
    const whole = readFileSync(file, "utf8");
    writeFileSync(file, whole.slice(0, Math.floor(whole.length / 2)));

    const index = new WorkspaceIndex(events);
    const summary = await index.index({ folders: [workspace], storageDir: storage, excludes: [] });
    assert.equal(summary.folders[0].parsed, 1, "rebuilt from the source files");
    assert.equal(index.lookup("alpha").length, 1);
    assert.match(warnings.join("\n"), /unreadable .*moved to .*corrupt/);
    assert.equal(readdirSync(storage).filter((name) => name.includes(".corrupt-")).length, 1, "the torn file was kept aside");
    assert.equal((await loadIndex(file, workspace)).kind, "loaded", "a whole index was written again");
  });

  it("chat history: a torn file is moved aside and a new history starts, without throwing", async () => {
    const store = new ChatHistoryStore(folder.path);
    await store.save({ conversations: [{ id: "c", title: "t", createdAt: 1, updatedAt: 1, systemPrompt: "s", turns: [{ id: "u", role: "user", text: "q", at: 1 }, { id: "a", role: "assistant", text: "a", at: 1 }] }] });
    const whole = readFileSync(HISTORY_FILE(folder.path), "utf8");
    writeFileSync(HISTORY_FILE(folder.path), whole.slice(0, Math.floor(whole.length / 2)));

    const { history, movedAside } = await new ChatHistoryStore(folder.path).load();
    assert.deepEqual(history.conversations, []);
    assert.ok(movedAside, "the torn file was moved aside");
    assert.equal(readFileSync(movedAside.path, "utf8"), whole.slice(0, Math.floor(whole.length / 2)));
    await store.save({ conversations: [] });
    assert.equal((await new ChatHistoryStore(folder.path).load()).movedAside, undefined, "the new history is written and reads back");
  });
});
