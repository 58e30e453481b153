import { strict as assert } from "node:assert";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import type { ExtensionToWebviewMessage, WebviewToExtensionMessage } from "../../../src/protocol/webviewProtocol";
import { launchChromium } from "../../webview/chatPage";
import { startHarness, type Harness } from "../../webview/harness";
import { hostilePayloads } from "../../webview/hostilePayloads";

const BUNDLE = join(__dirname, "..", "..", "..", "..", "dist", "webview", "chat.js");
const SCREENSHOTS = join(__dirname, "..", "..", "..", "..", "test-results", "webview");

// What the callbacks passed to page.evaluate use of the page (they run in Chromium; this
// program is compiled without the DOM library, so the little it needs is declared here).
interface PageElement {
  tagName: string;
  textContent: string | null;
  readonly isConnected: boolean;
  readonly clientWidth: number;
  readonly scrollWidth: number;
  getBoundingClientRect(): { width: number; left: number; right: number };
  attributes: ArrayLike<{ name: string }>;
  getAttribute(name: string): string | null;
  dispatchEvent(event: Event): boolean;
  click(): void;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<PageElement>; getElementById(id: string): PageElement | null };
declare const window: { __pwned: number; __posted: WebviewToExtensionMessage[]; __state: unknown; postMessage(message: unknown, target: string): void };
declare function requestAnimationFrame(callback: () => void): number;

/**
 * The chat webview bundle in real Chromium with a fake VS Code host: hostile model output
 * must neither run script nor make a request, and the view must behave (send, stream,
 * code block actions, state). The page has no CSP, so this tests the renderer itself.
 */
describe("chat webview in Chromium", function () {
  this.timeout(60_000);
  let browser: Browser;
  let harness: Harness;
  let page: Page;
  const requests: string[] = [];

  before(async () => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} not found: run npm run build first`);
    harness = await startHarness();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  beforeEach(async () => {
    page = await browser.newPage();
    requests.length = 0;
    page.on("request", (request) => requests.push(request.url()));
    page.on("pageerror", (error) => requests.push(`pageerror: ${error.message}`));
    await page.goto(harness.url);
    await page.waitForFunction(() => window.__posted.some((message) => message.type === "ready"));
  });

  afterEach(async () => {
    await page?.close();
  });

  async function send(...messages: ExtensionToWebviewMessage[]): Promise<void> {
    await page.evaluate((list) => {
      for (const message of list) window.postMessage(message, "*");
    }, messages);
    // Messages arrive as events, and streamed replies render on the next animation frame.
    await page.evaluate(() => new Promise<void>((resolve) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve())), 0)));
  }

  function posted(): Promise<WebviewToExtensionMessage[]> {
    return page.evaluate(() => window.__posted);
  }

  async function screenshotTo(name: string): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  }

  function ownRequests(): string[] {
    return requests.filter((url) => !url.startsWith(`${harness.url}/`));
  }

  it("renders at least 100 hostile payloads without running script or loading anything", async () => {
    const payloads = hostilePayloads(harness.leakUrl);
    assert.ok(payloads.length >= 100, `only ${payloads.length} payloads`);
    // As finished replies (history) …
    await send({ type: "reset", turns: payloads.flatMap((text, index) => [
      { id: `u${index}`, role: "user" as const, text },
      { id: `a${index}`, role: "assistant" as const, text },
    ]) });
    // … and streamed in small chunks, which renders every partial state.
    for (const [index, text] of payloads.entries()) {
      const id = `s${index}`;
      const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
      await send({ type: "replyStart", id, userText: "go" }, ...chunks.map((chunk) => ({ type: "replyChunk" as const, id, text: chunk })));
      await send({ type: "replyEnd", id, stopped: false });
    }
    // Click every link and hover every element: nothing may navigate or run.
    const before = page.url();
    await page.evaluate(() => {
      for (const node of Array.from(document.querySelectorAll("#messages *"))) {
        for (const type of ["mouseover", "mouseenter", "focus", "click"]) node.dispatchEvent(new Event(type, { bubbles: true, cancelable: true }));
      }
      for (const link of Array.from(document.querySelectorAll("#messages a"))) {
        if (typeof link.click === "function") link.click();
      }
    });
    await page.waitForTimeout(500);
    assert.equal(page.url(), before, "a link navigated the page");
    assert.equal(await page.evaluate(() => window.__pwned), 0, "a payload ran script");
    assert.deepEqual(harness.leaks, [], "a payload reached the leak server");
    assert.deepEqual(ownRequests(), [], "the page made requests other than its own resources");
    const report = await page.evaluate(() => {
      const root = document.getElementById("messages");
      const all = Array.from(root?.querySelectorAll("*") ?? []);
      return {
        forbidden: all.filter((node) => /^(script|img|iframe|svg|math|style|link|object|embed|form|input|video|audio|source|picture|meta|base|template|noscript|details|marquee)$/i.test(node.tagName)).map((node) => node.tagName),
        handlers: all.flatMap((node) => Array.from(node.attributes).filter((attr) => /^on/i.test(attr.name) || attr.name === "style" || attr.name === "srcdoc").map((attr) => `${node.tagName}[${attr.name}]`)),
        hrefs: Array.from(root?.querySelectorAll("[href]") ?? []).map((node) => node.getAttribute("href") ?? ""),
        replies: root?.querySelectorAll(".message.assistant").length ?? 0,
      };
    });
    assert.deepEqual(report.forbidden, [], "forbidden elements in the rendered replies");
    assert.deepEqual(report.handlers, [], "event handler or style attributes in the rendered replies");
    assert.deepEqual(report.hrefs.filter((href) => !/^(https?:|mailto:)/i.test(href)), [], "links other than http(s)/mailto");
    assert.equal(report.replies, payloads.length * 2);
    // The only messages the clicks may produce are openLink for http(s) links.
    const links = (await posted()).filter((message) => message.type === "openLink");
    for (const message of links) assert.match(message.type === "openLink" ? message.url : "", /^https?:/);
  });

  it("sends with Enter, keeps Shift+Enter as a new line, recalls the last message with Up, and remembers the draft", async () => {
    const prompt = page.locator("textarea#prompt");
    await prompt.click();
    await page.keyboard.type("first line");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("second line");
    assert.equal(await prompt.inputValue(), "first line\nsecond line");
    assert.equal(await page.evaluate(() => (window.__state as { draft?: string } | undefined)?.draft), "first line\nsecond line");
    await page.keyboard.press("Enter");
    assert.deepEqual((await posted()).filter((message) => message.type === "send"), [{ type: "send", text: "first line\nsecond line" }]);
    assert.equal(await prompt.inputValue(), "");
    await page.keyboard.press("ArrowUp");
    assert.equal(await prompt.inputValue(), "first line\nsecond line");
    await prompt.fill("");
    await page.keyboard.type("look at @");
    assert.ok((await posted()).some((message) => message.type === "pickContext"), "@ after a space opens the context picker");
  });

  it("streams markdown into the last reply, highlights code, and posts code block actions", async () => {
    await send({ type: "modelState", state: { kind: "ready", name: "stories260K" } });
    assert.equal(await page.locator("#model-name").textContent(), "stories260K");
    await send({ type: "replyStart", id: "r1", userText: "write code", userId: "u1" });
    assert.match((await page.locator(".message.assistant").last().getAttribute("class")) ?? "", /streaming/);
    assert.equal(await page.locator("#stop").isVisible(), true);
    const reply = "Here:\n\n```ts\nfunction add(a: number, b: number) {\n  return a + b;\n}\n```\n\nDone **now**.";
    for (const chunk of reply.match(/[\s\S]{1,5}/g) ?? []) await send({ type: "replyChunk", id: "r1", text: chunk });
    await send({ type: "replyEnd", id: "r1", stopped: false, notes: ["src/math.ts: kept lines 1-40 of 1-90 to fit the model's 2048-token context."] });
    const last = page.locator(".message.assistant").last();
    assert.match((await last.getAttribute("class")) ?? "", /\bdone\b/);
    assert.equal(await last.locator("strong").textContent(), "now");
    assert.ok((await last.locator(".hljs-keyword").count()) > 0, "code is highlighted");
    assert.match((await last.locator(".note").textContent()) ?? "", /kept lines 1-40/);
    for (const [label, action] of [["Copy", "copy"], ["Insert at Cursor", "insert"], ["Replace Selection", "replace"], ["Open in New File", "newFile"]] as const) {
      await last.getByRole("button", { name: label, exact: true }).click();
      const message = (await posted()).filter((m) => m.type === "codeAction").pop();
      assert.deepEqual(message && message.type === "codeAction" ? [message.action, message.code, message.language] : undefined,
        [action, "function add(a: number, b: number) {\n  return a + b;\n}\n", "ts"]);
      await send({ type: "response", requestId: message?.type === "codeAction" ? message.requestId : -1, ok: true, message: `${label} done` });
      assert.equal(await last.locator(".code-feedback").first().textContent(), `${label} done`);
    }
    await last.getByRole("button", { name: "Regenerate" }).click();
    await last.getByRole("button", { name: "Show Prompt" }).click();
    await page.locator(".message.user").last().getByRole("button", { name: "Edit and resend" }).click();
    assert.equal(await page.locator("textarea#prompt").inputValue(), "write code");
    await page.keyboard.type(" please");
    await page.keyboard.press("Enter");
    const kinds = (await posted()).map((message) => message.type);
    assert.ok(kinds.includes("regenerate") && kinds.includes("showPrompt") && kinds.includes("editLast"), kinds.join(","));
    assert.deepEqual((await posted()).filter((message) => message.type === "editLast"), [{ type: "editLast", text: "write code please" }]);
    assert.equal(await page.locator("#announcer").textContent(), "Hearth replied: Here:\n\n```ts\nfunction add(a: number, b: number) {\n  return a + b;\n}\n```\n\nDone **now**.");
  });

  it("keeps the scroll position while streaming unless the view is at the bottom", async () => {
    await page.setViewportSize({ width: 400, height: 400 });
    await send({ type: "reset", turns: Array.from({ length: 30 }, (_, index) => ({ id: `t${index}`, role: index % 2 ? "assistant" as const : "user" as const, text: `message ${index}\n\nmore text` })) });
    await send({ type: "replyStart", id: "r", userText: "q" });
    await page.evaluate(() => {
      const messages = document.getElementById("messages");
      if (messages) messages.scrollTop = 100;
    });
    for (let i = 0; i < 20; i++) await send({ type: "replyChunk", id: "r", text: `line ${i}\n\n` });
    assert.equal(await page.evaluate(() => document.getElementById("messages")?.scrollTop), 100);
    await page.evaluate(() => {
      const messages = document.getElementById("messages");
      if (messages) messages.scrollTop = messages.scrollHeight;
    });
    for (let i = 0; i < 20; i++) await send({ type: "replyChunk", id: "r", text: `more ${i}\n\n` });
    const atBottom = await page.evaluate(() => {
      const messages = document.getElementById("messages");
      return messages ? messages.scrollHeight - messages.scrollTop - messages.clientHeight : -1;
    });
    assert.ok(atBottom >= 0 && atBottom < 24, `follows the end (${atBottom}px from the bottom)`);
  });

  it("shows nothing more of a reply after Stop, and tells the extension how much was shown", async () => {
    await send({ type: "replyStart", id: "r1", userText: "Tell a story", userId: "u1" });
    await send(...["Once ", "upon ", "a time"].map((text) => ({ type: "replyChunk" as const, id: "r1", text })));
    const reply = page.locator(".message.assistant").last();
    const before = await reply.locator(".content").textContent();
    await page.locator("#stop").click();
    // Chunks already on their way when Stop was pressed.
    await send({ type: "replyChunk", id: "r1", text: ", there was" }, { type: "replyChunk", id: "r1", text: " a girl" });
    assert.equal(await reply.locator(".content").textContent(), before, "the reply grew after Stop");
    const stop = (await posted()).filter((message) => message.type === "stop");
    assert.deepEqual(stop, [{ type: "stop", replyId: "r1", shown: "Once upon a time".length }]);
    await send({ type: "replyEnd", id: "r1", stopped: true });
    assert.equal(await reply.locator(".content").textContent(), before, "the stopped reply changed");
    assert.match((await reply.getAttribute("class")) ?? "", /\bstopped\b/);
    assert.equal(await page.locator("#stop").isVisible(), false);

    // Escape stops too; when the reply had ended anyway, what was held back is shown after all.
    await send({ type: "replyStart", id: "r2", userText: "Again", userId: "u2" }, { type: "replyChunk", id: "r2", text: "The end" });
    await page.locator("textarea#prompt").press("Escape");
    await send({ type: "replyChunk", id: "r2", text: " came." }, { type: "replyEnd", id: "r2", stopped: false });
    assert.equal((await page.locator(".message.assistant").last().locator(".content").textContent())?.trim(), "The end came.");
    assert.deepEqual((await posted()).filter((message) => message.type === "stop").pop(), { type: "stop", replyId: "r2", shown: 7 });
  });

  it("says a reply reached hearth.chat.maxTokens and continues it in the same message", async () => {
    const note = "The reply reached the limit of 64 tokens (hearth.chat.maxTokens) and may be unfinished: Continue asks the model for more.";
    await send({ type: "reset", turns: [
      { id: "u0", role: "user", text: "Earlier" }, { id: "a0", role: "assistant", text: "Cut too", notes: [note], continuable: true },
      { id: "u1", role: "user", text: "Explain" },
    ] });
    await send({ type: "replyStart", id: "r1" }, { type: "replyChunk", id: "r1", text: "It is short.\n\nThe function\nadds" });
    await send({ type: "replyEnd", id: "r1", stopped: false, notes: [note], continuable: true });
    const replies = page.locator(".message.assistant");
    assert.equal(await replies.first().getByRole("button", { name: "Continue the reply" }).isVisible(), false, "only the last reply offers Continue");
    const last = replies.last();
    assert.match((await last.locator(".note").textContent()) ?? "", /limit of 64 tokens \(hearth\.chat\.maxTokens\)/);
    await page.evaluate(() => {
      const first = document.querySelectorAll(".message.assistant:last-of-type .content p")[0];
      if (first) (window as unknown as { __firstParagraph: PageElement }).__firstParagraph = first;
    });
    await last.getByRole("button", { name: "Continue the reply" }).click();
    assert.deepEqual((await posted()).filter((message) => message.type === "continue"), [{ type: "continue", id: "r1" }]);
    await send({ type: "replyContinue", id: "r1" });
    assert.match((await last.getAttribute("class")) ?? "", /streaming/);
    assert.equal(await last.locator(".note").count(), 0, "the limit note stays while the reply goes on");
    assert.equal(await page.locator("#stop").isVisible(), true);
    await send({ type: "replyChunk", id: "r1", text: " two numbers." }, { type: "replyEnd", id: "r1", stopped: false });
    assert.equal(await replies.count(), 2, "Continue made a new message");
    assert.deepEqual(await last.locator(".content p").allTextContents(), ["It is short.", "The function\nadds two numbers."], "the continued sentence is one paragraph");
    assert.equal(await page.evaluate(() => (window as unknown as { __firstParagraph?: { isConnected: boolean } }).__firstParagraph?.isConnected), true,
      "the finished paragraph was rendered again");
    assert.equal(await last.getByRole("button", { name: "Continue the reply" }).count(), 0);
  });

  it("welcomes an empty chat: what it does, @, the model, and that nothing leaves the machine", async () => {
    await send({ type: "modelState", state: { kind: "ready", name: "qwen2.5-coder-1.5b" } }, { type: "reset", turns: [] });
    const welcome = page.locator("#welcome");
    assert.equal(await welcome.isVisible(), true);
    const text = (await welcome.textContent()) ?? "";
    for (const expected of [/Ask Hearth About Selection/, /Type @ to attach workspace files and symbols/, /qwen2\.5-coder-1\.5b, running on this machine/, /nothing you type or attach leaves your computer/]) {
      assert.match(text, expected);
    }
    await welcome.getByRole("button", { name: "@" }).click();
    await welcome.getByRole("button", { name: "qwen2.5-coder-1.5b" }).click();
    assert.deepEqual((await posted()).filter((message) => message.type !== "ready"), [{ type: "pickContext" }, { type: "selectModel" }]);
    await send({ type: "replyStart", id: "r", userText: "hi" });
    assert.equal(await welcome.isVisible(), false, "the welcome stays above a conversation");
    await send({ type: "reset", turns: [] });
    assert.equal(await welcome.isVisible(), true, "New Chat shows it again");
    await send({ type: "modelState", state: { kind: "none" } });
    assert.equal(await page.locator("#no-model").isVisible(), true);
    assert.equal(await welcome.getByText("running on this machine").isVisible(), false, "no model line without a model: the notice above says what to do");
  });

  it("keeps history titles readable in a narrow view: the date does not squeeze them", async () => {
    await page.setViewportSize({ width: 260, height: 500 });
    const now = Date.now();
    const titles = ["Why does the cache miss after a model switch?", "Explain add", "Refactor the parser into small functions"];
    await send({ type: "conversations", activeId: "c0", items: titles.map((title, index) => ({ id: `c${index}`, title, updatedAt: now - index * 3 * 86_400_000 - 5 * 60_000, messages: 2 + index * 2 })) });
    await page.locator("#history-button").click();
    const rows = await page.evaluate(() => Array.from(document.querySelectorAll(".history-item")).map((row) => {
      const open = row.querySelectorAll(".history-open")[0];
      const title = row.querySelectorAll(".history-title")[0];
      const when = row.querySelectorAll(".history-when")[0];
      return {
        open: open?.getBoundingClientRect().width ?? 0,
        title: title?.getBoundingClientRect().width ?? 0,
        titleText: title?.textContent ?? "",
        clipped: (title?.scrollWidth ?? 0) > (title?.clientWidth ?? 0),
        when: when?.textContent ?? "",
      };
    }));
    await screenshotTo("chat-history-narrow");
    assert.equal(rows.length, 3);
    for (const row of rows) {
      // The title may be cut with an ellipsis, but only by the row's own width.
      assert.ok(row.title >= row.open - 16, `"${row.titleText}" gets ${Math.round(row.title)} of ${Math.round(row.open)} px`);
      assert.match(row.when, /messages$/);
    }
    assert.equal(rows[1]?.clipped, false, "a short title is shown whole");
    assert.match(rows[0]?.when ?? "", /^5 minutes ago · 2 messages$/);
  });

  it("shows context chips, past conversations and the no-model notice", async () => {
    await send(
      { type: "modelState", state: { kind: "none" } },
      { type: "context", chips: [{ id: "auto", kind: "selection", label: "math.ts:3-10", detail: "src/math.ts", auto: true }] },
      { type: "conversations", activeId: "c2", items: [
        { id: "c1", title: "Explain add", updatedAt: Date.now() - 1000, messages: 2 },
        { id: "c2", title: "Current", updatedAt: Date.now(), messages: 4 },
      ] },
    );
    assert.equal(await page.locator("#no-model").isVisible(), true);
    await page.locator("#select-model").click();
    await page.getByRole("button", { name: "Remove math.ts:3-10 from the context" }).click();
    await page.locator("#history-button").click();
    assert.equal(await page.locator("#history-button").getAttribute("aria-expanded"), "true");
    await page.locator(".history-item", { hasText: "Explain add" }).locator(".history-open").click();
    await page.locator("#history-button").click();
    await page.getByRole("button", { name: "Delete \"Current\"" }).click();
    const messages = (await posted()).filter((message) => message.type !== "ready");
    assert.deepEqual(messages, [
      { type: "selectModel" },
      { type: "removeContext", id: "auto" },
      { type: "openConversation", id: "c1" },
      { type: "deleteConversation", id: "c2" },
    ]);
    assert.deepEqual(ownRequests(), []);
  });
});
