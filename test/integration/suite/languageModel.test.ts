/**
 * Hearth's chat model through VS Code's language model API (vscode.lm), as another
 * extension or VS Code's own chat would use it: listed only while
 * hearth.chat.languageModelProvider is on, streaming, cancellable, counting tokens.
 * Real engine, real stories260K (the runner sets it as the completion model; the chat shares it).
 */
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { until } from "./until";

const EXTENSION_ID = "hearth.hearth";
/** package.json contributes.languageModelChatProviders[0].vendor */
const VENDOR = "hearth";
const PROMPT = "Once upon a time, there was a little girl named Lily. She";

interface Outcome {
  stopReason: string;
  generatedTokens: number;
}

/** What activate() returns, as far as these tests rely on it. */
interface HearthApiForLmTests {
  models?: {
    ensure(role: "chat"): Promise<{ displayName: string } | undefined>;
    state(role: "chat"): { kind: string; message?: string };
  };
  languageModels?: { readonly registered: boolean; readonly lastResponse: Outcome | undefined };
}

function setProvider(on: boolean | undefined): Thenable<void> {
  return vscode.workspace.getConfiguration("hearth.chat").update("languageModelProvider", on, vscode.ConfigurationTarget.Global);
}

async function hearthModels(): Promise<vscode.LanguageModelChat[]> {
  return vscode.lm.selectChatModels({ vendor: VENDOR });
}

/** Sends one user message; reads the streamed text, calling `onPart` after each part. */
async function ask(model: vscode.LanguageModelChat, token: vscode.CancellationToken, onPart: (text: string) => void = () => undefined): Promise<{ text: string; parts: number; error?: unknown }> {
  const response = await model.sendRequest([vscode.LanguageModelChatMessage.User(PROMPT)], { justification: "Hearth's integration test" }, token);
  let text = "";
  let parts = 0;
  try {
    for await (const part of response.text) {
      text += part;
      parts++;
      onPart(text);
    }
  } catch (error) {
    return { text, parts, error };
  }
  return { text, parts };
}

suite("Hearth as a vscode.lm language model provider", () => {
  let api: HearthApiForLmTests;
  let registrations: NonNullable<HearthApiForLmTests["languageModels"]>;

  suiteSetup(async function () {
    // The API arrived in VS Code 1.104; an older host cannot run these tests, and says so.
    if (typeof vscode.lm?.registerLanguageModelChatProvider !== "function") {
      console.log(`      SKIPPED: this VS Code (${vscode.version}) has no vscode.lm.registerLanguageModelChatProvider`);
      this.skip();
    }
    const extension = vscode.extensions.getExtension<HearthApiForLmTests>(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not installed`);
    api = (await extension.activate()) ?? {};
    assert.ok(api.languageModels && api.models, "the extension exposes its language model registration and model controller");
    registrations = api.languageModels;
    const vendors: unknown = extension.packageJSON.contributes?.languageModelChatProviders;
    assert.ok(Array.isArray(vendors) && vendors.some((entry: { vendor?: unknown }) => entry.vendor === VENDOR), "package.json contributes the hearth vendor");
    console.log(`      (VS Code ${vscode.version})`);
  });

  suiteTeardown(async () => {
    await setProvider(undefined);
  });

  test("with the setting off, no Hearth model is listed", async () => {
    await setProvider(false);
    await until("the provider to be unregistered", 10_000, () => (registrations.registered ? undefined : true));
    assert.deepEqual((await hearthModels()).map((model) => model.id), []);
  });

  test("with the setting on, selectChatModels returns Hearth's chat model and sendRequest streams its reply", async function () {
    this.timeout(120_000);
    await setProvider(true);
    await until("the provider to be registered", 10_000, () => (registrations.registered ? true : undefined));
    const info = await api.models?.ensure("chat");
    assert.ok(info, `no chat model loaded (state ${JSON.stringify(api.models?.state("chat"))})`);
    const [model, ...others] = await until("Hearth's model in vscode.lm", 30_000, async () => {
      const models = await hearthModels();
      return models.length > 0 ? models : undefined;
    });
    assert.equal(others.length, 0, "one chat model");
    assert.equal(model.vendor, VENDOR);
    assert.equal(model.id, "hearth-chat");
    assert.match(model.name, /stories260K.*Hearth, local/);
    assert.ok(model.maxInputTokens > 0, "a positive input budget");

    const before = registrations.lastResponse;
    const source = new vscode.CancellationTokenSource();
    const reply = await ask(model, source.token);
    source.dispose();
    assert.equal(reply.error, undefined, `the stream failed: ${String(reply.error)}`);
    assert.ok(reply.text.trim().length > 0, "the streamed reply is empty");
    const outcome = await until("the provider's outcome", 10_000, () => (registrations.lastResponse !== before ? registrations.lastResponse : undefined));
    assert.notEqual(outcome.stopReason, "aborted", "nothing cancelled this reply");
    assert.ok(outcome.generatedTokens > 0);
    console.log(`      (${reply.parts} parts, ${outcome.generatedTokens} tokens, ${outcome.stopReason}: ${JSON.stringify(reply.text.slice(0, 60))})`);
  });

  test("cancelling the request stops the model, which then serves the next request", async function () {
    this.timeout(120_000);
    const [model] = await hearthModels();
    assert.ok(model, "Hearth's model is listed");
    const maxTokens = vscode.workspace.getConfiguration("hearth.chat").get<number>("maxTokens", 512);
    const before = registrations.lastResponse;
    const source = new vscode.CancellationTokenSource();
    // Cancel as soon as the first text arrives: the model is then still generating (a full reply takes hundreds of tokens).
    const reply = await ask(model, source.token, () => source.cancel());
    source.dispose();
    if (reply.error !== undefined) {
      assert.ok(reply.error instanceof vscode.CancellationError || (reply.error instanceof Error && /cancel/i.test(reply.error.message)),
        `the stream failed with something other than a cancellation: ${String(reply.error)}`);
    }
    assert.ok(reply.text.length > 0, "some text arrived before the cancel");
    const outcome = await until("the provider's outcome", 10_000, () => (registrations.lastResponse !== before ? registrations.lastResponse : undefined));
    assert.equal(outcome.stopReason, "aborted", "the engine stopped because of the cancel");
    assert.ok(outcome.generatedTokens < maxTokens, `stopped before the ${maxTokens}-token budget (${outcome.generatedTokens})`);

    const next = new vscode.CancellationTokenSource();
    const again = await ask(model, next.token);
    next.dispose();
    assert.equal(again.error, undefined);
    assert.ok(again.text.trim().length > 0, "the next request streams text");
    console.log(`      (cancelled after ${outcome.generatedTokens} tokens; the next reply streamed ${again.text.length} characters)`);
  });

  test("token counting: more text counts more, a message counts as its text", async () => {
    const [model] = await hearthModels();
    assert.ok(model, "Hearth's model is listed");
    const short = await model.countTokens("Once upon a time");
    const long = await model.countTokens(`${PROMPT} ${PROMPT} ${PROMPT}`);
    assert.ok(Number.isInteger(short) && short > 0, `a positive count for a short text (${short})`);
    assert.ok(long > short, `a longer text counts more (${long} vs ${short})`);
    assert.equal(await model.countTokens(vscode.LanguageModelChatMessage.User("Once upon a time")), short);
    assert.equal(await model.countTokens(""), 0);
  });

  test("turning the setting off removes Hearth's model", async () => {
    await setProvider(false);
    await until("the provider to be unregistered", 10_000, () => (registrations.registered ? undefined : true));
    const models = await until("no Hearth model in vscode.lm", 10_000, async () => {
      const listed = await hearthModels();
      return listed.length === 0 ? listed : undefined;
    });
    assert.deepEqual(models, []);
  });
});
