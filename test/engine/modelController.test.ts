import { strict as assert } from "node:assert";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineClient } from "../../src/core/engine/engineClient";
import { ModelController, type ModelConfiguration, type ModelState } from "../../src/core/models/modelController";
import { sharedModelPath } from "../support/models/paths";
import { startEngine, testLoadSettings } from "./engineHarness";

/**
 * The model controller on the real engine: a model that fails to load is never saved as the
 * configured model, the previous one keeps serving without being loaded again, and Unload
 * leaves a configured model "unloaded" until its next use.
 */
describe("model controller (real engine, stories260K)", function () {
  this.timeout(60_000);
  let engine: EngineClient;
  let scratch: string;
  let modelA: string;
  let modelB: string;
  let notGguf: string;
  let configuration: ModelConfiguration;
  let controller: ModelController;
  let loads: string[];
  let states: ModelState[];

  before(async () => {
    const stories = sharedModelPath("stories260K.gguf");
    scratch = await mkdtemp(join(tmpdir(), "hearth-controller-"));
    modelA = join(scratch, "tiny-stories-a.gguf");
    modelB = join(scratch, "tiny-stories-b.gguf");
    notGguf = join(scratch, "notes.gguf");
    await symlink(stories, modelA);
    await symlink(stories, modelB);
    await writeFile(notGguf, "# Notes\n\nThis is a Markdown file, not a model.\n");
    engine = startEngine();
  });

  after(async () => {
    await engine?.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  beforeEach(() => {
    configuration = { completionModelPath: modelA, chatModelPath: "", load: testLoadSettings, loraAdaptersFor: () => [] };
    loads = [];
    states = [];
    controller = new ModelController(engine, () => configuration, (_level, message) => {
      if (message.startsWith("loading ")) loads.push(message);
    });
    controller.onDidChangeState((role) => {
      if (role === "completion") states.push(controller.state("completion"));
    });
  });

  afterEach(() => controller.dispose());

  /** What a settings write does: the configuration changes once saved. */
  const saveCompletionPath = (saved: string[]) => async (path: string) => {
    saved.push(path);
    configuration = { ...configuration, completionModelPath: path };
  };

  it("switches to a model that loads and saves its setting only once it serves", async () => {
    assert.equal(controller.chosen("completion"), true, "configured, not loaded yet: chosen");
    assert.equal((await controller.ensure("completion"))?.displayName, "tiny-stories-a");
    const saved: string[] = [];
    let stateWhenSaved: string | undefined;
    const result = await controller.switchTo("completion", modelB, async (path) => {
      stateWhenSaved = controller.state("completion").kind;
      await saveCompletionPath(saved)(path);
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.info.displayName, "tiny-stories-b");
    assert.deepEqual(saved, [modelB]);
    assert.equal(stateWhenSaved, "ready", "saved after the model served");
    // The saved setting names what serves: no second load.
    loads.length = 0;
    assert.equal((await controller.ensure("completion"))?.displayName, "tiny-stories-b");
    assert.deepEqual(loads, []);
  });

  it("never saves a file that fails to load; the previous model serves and is not loaded again", async () => {
    await controller.ensure("completion");
    const saved: string[] = [];
    const result = await controller.switchTo("completion", notGguf, saveCompletionPath(saved));
    assert.equal(result.ok, false);
    assert.ok(!result.ok && /not a GGUF file/i.test(result.message), JSON.stringify(result));
    assert.equal(!result.ok && result.serving?.displayName, "tiny-stories-a");
    assert.deepEqual(saved, [], "the failed file was not saved as the model");
    assert.equal(configuration.completionModelPath, modelA);
    const state = controller.state("completion");
    assert.ok(state.kind === "error" && state.cause === "load" && state.previous?.displayName === "tiny-stories-a", JSON.stringify(state));
    // Completions keep asking ensure(): the configured (previous) model serves, nothing reloads.
    loads.length = 0;
    assert.equal((await controller.ensure("completion"))?.displayName, "tiny-stories-a");
    assert.deepEqual(loads, []);
    const completion = await engine.request("complete", { prompt: "Once upon a time", maxTokens: 4, temperature: 0 });
    assert.ok(completion.text.length > 0);
    // Choosing the serving model again acknowledges the failure: ready again.
    controller.keepServing("completion");
    assert.equal(controller.state("completion").kind, "ready");
  });

  it("a configured model that fails at start-up is an error without a previous model, and is not retried on every use", async () => {
    configuration = { ...configuration, completionModelPath: notGguf };
    assert.equal(await controller.ensure("completion"), undefined);
    const state = controller.state("completion");
    assert.ok(state.kind === "error" && state.cause === "load" && state.previous === undefined, JSON.stringify(state));
    assert.match(state.message, /notes\.gguf/);
    assert.equal(controller.chosen("completion"), false, "a configured file that failed does not tick the walkthrough's step");
    loads.length = 0;
    assert.equal(await controller.ensure("completion"), undefined);
    assert.deepEqual(loads, [], "the failed file is not loaded again on the next request");
    // Choosing a model that works recovers.
    const result = await controller.switchTo("completion", modelA, saveCompletionPath([]));
    assert.ok(result.ok);
    assert.equal(controller.state("completion").kind, "ready");
    assert.equal(controller.chosen("completion"), true);
  });

  it("Unload leaves a configured model 'unloaded' with its name; the next use loads it again", async () => {
    await controller.ensure("completion");
    await controller.unload("completion");
    assert.deepEqual(controller.state("completion"), { kind: "unloaded", name: "tiny-stories-a" });
    assert.equal(controller.inUse("completion"), false);
    assert.equal(controller.serving("completion"), undefined);
    loads.length = 0;
    assert.equal((await controller.ensure("completion"))?.displayName, "tiny-stories-a");
    assert.equal(loads.length, 1);
    assert.equal(controller.inUse("completion"), true);
    // Without a configured model there is nothing to load on next use.
    configuration = { ...configuration, completionModelPath: "" };
    await controller.unload("completion");
    assert.deepEqual(controller.state("completion"), { kind: "none" });
  });

  it("a use during a switch waits for the switch and its saved setting instead of reloading the old model", async () => {
    await controller.ensure("completion");
    const saved: string[] = [];
    const switching = controller.switchTo("completion", modelB, async (path) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await saveCompletionPath(saved)(path);
    });
    const used = controller.ensure("completion");
    assert.equal((await used)?.displayName, "tiny-stories-b");
    assert.ok((await switching).ok);
    assert.equal(loads.filter((line) => line.includes("tiny-stories-a")).length, 1, `the old model was not loaded again: ${loads.join("; ")}`);
  });
});
