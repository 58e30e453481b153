// npm start keeps the user's settings and port between runs (scripts/workbench/startState.mjs).
import { strict as assert } from "node:assert";
import net from "node:net";
import { choosePort, parseJsonc, portIsFree, startSettings } from "../../scripts/workbench/startState.mjs";

const BASE = { "workbench.startupEditor": "none", "editor.inlineSuggest.enabled": true };
const MODELS = "/models";
const GGUF = ["/models/a.gguf", "/models/b.gguf"];
const files = (...present) => (file) => present.includes(file);

function run({ user = {}, machine = {}, modelsDir = MODELS, ggufFiles = GGUF, explicit = false, exists = files(...GGUF) } = {}) {
  return startSettings({ previous: { user, machine }, base: BASE, modelsDir, ggufFiles, explicit, exists });
}

function listen() {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

describe("npm start keeps settings and the port between runs (scripts/workbench/startState.mjs)", () => {
  describe("parseJsonc reads settings.json as VS Code writes it", () => {
    it("with line and block comments and trailing commas, leaving strings alone", () => {
      const text = `{
        // chosen in the Settings UI
        "hearth.chat.modelPath": "/m/chat // not a comment.gguf", /* block */
        "url": "http://host/*not a comment*/",
        "quoted": "a \\" b,}",
        "list": [1, 2,],
      }`;
      assert.deepEqual(parseJsonc(text), {
        "hearth.chat.modelPath": "/m/chat // not a comment.gguf",
        url: "http://host/*not a comment*/",
        quoted: 'a " b,}',
        list: [1, 2],
      });
    });

    it("returns undefined for an empty file and throws for text that is not an object", () => {
      assert.equal(parseJsonc(""), undefined);
      assert.equal(parseJsonc("  \n"), undefined);
      assert.throws(() => parseJsonc("{ \"a\": }"));
      assert.throws(() => parseJsonc("[1, 2]"), /does not hold an object/);
    });
  });

  describe("startSettings", () => {
    it("on a first run sets the workbench defaults, the models folder and its first model", () => {
      const result = run();
      assert.deepEqual(result.user, BASE);
      assert.deepEqual(result.machine, { "hearth.modelFolders": [MODELS], "hearth.completion.modelPath": "/models/a.gguf" });
      assert.deepEqual(result.changed, { user: true, machine: true });
      assert.deepEqual(result.notes, ["completion model /models/a.gguf"]);
    });

    it("keeps the chat and completion models chosen in the UI, and changes nothing it need not", () => {
      const machine = { "hearth.modelFolders": [MODELS, "/elsewhere"], "hearth.completion.modelPath": "/elsewhere/c.gguf", "hearth.chat.modelPath": "/models/b.gguf", "hearth.engine.threads": 2 };
      const user = { ...BASE, "workbench.colorTheme": "Default Light Modern" };
      const result = run({ user, machine, exists: files(...GGUF, "/elsewhere/c.gguf") });
      assert.deepEqual(result.machine, machine);
      assert.deepEqual(result.user, user);
      assert.deepEqual(result.changed, { user: false, machine: false }, "no file is rewritten: comments in it survive");
      assert.deepEqual(result.notes, ["completion model /elsewhere/c.gguf (kept)", "chat model /models/b.gguf (kept)"]);
    });

    it("lets a value the user changed win over the workbench defaults", () => {
      const result = run({ user: { "editor.inlineSuggest.enabled": false } });
      assert.equal(result.user["editor.inlineSuggest.enabled"], false);
      assert.equal(result.user["workbench.startupEditor"], "none");
    });

    it("replaces a completion model whose file is gone, and keeps a chat model even so", () => {
      const result = run({ machine: { "hearth.completion.modelPath": "/deleted.gguf", "hearth.chat.modelPath": "/deleted-chat.gguf" } });
      assert.equal(result.machine["hearth.completion.modelPath"], "/models/a.gguf");
      assert.equal(result.machine["hearth.chat.modelPath"], "/deleted-chat.gguf");
      assert.deepEqual(result.notes, ["/deleted.gguf is gone: completion model /models/a.gguf", "chat model /deleted-chat.gguf (kept; the file is missing)"]);
    });

    it("switches to the folder --models names when the chosen model is not in it", () => {
      const machine = { "hearth.modelFolders": ["/old"], "hearth.completion.modelPath": "/old/x.gguf" };
      const result = run({ machine, explicit: true, exists: files(...GGUF, "/old/x.gguf") });
      assert.deepEqual(result.machine["hearth.modelFolders"], ["/old", MODELS]);
      assert.equal(result.machine["hearth.completion.modelPath"], "/models/a.gguf");
      const kept = run({ machine: { "hearth.completion.modelPath": "/models/b.gguf" }, explicit: true });
      assert.equal(kept.machine["hearth.completion.modelPath"], "/models/b.gguf");
    });

    it("adds no model setting when the models folder does not exist", () => {
      const machine = { "hearth.chat.modelPath": "/models/b.gguf" };
      const result = startSettings({ previous: { user: {}, machine }, base: BASE, modelsDir: undefined, ggufFiles: [], explicit: false, exists: files(...GGUF) });
      assert.deepEqual(result.machine, { "hearth.chat.modelPath": "/models/b.gguf" });
      assert.equal(result.changed.machine, false);
    });
  });

  describe("choosePort", () => {
    it("uses the port asked for", async () => {
      assert.deepEqual(await choosePort({ requested: 8080, last: 9000 }), { port: 8080, note: "port 8080 (asked for)" });
    });

    it("reuses the last run's port while it is free, and takes any free port when it is not", async () => {
      const server = await listen();
      const port = server.address().port;
      try {
        assert.equal(await portIsFree(port), false);
        assert.deepEqual(await choosePort({ requested: 0, last: port }), { port: 0, note: `the last run's port ${port} is taken: using a free one` });
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      assert.equal(await portIsFree(port), true);
      assert.deepEqual(await choosePort({ requested: 0, last: port }), { port, note: `port ${port} (the last run's)` });
    });

    it("takes any free port on a first run", async () => {
      assert.deepEqual(await choosePort({ requested: 0, last: undefined }), { port: 0, note: undefined });
    });
  });
});
