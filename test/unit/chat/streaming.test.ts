import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { MAX_REPLY_CHARS } from "../../../src/protocol/webviewProtocol";
import { Prng } from "../../support/models/prng";
import { ChatPage, launchChromium, type StepFigure } from "../../webview/chatPage";
import { startHarness, type Harness } from "../../webview/harness";
import { chunksOf, codeBlockReply, markdownReply } from "../../webview/replyText";

const BUNDLE = join(__dirname, "..", "..", "..", "..", "dist", "webview", "chat.js");
/** One frame at 60 Hz: the view's work for a streamed chunk must fit in it. */
const FRAME_MS = 1000 / 60;
/**
 * No callback may block the view for long (the old view took 27 s on a 10 MB reply). Generous:
 * this machine is shared, and a descheduled process stretches any callback.
 */
const BLOCKED_MS = 2000;
/**
 * Nodes the view may add or remove per frame of streamed chunks, however long the reply:
 * the open block and the blocks just finished (the old view rebuilt every block each frame).
 */
const NODES_PER_FRAME = 200;

// What the callbacks passed to page.evaluate use of the page (they run in Chromium).
interface PageNode {
  readonly isConnected: boolean;
  readonly textContent: string | null;
  readonly innerHTML: string;
  readonly className: string;
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
}
declare const document: { querySelector(selector: string): PageNode | null; querySelectorAll(selector: string): ArrayLike<PageNode> };
declare const window: { __firstBlock?: PageNode; __posted: { type: string; code?: string }[] };

function percentileOf(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function describeSteps(steps: readonly StepFigure[]): string {
  const times = steps.map((step) => step.ms);
  return `median ${percentileOf(times, 50).toFixed(2)} ms, p95 ${percentileOf(times, 95).toFixed(2)} ms, max ${Math.max(...times).toFixed(1)} ms over ${steps.length} frames; ` +
    `nodes per frame median ${percentileOf(steps.map((step) => step.nodes), 50)}, max ${Math.max(...steps.map((step) => step.nodes))}`;
}

/** The view's work per frame of chunks: a frame's time typically, and a bounded number of nodes always. */
function assertWithinBudget(steps: readonly StepFigure[], what: string): void {
  const figures = describeSteps(steps);
  console.log(`      ${what}: ${figures}`);
  assert.ok(percentileOf(steps.map((step) => step.ms), 50) < FRAME_MS, `${what}: the view's work per frame of chunks exceeds a frame: ${figures}`);
  const heaviest = steps.reduce((top, step) => (step.nodes > top.nodes ? step : top));
  assert.ok(heaviest.nodes <= NODES_PER_FRAME, `${what}: ${heaviest.nodes} nodes rebuilt in one frame at ${heaviest.length} characters: ${figures}`);
}

/** Tricky markdown for the incremental renderer: blocks that change meaning as lines arrive. */
const TRICKY = [
  "Title\n===\n\npara\n---\n\n- a\n- b\n\n- c loose\n\npara after\n\n1. one\n\n2. two\n10. ten\n\nText\n2. not a list\n",
  "```ts\nconst a = 1;\n```\nafter the fence\n\n````md\n```\ninner\n```\n````\n\n~~~\ntilde\n~~~~\n\n  ```\n  indented fence\n    more\n  ```\n",
  "A [link][ref] before its definition, and [another][later].\n\n[ref]: https://example.org/ref \"Ref\"\n\nSome text.\n\n[later]: https://example.org/later\n",
  "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\nnot a row?\n\n> quote\nlazy line\n> - list in quote\n\n***\n\n* star\n* list\n\n*emphasis*\n",
  "Unclosed **bold and `code\n\n# Heading\n\n```python\ndef f():\n    return 1\n",
  "- item\n\n      indented code in item\n\n  continuation\n\n    code block\n\nend\r\nwith crlf\r\nlines\r\n\r\nand\0nul\n",
  "1. Install:\n   ```bash\n   npm i\n   ```\n2. Run:\n   ```bash\n   npm start\n   ```\n\nDone.",
  // Code blocks long enough to stream as appended text, closed and followed by more, and left open.
  `\`\`\`js\n${Array.from({ length: 160 }, (_, line) => `const v${line} = f(${line}); // \`\`  ~~~`).join("\n")}\n\`\`\`\nafter the long block\n`,
  `intro\n\n~~~~python\n${Array.from({ length: 160 }, (_, line) => `x${line} = "~~~ \`\`\`" * ${line}`).join("\n")}\n~~~\nstill code`,
];

describe("chat webview: long replies in Chromium", function () {
  this.timeout(300_000);
  let browser: Browser;
  let harness: Harness;
  let chat: ChatPage;

  before(async () => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} not found: run npm run build first`);
    harness = await startHarness({ instrument: true });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  beforeEach(async () => {
    // Each frame's work is what it would be at the display's pace; the test just does not wait 16 ms between frames.
    chat = await ChatPage.open(browser, harness, { fastFrames: true });
  });

  afterEach(async () => {
    await chat?.close();
  });

  /** The rendered reply's HTML once idle. */
  async function replyHtml(id: string): Promise<string> {
    return chat.page.evaluate((turnId) => document.querySelector(`.message.assistant[data-turn-id="${turnId}"] .content`)?.innerHTML ?? "", id);
  }

  it("renders a reply streamed in arbitrary chunks exactly as the same text rendered at once", async () => {
    const random = new Prng("chunks");
    const documents = [...TRICKY, ...Array.from({ length: 4 }, (_, index) => markdownReply(3000 + index * 1000, `small-${index}`))];
    for (const [index, text] of documents.entries()) {
      // Rendered at once: a finished reply shorter than one update.
      await chat.send({ type: "reset", turns: [{ id: "u", role: "user", text: "q" }, { id: `whole${index}`, role: "assistant", text }] });
      const whole = await replyHtml(`whole${index}`);
      assert.ok(whole.length > 0);
      for (let run = 0; run < (index < TRICKY.length ? 3 : 1); run++) {
        const id = `s${index}-${run}`;
        const chunks: string[] = [];
        for (let at = 0; at < text.length;) {
          // The first run in small pieces (a few hundred frames a document), the others in larger ones.
          const size = 1 + Math.floor(random.next() * (run === 0 ? Math.max(6, Math.floor(text.length / 300)) : 60));
          chunks.push(text.slice(at, at + size));
          at += size;
        }
        await chat.send({ type: "replyStart", id, userText: "q" });
        await chat.stream(id, chunks, 1 + Math.floor(random.next() * 3));
        await chat.send({ type: "replyEnd", id, stopped: false });
        assert.equal(await replyHtml(id), whole, `document ${index}, run ${run}: the streamed reply differs from the whole one`);
      }
    }
  });

  it("streams a 1 MB markdown reply within a frame per chunk, rendering finished blocks once", async () => {
    const text = markdownReply(1024 * 1024, "stream-1mb");
    const chunks = chunksOf(text, 64);
    await chat.send({ type: "replyStart", id: "r", userText: "write a lot" });
    // The first part, then keep hold of the reply's first block: it must never be rendered again.
    const head = await chat.stream("r", chunks.slice(0, 400), 16);
    await chat.page.evaluate(() => {
      const first = document.querySelector(".message.assistant .content > *");
      if (first) window.__firstBlock = first;
    });
    const rest = await chat.stream("r", chunks.slice(400), 16);
    await chat.send({ type: "replyEnd", id: "r", stopped: false });
    assertWithinBudget([...head, ...rest], "1 MB markdown streamed");
    const result = await chat.page.evaluate(() => ({
      kept: window.__firstBlock?.isConnected === true,
      text: document.querySelector(".message.assistant .content")?.textContent?.length ?? 0,
      blocks: document.querySelectorAll(".message.assistant .content > *").length,
    }));
    assert.ok(result.kept, "the reply's first block was rendered again while later text streamed");
    assert.ok(result.blocks > 1000, `${result.blocks} blocks`);
  });

  it("streams a 1 MB code block within a frame per chunk; Copy gives all of it", async () => {
    const text = codeBlockReply(1024 * 1024);
    await chat.send({ type: "replyStart", id: "r", userText: "the whole file" });
    assertWithinBudget(await chat.stream("r", chunksOf(text, 64), 16), "1 MB code block streamed");
    await chat.send({ type: "replyEnd", id: "r", stopped: false });
    const code = text.slice(text.indexOf("```ts\n") + "```ts\n".length);
    const shown = await chat.page.evaluate(() => document.querySelector(".message.assistant .code-block pre code")?.textContent ?? "");
    assert.equal(shown.length, code.length);
    assert.ok(shown === code, "the code block does not show the code");
    await chat.page.locator(".message.assistant .code-block").getByRole("button", { name: "Copy", exact: true }).click();
    const copied = await chat.page.evaluate(() => window.__posted.filter((message) => message.type === "codeAction").pop()?.code ?? "");
    assert.ok(copied === code, `Copy posted ${copied.length} of ${code.length} characters`);
  });

  it("opens a 10 MB reply from history without blocking the view, showing the first 2,000,000 characters and saying so", async () => {
    for (const [shape, text] of [["markdown", markdownReply(10 * 1024 * 1024, "history-10mb")], ["code block", codeBlockReply(10 * 1024 * 1024)]] as const) {
      await chat.resetFigures();
      await chat.send({ type: "reset", turns: [{ id: "u", role: "user", text: "q" }, { id: "a", role: "assistant", text }] });
      const { longestMs } = await chat.figures();
      console.log(`      10 MB ${shape} from history: longest callback ${longestMs.toFixed(1)} ms`);
      assert.ok(longestMs < BLOCKED_MS, `${shape}: the view was blocked for ${Math.round(longestMs)} ms`);
      const shown = await chat.page.evaluate(() => ({
        length: document.querySelector(".message.assistant .content")?.textContent?.length ?? 0,
        note: document.querySelector(".message.assistant .note.truncated")?.textContent ?? "",
      }));
      assert.match(shown.note, /first 2,000,000 characters/);
      assert.ok(shown.length > MAX_REPLY_CHARS * 0.8 && shown.length <= MAX_REPLY_CHARS, `${shape}: ${shown.length} characters shown`);
    }
  });
});
