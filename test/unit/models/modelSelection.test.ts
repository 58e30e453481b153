import { strict as assert } from "node:assert";
import { selectionOutcome } from "../../../src/core/models/modelSelection";

describe("choosing a model in the picker (selectionOutcome)", () => {
  it("the configured model that serves: already serving (no reload, no question)", () => {
    assert.equal(selectionOutcome("/m/b.gguf", "/m/b.gguf", "/m/b.gguf"), "already-serving");
    assert.equal(selectionOutcome("/m/./b.gguf", "/m/b.gguf", "/m/x/../b.gguf"), "already-serving", "the same file written another way");
  });

  it("the configured model when it does not serve (failed, unloaded): load it again without asking again", () => {
    assert.equal(selectionOutcome("/m/b.gguf", "/m/b.gguf", undefined), "load-configured");
    assert.equal(selectionOutcome("/m/b.gguf", "/m/b.gguf", "/m/a.gguf"), "load-configured", "a previous model still serves after b failed");
  });

  it("another model: a switch", () => {
    assert.equal(selectionOutcome("/m/a.gguf", "/m/b.gguf", "/m/b.gguf"), "switch");
    assert.equal(selectionOutcome("/m/a.gguf", "", undefined), "switch");
    assert.equal(selectionOutcome("/m/a.gguf", "/m/b.gguf", "/m/a.gguf"), "switch", "serving but not configured");
  });
});
