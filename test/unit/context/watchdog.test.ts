/**
 * A context worker that stops answering (its thread blocked, as by a read that never
 * returns) is restarted with a warning, within the client's deadline, and a fresh worker
 * answers the next request; one that keeps failing is given up on, with a message. The
 * worker is the real one (stallingWorker.ts adds only the block).
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { ContextClient, type WorkerRestart } from "../../../src/context/contextClient";
import { STALL } from "./stallingWorker";
import { temporaryFolder } from "./harness";

const STALLING_WORKER = join(__dirname, "stallingWorker.js");
const DEADLINE_MS = 1000;
const figures: string[] = [];

function collect(client: ContextClient) {
  const seen = { restarts: [] as WorkerRestart[], warnings: [] as string[], gaveUp: [] as string[] };
  client.onDidRestart((restart) => seen.restarts.push(restart));
  client.onLog((line) => { if (line.level !== "info") seen.warnings.push(line.message); });
  client.onDidGiveUp((message) => seen.gaveUp.push(message));
  return seen;
}

async function timeToError(work: Promise<unknown>): Promise<{ ms: number; message: string }> {
  const started = performance.now();
  const error = await work.then(() => undefined, (reason: unknown) => reason);
  assert.ok(error instanceof Error, "the request must fail, not hang or succeed");
  return { ms: Math.round(performance.now() - started), message: error.message };
}

describe("context worker watchdog (real worker, blocked on purpose)", function () {
  this.timeout(30_000);
  let client: ContextClient;
  afterEach(() => client.dispose());
  after(() => {
    if (figures.length > 0) console.log(`      figures:\n${figures.map((line) => `        ${line}`).join("\n")}`);
  });

  it("fails a request the blocked worker does not answer, restarts it with a warning naming the file, and answers the next request", async () => {
    client = new ContextClient({ workerPath: STALLING_WORKER, answerTimeoutMs: DEADLINE_MS });
    const seen = collect(client);
    await client.openDocument({ uri: "mem://a.ts", filePath: "/virtual/a.ts", languageId: "typescript", version: 1, text: "export const a = 1;\n" });
    const stalledPath = `/workspace/${STALL}/zero.ts`;
    const failed = await timeToError(client.fileChanged(stalledPath, "changed"));
    assert.match(failed.message, new RegExp(`did not answer "fileChanged ${stalledPath}" within 1 s and was restarted`));
    assert.ok(failed.ms >= DEADLINE_MS && failed.ms < DEADLINE_MS + 4000, `failed after ${failed.ms} ms`);
    assert.deepEqual(seen.restarts.map((restart) => restart.cause), ["stall"]);
    assert.ok(seen.warnings.some((warning) => warning.includes(stalledPath)), seen.warnings.join(" | "));

    const started = performance.now();
    const stats = await client.stats();
    const recoverMs = Math.round(performance.now() - started);
    assert.equal(stats.openDocuments, 0, "a fresh worker: documents are sent again by the caller (ContextSync reopens them on onDidRestart)");
    await client.openDocument({ uri: "mem://a.ts", filePath: "/virtual/a.ts", languageId: "typescript", version: 1, text: "export const a = 1;\n" });
    assert.deepEqual((await client.stats()).openDocuments, 1);
    figures.push(`blocked request: error after ${failed.ms} ms (deadline ${DEADLINE_MS} ms), fresh worker answered ${recoverMs} ms later`);
  });

  it("notices a worker blocked while it indexes (no deadline of its own) through pings", async () => {
    client = new ContextClient({ workerPath: STALLING_WORKER, answerTimeoutMs: DEADLINE_MS });
    const seen = collect(client);
    const storage = temporaryFolder("watchdog");
    try {
      const failed = await timeToError(client.indexFolders({ folders: [`/workspace/${STALL}`], storageDir: storage.path, excludes: [] }));
      assert.match(failed.message, new RegExp(`stopped answering during "indexFolders /workspace/${STALL}"`));
      assert.ok(failed.ms < 3 * DEADLINE_MS + 4000, `failed after ${failed.ms} ms`);
      assert.deepEqual(seen.restarts.map((restart) => restart.cause), ["stall"]);
      assert.equal((await client.stats()).indexedFiles, 0);
      figures.push(`blocked while indexing: error after ${failed.ms} ms (pings every ${DEADLINE_MS / 2} ms, deadline ${DEADLINE_MS} ms)`);
    } finally {
      storage.remove();
    }
  });

  it("stops restarting a worker that keeps blocking, and says so", async () => {
    client = new ContextClient({ workerPath: STALLING_WORKER, answerTimeoutMs: DEADLINE_MS, maxRestarts: 2 });
    const seen = collect(client);
    await timeToError(client.searchSymbols(STALL));
    await timeToError(client.searchSymbols(STALL));
    assert.equal(seen.restarts.length, 1, "the first failure restarts, the second gives up");
    assert.equal(seen.gaveUp.length, 1);
    assert.match(seen.gaveUp[0], /failed 2 times within 5 minutes .* and was not started again: completions and the chat go on without workspace context/);
    const refused = await timeToError(client.stats());
    assert.ok(refused.ms < 100, "refused at once, not after a deadline");
    assert.equal(refused.message, seen.gaveUp[0]);
  });

  it("leaves a worker that answers in time alone", async () => {
    client = new ContextClient({ workerPath: STALLING_WORKER, answerTimeoutMs: DEADLINE_MS });
    const seen = collect(client);
    const storage = temporaryFolder("watchdog-ok");
    const workspace = temporaryFolder("watchdog-ws");
    try {
      await client.indexFolders({ folders: [workspace.path], storageDir: storage.path, excludes: [] });
      for (let round = 0; round < 5; round++) await client.stats();
      await new Promise((resolve) => setTimeout(resolve, 2 * DEADLINE_MS));
      assert.deepEqual(seen.restarts, []);
    } finally {
      storage.remove();
      workspace.remove();
    }
  });
});
