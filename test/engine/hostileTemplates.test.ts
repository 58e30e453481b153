import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineClient } from "../../src/core/engine/engineClient";
import type { ChatTurn } from "../../src/protocol/engineProtocol";
import { hostileTemplates, writeWithChatTemplate } from "../support/gguf/hostileCases";
import { sharedModelPath } from "../support/models/paths";
import { startEngine, testLoadSettings } from "./engineHarness";
import { residentBytes } from "./processTable";

/** Asks the engine for its status every 50 ms and keeps the slowest answer: its main thread must stay free. */
class StatusProbe {
  slowestMs = 0;
  answers = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(engine: EngineClient) {
    this.loop = (async () => {
      while (this.running) {
        const started = performance.now();
        await engine.request("status", {});
        this.slowestMs = Math.max(this.slowestMs, performance.now() - started);
        this.answers += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Before: the engine ran templates on its main thread: a loop froze it (no status, no completion) for minutes or for good. */
describe("hostile chat templates (real engine: the engine keeps answering, the chat falls back to a built-in format)", function () {
  this.timeout(120_000);
  let engine: EngineClient;
  let stories: string;
  let scratch: string;

  before(async () => {
    stories = sharedModelPath("stories260K.gguf");
    scratch = await mkdtemp(join(tmpdir(), "hearth-templates-"));
    // A shorter deadline for choosing the wrapper keeps the endless-loop case short (30 s by default).
    engine = startEngine({ env: { ...process.env, HEARTH_TEMPLATE_RESOLVE_MS: "4000" } });
    await engine.request("loadModel", { role: "completion", modelPath: stories, settings: testLoadSettings });
  });

  after(async () => {
    await engine?.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  it("a well-behaved template is still used as it is", async () => {
    const path = await writeWithChatTemplate(scratch, stories, "template-good", "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}</s>{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}");
    const info = await engine.request("loadModel", { role: "chat", modelPath: path, settings: testLoadSettings });
    assert.equal(info.chatWrapperType, "JinjaTemplateChatWrapper");
    assert.equal(info.chatTemplateWarning, undefined);
    const reply = await engine.request("chat", { conversationId: "good", history: [], message: "Tell me a story.", maxTokens: 8, temperature: 0 });
    assert.ok(reply.stats.generatedTokens > 0);
  });

  for (const hostile of hostileTemplates) {
    it(`${hostile.name}: ${hostile.what}`, async () => {
      const path = await writeWithChatTemplate(scratch, stories, hostile.name, hostile.template);
      const pid = engine.pid;
      const probe = new StatusProbe(engine);
      const rssBefore = pid === undefined ? undefined : residentBytes(pid);
      let rssPeak = rssBefore ?? 0;
      const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, (pid === undefined ? 0 : residentBytes(pid)) ?? 0); }, 100);
      try {
        const loadStarted = performance.now();
        const info = await engine.request("loadModel", { role: "chat", modelPath: path, settings: testLoadSettings });
        const loadMs = performance.now() - loadStarted;
        const history: ChatTurn[] = [];
        let warnedAt: number | undefined;
        for (let turn = 0; turn <= hostile.turnsBeforeTrouble; turn++) {
          const message = `Tell me story number ${turn}.`;
          const reply = await engine.request("chat", { conversationId: hostile.name, history, message, maxTokens: 6, temperature: 0 });
          assert.ok(reply.stats.generatedTokens > 0, `turn ${turn} got a reply`);
          history.push({ role: "user", text: message }, { role: "assistant", text: reply.text });
          const status = await engine.request("status", {});
          const chat = status.models.find((model) => model.role === "chat");
          if (warnedAt === undefined && chat?.chatTemplateWarning) {
            warnedAt = turn;
            assert.match(chat.chatTemplateWarning, hostile.warning);
            assert.match(chat.chatTemplateWarning, new RegExp(`^${hostile.name}: its chat template .*the chat uses the built-in \\w+ format instead`));
            assert.notEqual(chat.chatWrapperType, "JinjaTemplateChatWrapper");
          }
        }
        if (hostile.turnsBeforeTrouble === 0) {
          assert.match(info.chatTemplateWarning ?? "", hostile.warning, "dropped when the model loads");
        } else {
          assert.equal(info.chatTemplateWarning, undefined, "the template passed its checks at load");
          assert.equal(warnedAt, hostile.turnsBeforeTrouble, "dropped at the turn where it stopped working");
        }
        await probe.stop();
        // The engine answered throughout; before, status waited for the whole render (50 s to minutes).
        assert.ok(probe.slowestMs < 1500, `slowest status answer ${Math.round(probe.slowestMs)} ms`);
        assert.equal(engine.pid, pid, "the same engine process");
        console.log(`      load ${Math.round(loadMs)} ms, ${probe.answers} status answers (slowest ${Math.round(probe.slowestMs)} ms), engine RSS ${mb(rssBefore)} -> peak ${mb(rssPeak)} MB`);
      } finally {
        clearInterval(sampler);
        await probe.stop();
      }
    });
  }
});

function mb(bytes: number | undefined): string {
  return bytes === undefined ? "?" : (bytes / 1024 / 1024).toFixed(0);
}
