// E2E steps for the sidebar chat in the real workbench: the welcome of an empty chat, Ask About
// Selection with the prompt inspector, Stop (nothing added afterwards, in the view or the
// history), a reply cut by hearth.chat.maxTokens and continued, the @ picker (README.md and
// package.json, nothing ignored), a second conversation and readable history titles, history
// across a window reload, Insert at Cursor from a reply's code block (one undo), switching the
// chat model from the view, and a torn history file (moved aside, a warning, the view still chats).
// stories260K never writes a code block, so the Insert step opens a conversation that this
// file adds to the saved history before the reload (a fixture, clearly labelled as such).
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findFiles } from "./hearthLog.mjs";
import { hearthPageText } from "./hearthPage.mjs";

/** The chat history file under the user data folder (globalStorage/hearth.hearth/chat/). */
function historyFile(userDataDir) {
  return findFiles(path.join(userDataDir, "User", "globalStorage"), /^chat-history\.json$/)[0];
}

const FIXTURE_TITLE = "Fixture: a reply with a code block";
const FIXTURE_CODE = "export function double(value: number): number {\n  return value * 2;\n}";

function fixtureConversation() {
  const now = Date.now() - 60_000;
  return {
    id: "e2e-fixture-code-block",
    title: FIXTURE_TITLE,
    createdAt: now,
    updatedAt: now,
    systemPrompt: "You are Hearth.",
    turns: [
      { id: "e2e-fixture-user", role: "user", text: "Write a function that doubles a number.", at: now },
      { id: "e2e-fixture-reply", role: "assistant", text: `Here it is:\n\n\`\`\`ts\n${FIXTURE_CODE}\n\`\`\`\n`, at: now, model: "fixture" },
    ],
  };
}

/** The saved reply texts of the conversation holding `question` (the history file as Hearth wrote it). */
function savedReplies(userDataDir, question) {
  const file = historyFile(userDataDir);
  if (!file) return [];
  const history = JSON.parse(readFileSync(file, "utf8"));
  const conversation = history.conversations.find((c) => c.turns.some((t) => t.text === question));
  return conversation ? conversation.turns.filter((t) => t.role === "assistant") : [];
}

/** Whitespace-insensitive text, to compare a reply's markdown with what the view shows of it. */
const words = (text) => text.replace(/[\s*_`#>]+/g, " ").trim();

/**
 * Changes one setting in the test's settings files, User and Machine (code-server is a remote
 * window: its remote settings apply over the user's); the workbench picks the change up.
 * Returns a function that restores them.
 */
function setUserSetting(userDataDir, key, value) {
  const restores = ["User", "Machine"].map((scope) => {
    const file = path.join(userDataDir, scope, "settings.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    const had = Object.prototype.hasOwnProperty.call(settings, key);
    const before = settings[key];
    settings[key] = value;
    writeFileSync(file, JSON.stringify(settings, null, 2));
    return () => {
      const now = JSON.parse(readFileSync(file, "utf8"));
      if (had) now[key] = before;
      else delete now[key];
      writeFileSync(file, JSON.stringify(now, null, 2));
    };
  });
  return () => restores.forEach((restore) => restore());
}

export async function chatSteps({ page, step, log, screenshot, assert, runPaletteCommand, openQuickInput, quickOpen, waitForStatus, chatFrame, dismissNotifications, userDataDir, workspace, norm }) {
  // The text of the editor in the active editor group (what Monaco renders of it).
  const editorText = async () => norm((await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().innerText()).replace(/\u200b/g, ""));

  async function openChat() {
    await runPaletteCommand("Hearth: Focus on Chat View");
    return chatFrame(30_000);
  }

  async function showHistory(frame) {
    const button = frame.locator("#history-button");
    if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
    await frame.locator("#history-panel").waitFor({ state: "visible", timeout: 5_000 });
  }

  /** Waits for the last reply to end; returns its class and text. */
  async function waitForReply(frame, timeoutMs = 90_000) {
    const reply = frame.locator("#messages .message.assistant").last();
    await reply.waitFor({ state: "attached", timeout: 30_000 });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const cls = (await reply.getAttribute("class")) ?? "";
      if (/\bdone\b/.test(cls)) return { reply, cls, text: ((await reply.locator(".content").innerText()) ?? "").trim() };
      await page.waitForTimeout(100);
    }
    throw new Error(`the reply did not end within ${timeoutMs / 1000} s`);
  }

  async function openMathTs() {
    await quickOpen("math.ts");
    await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click();
  }

  async function goToLine(line) {
    const input = await openQuickInput("Control+G", `:${line}`);
    await page.keyboard.press("Enter");
    await input.waitFor({ state: "hidden" });
    await page.keyboard.press("Home");
    await page.keyboard.press("Home"); // to column 1 even on an indented line
  }

  let firstQuestion;

  await step("chat: an empty chat welcomes: what it does, @, the model, nothing leaves the machine", async () => {
    await page.keyboard.press("Escape");
    const frame = await openChat();
    await frame.locator("#new-chat").click();
    const welcome = frame.locator("#welcome");
    await welcome.waitFor({ state: "visible", timeout: 10_000 });
    const text = norm(await welcome.innerText());
    await screenshot("chat-welcome");
    for (const expected of [/Ask Hearth About Selection/, /Type @ to attach workspace files and symbols/, /running on this machine/, /nothing you type or attach leaves your computer/]) {
      assert(expected.test(text), `the welcome lacks ${expected}: ${JSON.stringify(text)}`);
    }
    const model = norm((await frame.locator("#model-name").innerText()).trim());
    assert(text.includes(`Answers come from ${model}`), `the welcome does not name the chat model ${JSON.stringify(model)}: ${JSON.stringify(text)}`);
    return `model ${JSON.stringify(model)}`;
  });

  await step("chat: ask about a selected function, see what was sent", async () => {
    await page.keyboard.press("Escape");
    await dismissNotifications();
    await openMathTs();
    await goToLine(3);
    for (let i = 0; i < 3; i++) await page.keyboard.press("Shift+ArrowDown");
    // A conversation of its own, so that the history list shows it under this question.
    await (await openChat()).locator("#new-chat").click();
    await page.locator(".tabs-container .tab").filter({ hasText: "math.ts" }).first().click();
    await runPaletteCommand("Hearth: Ask About Selection");
    const frame = await chatFrame(30_000);
    const chip = frame.locator("#chips .chip:not(.auto)").filter({ hasText: "math.ts:3-5" });
    await chip.waitFor({ state: "visible", timeout: 10_000 });
    const prompt = frame.locator("textarea#prompt");
    firstQuestion = `What does this function do? (${Date.now()})`;
    await prompt.fill(firstQuestion);
    await screenshot("chat-ask-about-selection");
    await prompt.press("Enter");
    const { text } = await waitForReply(frame);
    const user = frame.locator("#messages .message.user").last();
    assert((await user.locator(".message-context").innerText()).includes("math.ts:3-5"), "the sent message does not show the attached selection");
    assert(text.length > 0, "empty reply");
    // The prompt inspector: the exact message sent, with the selected function in it.
    await frame.locator("#messages .message.assistant").last().getByRole("button", { name: "Show Prompt" }).click();
    // A rendered page in Hearth's page tab.
    await page.locator(".tabs-container .tab.active").filter({ hasText: "Chat Prompt" }).waitFor({ state: "visible", timeout: 15_000 });
    const shown = await hearthPageText(page, "Selected code from src/math.ts", 15_000);
    await screenshot("chat-show-prompt");
    assert(/Selected code from src\/math\.ts \(lines 3-5\)/.test(shown) && /export function add\(a: number, b: number\): number \{/.test(shown),
      `the prompt document does not show the selected function; visible: ${JSON.stringify(shown.slice(-400))}`);
    await page.keyboard.press("Control+W");
    return `reply ${JSON.stringify(text.slice(0, 60))}`;
  });

  await step("chat: stop a reply midway; nothing is added afterwards, in the view or the history", async () => {
    const frame = await openChat();
    const prompt = frame.locator("textarea#prompt");
    const before = await frame.locator("#messages .message.assistant").count();
    const question = `Once upon a time, there was a little girl named Lily. She (${Date.now()})`;
    await prompt.fill(question);
    await prompt.press("Enter");
    const reply = frame.locator("#messages .message.assistant").nth(before);
    await reply.waitFor({ state: "attached", timeout: 30_000 });
    let atStop;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const cls = (await reply.getAttribute("class")) ?? "";
      if (/\bdone\b/.test(cls)) break;
      // Midway: once some text has streamed in. Click and read the text in one go, as a person sees it.
      atStop = await reply.evaluate((element) => {
        const text = element.querySelector(".content")?.textContent ?? "";
        const stop = document.getElementById("stop");
        if (!element.classList.contains("streaming") || text.length <= 20 || !stop || stop.hidden) return undefined;
        stop.click();
        return text;
      });
      if (atStop !== undefined) break;
      await page.waitForTimeout(10);
    }
    const { cls } = await waitForReply(frame, 30_000);
    // Chunks on their way when Stop was pressed must not show up later either.
    await page.waitForTimeout(1_500);
    const after = (await reply.locator(".content").textContent()) ?? "";
    await screenshot("chat-stopped");
    assert(atStop !== undefined, "the reply ended before Stop could be clicked");
    assert(/\bstopped\b/.test(cls), `the reply did not end as stopped (class "${cls}", ${after.length} chars)`);
    assert(after === atStop, `the reply changed after Stop: ${atStop.length} → ${after.length} characters`);
    assert(await prompt.isEnabled(), "the message box is not usable after Stop");
    assert(!(await frame.locator("#stop").isVisible()), "Stop is still shown");
    const saved = savedReplies(userDataDir, question).pop();
    assert(saved?.stopped === true, `the history does not keep the reply as stopped: ${JSON.stringify(saved)?.slice(0, 200)}`);
    assert(words(saved.text) === words(after), `the history keeps another text than shown: ${JSON.stringify(saved.text.slice(-80))} vs ${JSON.stringify(after.slice(-80))}`);
    return `stopped at ${atStop.length} chars, still ${after.length} after 1.5 s; the history holds the same`;
  });

  await step("chat: a reply cut by hearth.chat.maxTokens says so, and Continue continues the same reply", async () => {
    const restore = setUserSetting(userDataDir, "hearth.chat.maxTokens", 64);
    try {
      await page.waitForTimeout(2_500);
      const frame = await openChat();
      await frame.locator("#new-chat").click();
      const prompt = frame.locator("textarea#prompt");
      const question = `Once upon a time, there was a big dog (${Date.now()})`;
      await prompt.fill(question);
      await prompt.press("Enter");
      const { reply, text: first } = await waitForReply(frame);
      const note = reply.locator(".message-footer .note").filter({ hasText: "hearth.chat.maxTokens" });
      await note.waitFor({ state: "visible", timeout: 5_000 });
      assert(/limit of 64 tokens/.test(await note.innerText()), `the note does not give the limit: ${JSON.stringify(await note.innerText())}`);
      const button = reply.getByRole("button", { name: "Continue the reply" });
      await button.waitFor({ state: "visible", timeout: 5_000 });
      await screenshot("chat-max-tokens");
      const replies = await frame.locator("#messages .message.assistant").count();
      await button.click();
      // The same message streams again (or has already grown and ended), then ends.
      const firstLength = ((await reply.locator(".content").textContent()) ?? "").length;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await page.waitForTimeout(50)) {
        const grown = ((await reply.locator(".content").textContent()) ?? "").length > firstLength;
        if (grown || !/\bdone\b/.test((await reply.getAttribute("class")) ?? "")) break;
      }
      const { text: continued } = await waitForReply(frame);
      await screenshot("chat-continued");
      assert((await frame.locator("#messages .message.assistant").count()) === replies, "Continue added a new message instead of continuing");
      assert(continued.length > first.length && words(continued).startsWith(words(first).slice(0, -1)), `the reply did not go on: ${JSON.stringify(first.slice(-60))} → ${JSON.stringify(continued.slice(-60))}`);
      await page.waitForTimeout(500);
      const saved = savedReplies(userDataDir, question);
      assert(saved.length === 1 && words(saved[0].text) === words(continued), `the history holds ${saved.length} replies, or another text: ${JSON.stringify(saved.map((r) => r.text.slice(-60)))}`);
      return `${first.length} → ${continued.length} chars in the same reply`;
    } finally {
      restore();
    }
  });

  await step("chat: @ attaches any workspace file (README.md, package.json), not ignored ones", async () => {
    // What Quick Open leaves out: a .gitignore'd folder and node_modules (search.exclude); beside
    // them, files of the same names that it lists.
    writeFileSync(path.join(workspace, ".gitignore"), "build/\n");
    mkdirSync(path.join(workspace, "build"), { recursive: true });
    writeFileSync(path.join(workspace, "build", "bundle.js"), "console.log('built');\n");
    writeFileSync(path.join(workspace, "bundle-notes.md"), "# Bundling\n");
    mkdirSync(path.join(workspace, "node_modules", "left-pad"), { recursive: true });
    writeFileSync(path.join(workspace, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
    writeFileSync(path.join(workspace, "src", "left-pad.ts"), "export const leftPad = (s: string) => s;\n");
    const frame = await openChat();
    const rows = page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
    const quickInputClosed = () => page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 5_000 }).catch(() => {});
    /** Opens the picker from the chat, types `query`, waits for `expected` among the rows; returns the rows' texts (the picker stays open). */
    const offered = async (query, expected) => {
      await quickInputClosed();
      await frame.locator("#attach").click();
      await page.locator(".quick-input-widget .quick-input-title").filter({ hasText: "Attach to the Chat" }).waitFor({ state: "visible", timeout: 10_000 });
      await page.locator(".quick-input-widget input").fill(query);
      await rows.filter({ hasText: expected }).first().waitFor({ state: "visible", timeout: 15_000 });
      return (await rows.allInnerTexts()).map(norm);
    };
    await offered("README", "README.md");
    await screenshot("chat-picker-readme");
    await rows.filter({ hasText: "README.md" }).first().click();
    await frame.locator("#chips .chip").filter({ hasText: "README.md" }).waitFor({ state: "visible", timeout: 10_000 });
    await offered("package.json", "package.json");
    await rows.filter({ hasText: "package.json" }).first().click();
    await frame.locator("#chips .chip").filter({ hasText: "package.json" }).waitFor({ state: "visible", timeout: 10_000 });
    const bundle = await offered("bundle", "bundle-notes.md");
    await page.keyboard.press("Escape");
    const leftPad = await offered("left-pad", "left-pad.ts");
    await page.keyboard.press("Escape");
    assert(!bundle.some((text) => /build\/bundle\.js/.test(text)), `a .gitignore'd file is offered: ${JSON.stringify(bundle)}`);
    assert(!leftPad.some((text) => /node_modules/.test(text)), `a file in node_modules is offered: ${JSON.stringify(leftPad)}`);
    const chips = await frame.locator("#chips .chip .chip-label").allInnerTexts();
    for (const id of await frame.locator("#chips .chip:not(.auto)").evaluateAll((list) => list.map((chip) => chip.dataset.chipId))) {
      await frame.locator(`#chips .chip[data-chip-id="${id}"] .chip-remove`).click();
    }
    return `chips ${JSON.stringify(chips)}; "bundle" offered ${JSON.stringify(bundle)}; "left-pad" offered ${JSON.stringify(leftPad)}`;
  });

  await step("chat: a second conversation, both in the history list", async () => {
    const frame = await openChat();
    await frame.locator("#new-chat").click();
    await frame.locator("#messages .message").first().waitFor({ state: "detached", timeout: 10_000 }).catch(() => {});
    assert((await frame.locator("#messages .message").count()) === 0, "New Chat did not clear the conversation");
    const prompt = frame.locator("textarea#prompt");
    await prompt.fill("The little dog");
    await prompt.press("Enter");
    await waitForReply(frame);
    await showHistory(frame);
    const items = frame.locator("#history-panel .history-item");
    await items.filter({ hasText: "The little dog" }).waitFor({ state: "visible", timeout: 10_000 });
    const titles = await items.locator(".history-title").allInnerTexts();
    await screenshot("chat-history-list");
    assert(titles.some((t) => t.startsWith("What does this function do?")), `the first conversation is not listed: ${JSON.stringify(titles)}`);
    // The date goes under the title: the title has the row's width, whatever the sidebar's.
    const widths = await items.evaluateAll((rows) => rows.map((row) => ({
      row: row.querySelector(".history-open")?.getBoundingClientRect().width ?? 0,
      title: row.querySelector(".history-title")?.getBoundingClientRect().width ?? 0,
      text: row.querySelector(".history-title")?.textContent ?? "",
      when: row.querySelector(".history-when")?.textContent ?? "",
    })));
    for (const width of widths) {
      assert(width.title >= width.row - 16, `"${width.text}" gets ${Math.round(width.title)} of ${Math.round(width.row)} px beside "${width.when}"`);
    }
    return `history: ${JSON.stringify(titles)}; title widths ${widths.map((w) => `${Math.round(w.title)}/${Math.round(w.row)}`).join(", ")} px`;
  });

  await step("chat: history survives a window reload", async () => {
    // Let the last save land, then add the code-block fixture to the saved history.
    await page.waitForTimeout(500);
    const file = historyFile(userDataDir);
    assert(file, `no chat-history.json under ${path.join(userDataDir, "User", "globalStorage")}`);
    const history = JSON.parse(readFileSync(file, "utf8"));
    assert(history.conversations.some((c) => c.turns.some((t) => t.text === firstQuestion)), "the first conversation is not in the history file");
    history.conversations.push(fixtureConversation());
    writeFileSync(`${file}.e2e`, JSON.stringify(history));
    renameSync(`${file}.e2e`, file);
    log(`  history file ${file} (${statSync(file).size} bytes, ${history.conversations.length} conversations)`);
    await runPaletteCommand("Developer: Reload Window");
    await page.waitForTimeout(2_000);
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60_000 });
    await waitForStatus(/Hearth: /, 90_000);
    const frame = await openChat();
    // The conversation open before the reload is open again.
    await frame.locator("#messages .message.user").filter({ hasText: "The little dog" }).waitFor({ state: "visible", timeout: 30_000 });
    await showHistory(frame);
    await frame.locator("#history-panel .history-item").filter({ hasText: "What does this function do?" }).locator(".history-open").click();
    await frame.locator("#messages .message.user").filter({ hasText: firstQuestion }).waitFor({ state: "visible", timeout: 10_000 });
    await screenshot("chat-after-reload");
    return "both conversations found after the reload";
  });

  await step("chat: insert a code block at the cursor as one undoable edit", async () => {
    await openMathTs();
    await goToLine(6);
    await page.keyboard.press("Enter");
    await page.keyboard.press("ArrowUp");
    const frame = await openChat();
    await showHistory(frame);
    await frame.locator("#history-panel .history-item").filter({ hasText: FIXTURE_TITLE }).locator(".history-open").click();
    const block = frame.locator("#messages .message.assistant .code-block").first();
    await block.waitFor({ state: "visible", timeout: 10_000 });
    assert((await block.locator(".hljs-keyword").count()) > 0, "the code block is not highlighted");
    await block.getByRole("button", { name: "Insert at Cursor" }).click();
    await block.locator(".code-feedback").filter({ hasText: /Inserted/ }).waitFor({ state: "visible", timeout: 10_000 });
    await page.locator(".editor-group-container.active .tabs-container .tab.active").filter({ hasText: "math.ts" }).waitFor({ state: "visible" });
    await page.waitForTimeout(300);
    const after = await editorText();
    await screenshot("chat-inserted");
    assert(after.includes("export function double(value: number): number {") && after.includes("return value * 2;"), `the editor does not show the inserted code: ${JSON.stringify(after.slice(0, 600))}`);
    await page.keyboard.press("Control+Z");
    await page.waitForTimeout(300);
    const undone = await editorText();
    assert(!undone.includes("export function double"), "one Undo did not remove the inserted code");
    return "inserted, then removed with one Undo";
  });

  await step("chat: switch the chat model from the view", async () => {
    const frame = await openChat();
    await frame.locator("#model-button").click();
    const rows = page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
    const target = rows.filter({ hasText: "tiny-stories-b" }).first();
    await target.waitFor({ state: "visible", timeout: 15_000 });
    assert((await page.locator(".quick-input-widget").innerText()).includes("Chat Model"), "the picker is not the chat model picker");
    await target.click();
    const name = frame.locator("#model-name");
    const deadline = Date.now() + 60_000;
    let shown = "";
    while (Date.now() < deadline) {
      shown = (await name.textContent()) ?? "";
      if (shown === "tiny-stories-b") break;
      await page.waitForTimeout(200);
    }
    await screenshot("chat-model-switched");
    assert(shown === "tiny-stories-b", `the chat header shows ${JSON.stringify(shown)}`);
    await frame.locator("#new-chat").click();
    const prompt = frame.locator("textarea#prompt");
    await prompt.fill("Once upon a time");
    await prompt.press("Enter");
    const { text } = await waitForReply(frame);
    assert(text.length > 0, "empty reply from the switched model");
    return `header "${shown}", reply ${text.length} chars`;
  });

  await step("chat: a torn history file is moved aside after a reload; a warning says so and the view still chats", async () => {
    await page.waitForTimeout(500);
    const file = historyFile(userDataDir);
    assert(file, "no chat-history.json to tear");
    const whole = readFileSync(file, "utf8");
    // What a crash in the middle of a plain write would leave: the first half of the file.
    writeFileSync(file, whole.slice(0, Math.floor(whole.length / 2)));
    await runPaletteCommand("Developer: Reload Window");
    await page.waitForTimeout(2_000);
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60_000 });
    await waitForStatus(/Hearth: /, 90_000);
    const frame = await openChat();
    const toast = page.locator(".notifications-toasts .notification-list-item").filter({ hasText: "chat history could not be read" }).first();
    await toast.waitFor({ state: "visible", timeout: 30_000 });
    const warning = norm(await toast.locator(".notification-list-item-message").innerText());
    await screenshot("chat-torn-history");
    const aside = readdirSync(path.dirname(file)).filter((name) => /^chat-history\.corrupt-\d+\.json$/.test(name));
    assert(aside.length === 1, `the torn file was not moved aside: ${JSON.stringify(readdirSync(path.dirname(file)))}`);
    assert(warning.includes(aside[0]), `the warning does not say where the file went: ${JSON.stringify(warning)}`);
    assert(readFileSync(path.join(path.dirname(file), aside[0]), "utf8") === whole.slice(0, Math.floor(whole.length / 2)), "the moved file is not the torn one");
    assert((await frame.locator("#messages .message").count()) === 0, "the view shows messages from a torn history");
    const prompt = frame.locator("textarea#prompt");
    await prompt.fill("Once upon a time");
    await prompt.press("Enter");
    const { text } = await waitForReply(frame);
    assert(text.length > 0, "no reply after the history was rebuilt");
    await page.waitForTimeout(1_000);
    const rebuilt = JSON.parse(readFileSync(file, "utf8"));
    assert(rebuilt.conversations.length === 1, `the new history holds ${rebuilt.conversations.length} conversations`);
    await dismissNotifications();
    return `moved to ${aside[0]}; reply ${text.length} chars; new history saved`;
  });
}
