import { strict as assert } from "node:assert";
import { EngineRequestError, type EngineClient, type EngineExit } from "../../src/core/engine/engineClient";
import type { ModelRole } from "../../src/protocol/engineProtocol";
import { getTestModel, sharedModelPath } from "../support/models";
import { enginePath, startEngine, testLoadSettings, waitFor } from "./engineHarness";
import { childProcesses } from "./processTable";

/**
 * Engine faults: the engine process is SIGKILLed at every stage of its life (idle, starting,
 * loading, reloading after a restart, generating for each role, being cancelled) on a real
 * model. The request in flight must reject with a clear error (never hang), the next one must
 * be served by the same models reloaded, repeated crashes must stop the restarts with a message
 * that says what to do, and no engine process may outlive dispose.
 */

/** Greedy stories260K (and stories260K-fim) continue "Once upon a time" with this. */
const STORY_START = ", there was";
const LONG = { prompt: "Once upon a time", maxTokens: 400, temperature: 0 };

let kills = 0;
function kill(pid: number | undefined): void {
  assert.ok(pid, "an engine process to kill");
  process.kill(pid, "SIGKILL");
  kills += 1;
}

/** Engine processes started by this test process, leaving out those that were already there. */
function engineChildren(known: ReadonlySet<number>): number[] {
  return childProcesses().filter((entry) => entry.commandLine.includes(enginePath) && !known.has(entry.pid)).map((entry) => entry.pid);
}

function currentChildren(): Set<number> {
  return new Set(childProcesses().map((entry) => entry.pid));
}

/** Kills the next engine process that appears, as soon as it is seen (normally before it is ready). */
async function killWhenSpawned(known: ReadonlySet<number>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [fresh] = engineChildren(known);
    if (fresh !== undefined) {
      kill(fresh);
      return;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail("no engine process was started");
}

/** Resolves once the engine logs a line matching `pattern` (the engine reports each load step). */
function whenLogged(engine: EngineClient, pattern: RegExp, action: () => void): void {
  const listener = engine.onLog((line) => {
    if (!pattern.test(line.message)) return;
    listener.dispose();
    action();
  });
}

/** The request in flight rejects, with an error that names the crash and says what happens next. */
async function expectCrash(pending: Promise<unknown>): Promise<EngineRequestError> {
  let caught: unknown;
  await pending.then(
    () => assert.fail("the request in flight should reject when the engine is killed"),
    (error: unknown) => { caught = error; },
  );
  assert.ok(caught instanceof EngineRequestError, `expected an EngineRequestError, got ${String(caught)}`);
  assert.equal(caught.code, "engineCrashed");
  assert.match(caught.message, /SIGKILL/);
  return caught;
}

const RESTARTS = /(restarts|starts again) on the next request/;
const ROLES: readonly ModelRole[] = ["completion", "chat"];

/** A stream callback that kills the engine serving the request at its first chunk (later chunks may still be queued). */
function killOnce(engine: EngineClient, before?: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    before?.();
    kill(engine.pid);
  };
}

describe("engine faults: SIGKILL at every stage (real engine, stories260K)", function () {
  this.timeout(120_000);
  let engine: EngineClient;
  let stories: string;
  let storiesFim: string;
  let known: Set<number>;

  /** Exactly what each role serves (a role left out is unloaded); scenarios check it is back after the crash. */
  async function useModels(models: Partial<Record<ModelRole, string>>): Promise<void> {
    for (const role of ROLES) {
      const modelPath = models[role];
      if (modelPath) await engine.request("loadModel", { role, modelPath, settings: testLoadSettings });
      else await engine.request("unloadModel", { role });
    }
  }

  /** The next requests are served, by a new process that reloaded the same models. */
  async function expectRecovered(oldPid: number | undefined, models: Partial<Record<ModelRole, string>>): Promise<void> {
    const result = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 8, temperature: 0 });
    assert.ok(result.text.startsWith(STORY_START), JSON.stringify(result.text));
    assert.notEqual(engine.pid, oldPid, "a new engine process serves");
    const status = await engine.request("status", {});
    const serving = Object.fromEntries(status.models.map((model) => [model.role, model.modelPath]));
    assert.deepEqual(serving, models, "the models loaded before the crash are loaded again");
    if (models.chat) {
      const reply = await engine.request("chat", { conversationId: "after", history: [], message: "Tell me a story.", maxTokens: 8, temperature: 0 });
      assert.ok(reply.stats.generatedTokens > 0);
    }
    assert.equal(engine.pendingRequests, 0, "no request left pending");
    assert.equal(engine.attachedSignalListeners, 0, "no abort listener left on a caller's signal");
  }

  before(async () => {
    known = currentChildren();
    stories = sharedModelPath("stories260K.gguf");
    storiesFim = await getTestModel("stories260K-fim");
    // A high limit: these scenarios test recovery; the give-up has its own test below.
    engine = startEngine({ maxCrashes: 1000 });
  });

  after(async () => {
    await engine?.dispose();
    await waitFor(() => engineChildren(known).length === 0, 30_000);
    // The whole table kills the engine 12 times.
    console.log(`      ${kills} SIGKILLs of the engine, each followed by a served request`);
  });

  const scenarios: { name: string; run: () => Promise<void> }[] = [
    {
      name: "idle, with a model loaded",
      run: async () => {
        await useModels({ completion: stories });
        const pid = engine.pid;
        kill(pid);
        await waitFor(() => !engine.isRunning);
        await expectRecovered(pid, { completion: stories });
      },
    },
    {
      name: "mid-generation of a completion (complete)",
      run: async () => {
        await useModels({ completion: stories });
        const pid = engine.pid;
        const error = await expectCrash(engine.request("complete", LONG, { signal: new AbortController().signal, onStream: killOnce(engine) }));
        assert.match(error.message, RESTARTS);
        await expectRecovered(pid, { completion: stories });
      },
    },
    {
      name: "mid-generation of a fill-in-the-middle completion (infill, stories260K-fim)",
      run: async () => {
        await useModels({ completion: storiesFim });
        const pid = engine.pid;
        const pending = engine.request("infill", { prefix: "Once upon a time, there was a little girl.\n", currentLine: "She", suffix: "\nThe end.\n", maxTokens: 400, temperature: 0 }, {
          signal: new AbortController().signal, onStream: killOnce(engine),
        });
        assert.match((await expectCrash(pending)).message, RESTARTS);
        await expectRecovered(pid, { completion: storiesFim });
        const again = await engine.request("infill", { prefix: "Once upon a time", currentLine: "", suffix: "", maxTokens: 4, temperature: 0 });
        assert.ok(again.stats.generatedTokens > 0, "fill-in-the-middle works again");
      },
    },
    {
      name: "mid-generation of a chat reply",
      run: async () => {
        await useModels({ completion: stories, chat: stories });
        const pid = engine.pid;
        const pending = engine.request("chat", { conversationId: "killed", history: [], message: "Tell me a long story.", maxTokens: 400, temperature: 0 }, {
          signal: new AbortController().signal, onStream: killOnce(engine),
        });
        assert.match((await expectCrash(pending)).message, RESTARTS);
        await expectRecovered(pid, { completion: stories, chat: stories });
      },
    },
    {
      name: "mid-load of another model (a model switch)",
      run: async () => {
        await useModels({ completion: stories });
        const pid = engine.pid;
        whenLogged(engine, /memory estimate for stories260K-fim/, () => kill(pid));
        await expectCrash(engine.request("loadModel", { role: "completion", modelPath: storiesFim, settings: testLoadSettings }));
        // The switch did not happen: the model that served before it serves again.
        await expectRecovered(pid, { completion: stories });
        await useModels({ completion: storiesFim });
        await expectRecovered(undefined, { completion: storiesFim });
      },
    },
    {
      name: "twice in a row: idle, then while the restarted engine reloads the model",
      run: async () => {
        await useModels({ completion: stories });
        const first = engine.pid;
        kill(first);
        await waitFor(() => !engine.isRunning);
        whenLogged(engine, /memory estimate for stories260K\b/, () => kill(engine.pid));
        const error = await expectCrash(engine.request("complete", LONG));
        assert.match(error.message, RESTARTS);
        // A crash during the reload must not make the client forget the model.
        await expectRecovered(first, { completion: stories });
      },
    },
    {
      name: "right after spawn, before the engine is ready",
      run: async () => {
        await useModels({ completion: stories });
        const pid = engine.pid;
        kill(pid);
        await waitFor(() => !engine.isRunning);
        const before = currentChildren();
        const pending = engine.request("complete", LONG);
        // fork() has returned by now: the first look finds the new process, long before it can be ready.
        await killWhenSpawned(before);
        const error = await expectCrash(pending);
        assert.match(error.message, /exited while starting/);
        assert.match(error.message, RESTARTS);
        await expectRecovered(pid, { completion: stories });
      },
    },
    {
      name: "during a cancel (stop pressed, then the engine dies before answering)",
      run: async () => {
        await useModels({ completion: stories });
        const pid = engine.pid;
        const controller = new AbortController();
        // The abort sends a cancel to the engine; the kill follows before it can answer.
        const pending = engine.request("complete", LONG, { signal: controller.signal, onStream: killOnce(engine, () => controller.abort()) });
        await expectCrash(pending);
        await expectRecovered(pid, { completion: stories });
      },
    },
    {
      name: "with a completion and a chat reply in flight, both cancelled just after the kill",
      run: async () => {
        await useModels({ completion: stories, chat: stories });
        const pid = engine.pid;
        const completion = new AbortController();
        const chat = new AbortController();
        let killed = false;
        const onStream = () => {
          if (killed) return;
          killed = true;
          kill(pid);
          // The cancels go to a dead process: they must not throw or leave listeners behind.
          completion.abort();
          chat.abort();
        };
        await Promise.all([
          expectCrash(engine.request("complete", LONG, { signal: completion.signal, onStream })),
          expectCrash(engine.request("chat", { conversationId: "both", history: [], message: "Tell me a story.", maxTokens: 400, temperature: 0 }, { signal: chat.signal, onStream })),
        ]);
        await expectRecovered(pid, { completion: stories, chat: stories });
      },
    },
    {
      name: "idle, with different completion and chat models loaded",
      run: async () => {
        await useModels({ completion: storiesFim, chat: stories });
        const pid = engine.pid;
        kill(pid);
        await waitFor(() => !engine.isRunning);
        await expectRecovered(pid, { completion: storiesFim, chat: stories });
      },
    },
  ];

  for (const scenario of scenarios) {
    it(`recovers from a SIGKILL ${scenario.name}`, async () => {
      await scenario.run();
      // Only the one engine process: every killed one is gone, none was started twice.
      await waitFor(() => engineChildren(known).length === 1, 30_000);
    });
  }
});

describe("engine faults: repeated crashes", function () {
  this.timeout(120_000);

  it("stops restarting after three fast crashes, says what to do, and starts again when a model is chosen", async () => {
    const known = currentChildren();
    const stories = sharedModelPath("stories260K.gguf");
    const engine = startEngine({ maxCrashes: 3, crashWindowMs: 60_000 });
    const exits: EngineExit[] = [];
    engine.onExit((exit) => exits.push(exit));
    try {
      await engine.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
      kill(engine.pid);
      await waitFor(() => !engine.isRunning);
      assert.ok((await engine.request("complete", { prompt: "Once upon a time", maxTokens: 4, temperature: 0 })).text.startsWith(STORY_START));

      const second = await expectCrash(engine.request("complete", LONG, { onStream: killOnce(engine) }));
      assert.match(second.message, RESTARTS);
      // The next request restarts it (reloading the model) and is killed mid-generation: the third crash.
      const pending = engine.request("complete", LONG, { onStream: killOnce(engine) });
      const third = await expectCrash(pending);
      assert.doesNotMatch(third.message, RESTARTS);
      assert.match(third.message, /not restarted/);
      assert.match(third.message, /Show Log/);
      assert.match(third.message, /choose another model/);
      assert.deepEqual(exits.map((exit) => [exit.crashed, exit.gaveUp]), [[true, false], [true, false], [true, true]]);

      // No restart loop: requests are refused with the same advice, and no process is started.
      await assert.rejects(engine.request("complete", { prompt: "Once upon a time", maxTokens: 4, temperature: 0 }),
        (error: EngineRequestError) => error.code === "engineCrashed" && /crashed repeatedly/.test(error.message) && /choose another model/.test(error.message));
      await assert.rejects(engine.request("status", {}), /crashed repeatedly/);
      assert.equal(engine.isRunning, false);
      assert.deepEqual(engineChildren(known), [], "no engine process was started after the client gave up");

      // Choosing a model (what the message asks for) starts the engine again, without the model that crashed.
      const info = await engine.request("loadModel", { role: "chat", modelPath: stories, settings: testLoadSettings });
      assert.equal(info.displayName, "stories260K");
      const status = await engine.request("status", {});
      assert.deepEqual(status.models.map((model) => model.role), ["chat"]);
      assert.ok((await engine.request("chat", { conversationId: "again", history: [], message: "Hi.", maxTokens: 4, temperature: 0 })).stats.generatedTokens > 0);
    } finally {
      await engine.dispose();
    }
    await waitFor(() => engineChildren(known).length === 0, 30_000);
  });
});

describe("engine faults: dispose leaves no process behind", function () {
  this.timeout(120_000);
  let known: Set<number>;
  let stories: string;

  before(() => {
    known = currentChildren();
    stories = sharedModelPath("stories260K.gguf");
  });

  afterEach(async () => {
    await waitFor(() => engineChildren(known).length === 0, 30_000);
  });

  it("while the engine is still starting", async () => {
    const engine = startEngine();
    const pending = engine.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
    assert.equal(engineChildren(known).length, 1, "the engine process was started");
    await engine.dispose();
    await assert.rejects(pending, (error: EngineRequestError) => error.code === "engineCrashed" && /shut down/.test(error.message));
    assert.deepEqual(engineChildren(known), []);
    await assert.rejects(engine.request("status", {}), /shut down/);
  });

  it("during a generation", async () => {
    const engine = startEngine();
    await engine.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
    let disposing: Promise<void> | undefined;
    const pending = engine.request("complete", LONG, { onStream: () => { disposing ??= engine.dispose(); } });
    await assert.rejects(pending, (error: EngineRequestError) => error.code === "engineCrashed" && /shut down/.test(error.message));
    await disposing;
    assert.deepEqual(engineChildren(known), []);
  });

  it("while a restarted engine reloads the model after a kill", async () => {
    const engine = startEngine();
    await engine.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
    kill(engine.pid);
    await waitFor(() => !engine.isRunning);
    let disposing: Promise<void> | undefined;
    whenLogged(engine, /memory estimate for stories260K\b/, () => { disposing = engine.dispose(); });
    await assert.rejects(engine.request("complete", LONG), (error: EngineRequestError) => error.code === "engineCrashed");
    await waitFor(() => disposing !== undefined);
    await disposing;
    assert.deepEqual(engineChildren(known), []);
  });
});
