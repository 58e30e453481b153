// E2E steps for the sidebar chat in the real workbench: Ask About Selection with the prompt
// inspector, Stop, a second conversation, history across a window reload, Insert at Cursor
// from a reply's code block (one undo), switching the chat model from the view, and a torn
// history file (moved aside, a warning, the view still chats).
// stories260K never writes a code block, so the Insert step opens a conversation that this
// file adds to the saved history before the reload (a fixture, clearly labelled as such).
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
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

export async function chatSteps({ page, step, log, screenshot, assert, runPaletteCommand, openQuickInput, quickOpen, waitForStatus, chatFrame, dismissNotifications, userDataDir, norm }) {
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

  await step("chat: stop a reply midway", async () => {
    const frame = await openChat();
    const prompt = frame.locator("textarea#prompt");
    const before = await frame.locator("#messages .message.assistant").count();
    await prompt.fill("Once upon a time, there was a little girl named Lily. She");
    await prompt.press("Enter");
    const reply = frame.locator("#messages .message.assistant").nth(before);
    await reply.waitFor({ state: "attached", timeout: 30_000 });
    const stop = frame.locator("#stop");
    let clicked = false;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const cls = (await reply.getAttribute("class")) ?? "";
      if (/\bdone\b/.test(cls)) break;
      // Midway: once some text has streamed in.
      const streamed = ((await reply.locator(".content").textContent()) ?? "").length;
      if (/streaming/.test(cls) && streamed > 20 && (await stop.isVisible())) {
        await stop.click();
        clicked = true;
        break;
      }
      await page.waitForTimeout(10);
    }
    const { cls, text } = await waitForReply(frame, 30_000);
    await screenshot("chat-stopped");
    assert(clicked, "the reply ended before Stop could be clicked");
    assert(/\bstopped\b/.test(cls), `the reply did not end as stopped (class "${cls}", ${text.length} chars)`);
    assert(await prompt.isEnabled(), "the message box is not usable after Stop");
    assert(!(await stop.isVisible()), "Stop is still shown");
    return `stopped after ${text.length} chars`;
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
    return `history: ${JSON.stringify(titles)}`;
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
