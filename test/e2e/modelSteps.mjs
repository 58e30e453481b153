// E2E steps for model management: the switched completion model serves ghost text, a damaged
// model file is refused while the previous model keeps serving, the chat model switches from the
// palette, Show Model Info shows the sha256, the walkthrough opens.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { hearthLogLines, modelRequestLines } from "./hearthLog.mjs";

const STORIES_SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

export async function modelSteps({ page, step, screenshot, assert, runPaletteCommand, userDataDir, modelFolder }) {
  /** Types `text` on a new last line of math.ts and waits for ghost text. */
  async function typeOnNewLineOfMathFile(text) {
    await page.locator(".tabs-container .tab").filter({ hasText: "math.ts" }).first().click();
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.type(text, { delay: 20 });
    await page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text").first().waitFor({ state: "visible", timeout: 30_000 });
  }

  await step("ghost text comes from the switched completion model", async () => {
    await page.keyboard.press("Escape");
    await typeOnNewLineOfMathFile("Once upon a time");
    const lines = modelRequestLines(hearthLogLines(userDataDir));
    const last = lines.at(-1) ?? "";
    assert(/model tiny-stories-b$/.test(last.trim()), `the last completion was not served by tiny-stories-b: ${JSON.stringify(last)}`);
    await screenshot("ghost-text-new-model");
    await page.keyboard.press("Escape");
    return last.replace(/^.*completion: /, "");
  });

  await step("a truncated model file, browsed for: error in the status bar, notification and log; the previous model keeps serving", async () => {
    // What an interrupted download leaves: the first 60 % of a model file.
    const broken = path.join(modelFolder, "broken-download.gguf");
    const whole = readFileSync(path.join(modelFolder, "tiny-stories-a.gguf"));
    writeFileSync(broken, whole.subarray(0, Math.floor(whole.length * 0.6)));
    await page.keyboard.press("Escape");
    await runPaletteCommand("Notifications: Clear All Notifications").catch(() => {});
    await runPaletteCommand("Hearth: Select Completion Model…");
    const rows = page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
    const browse = rows.filter({ hasText: "Browse for a GGUF file" }).first();
    await browse.waitFor({ state: "visible", timeout: 15_000 });
    await browse.click();
    // code-server's open dialog is VS Code's simple file dialog: a quick input holding a path.
    const input = page.locator(".quick-input-widget input");
    await page.locator(".quick-input-widget").filter({ hasText: "Use Model" }).first().waitFor({ state: "visible", timeout: 15_000 });
    // The dialog fills in its start folder asynchronously: type the path only after that.
    const deadline = Date.now() + 10_000;
    while (!(await input.inputValue()).startsWith("/") && Date.now() < deadline) await page.waitForTimeout(100);
    await page.waitForTimeout(500);
    await input.fill(broken);
    await page.waitForTimeout(500);
    assert((await input.inputValue()) === broken, `the open dialog holds ${JSON.stringify(await input.inputValue())}, not the typed path`);
    await page.keyboard.press("Enter");

    const status = page.locator(".statusbar-item").filter({ hasText: /Hearth: error/ }).first();
    await status.waitFor({ state: "visible", timeout: 30_000 });
    const toast = page.locator(".notifications-toasts .notification-list-item").filter({ hasText: "broken-download.gguf" }).first();
    await toast.waitFor({ state: "visible", timeout: 15_000 });
    const message = (await toast.locator(".notification-list-item-message").innerText()).replace(/\s+/g, " ");
    const buttons = await toast.locator(".monaco-button").allInnerTexts();
    await screenshot("damaged-model-error");
    assert(/truncated/.test(message) && /download the model again/i.test(message), `the notification does not say what is wrong and what to do: ${JSON.stringify(message)}`);
    assert(buttons.some((b) => /Select Model/.test(b)) && buttons.some((b) => /Show Log/.test(b)), `the notification lacks its actions: ${JSON.stringify(buttons)}`);
    await status.hover();
    const hover = page.locator(".workbench-hover, .monaco-hover").filter({ hasText: "Still using tiny-stories-b" }).first();
    await hover.waitFor({ state: "visible", timeout: 10_000 });
    const logged = hearthLogLines(userDataDir).filter((line) => line.includes("broken-download.gguf") && /truncated/.test(line));
    assert(logged.length > 0, "the log does not name the truncated file");

    // The previous model still completes.
    const before = modelRequestLines(hearthLogLines(userDataDir)).length;
    await typeOnNewLineOfMathFile("Once upon a time there was");
    const served = modelRequestLines(hearthLogLines(userDataDir));
    assert(served.length > before && /model tiny-stories-b$/.test((served.at(-1) ?? "").trim()), `no completion from tiny-stories-b after the failed switch: ${JSON.stringify(served.at(-1))}`);
    await page.keyboard.press("Escape");
    await runPaletteCommand("Notifications: Clear All Notifications").catch(() => {});
    return `status "Hearth: error", hover "Still using tiny-stories-b"; notification ${JSON.stringify(message.slice(0, 90))}…; ${buttons.join(", ")}`;
  });

  await step("switch the chat model from the palette; Show Model Info shows roles and sha256", async () => {
    await runPaletteCommand("Hearth: Select Chat Model…");
    const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({ hasText: "tiny-stories-a" }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
    await page.waitForTimeout(1500);
    await runPaletteCommand("Hearth: Show Model Info");
    const info = page.locator(".editor-instance .monaco-editor").filter({ hasText: "Used for:" }).first();
    const deadline = Date.now() + 60_000;
    let text = "";
    while (Date.now() < deadline) {
      text = await info.locator(".view-lines").innerText().catch(() => "");
      if (text.includes(STORIES_SHA256.slice(0, 40))) break;
      await page.waitForTimeout(500);
    }
    await screenshot("model-info");
    // The editor renders only the lines in view: scroll to the end for the second model.
    await info.locator(".view-lines").click();
    await page.keyboard.press("Control+End");
    await page.waitForTimeout(500);
    text = `${text}\n${await info.locator(".view-lines").innerText().catch(() => "")}`.replace(/\u00a0/g, " ");
    assert(text.includes("# tiny-stories-b") && /Used for: completion/.test(text), "model info does not show tiny-stories-b for completion");
    assert(text.includes("# tiny-stories-a") && /Used for: chat/.test(text), "model info does not show tiny-stories-a for chat");
    assert(text.includes(STORIES_SHA256.slice(0, 40)), "model info does not show the sha256 of stories260K");
    return "completion tiny-stories-b, chat tiny-stories-a, sha256 shown";
  });

  await step("the walkthrough opens", async () => {
    await runPaletteCommand("Welcome: Open Walkthrough...");
    const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({ hasText: "Get started with Hearth" }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
    const step1 = page.locator(".gettingStartedContainer").getByText("Choose a local model").first();
    await step1.waitFor({ state: "visible", timeout: 20_000 });
    await screenshot("walkthrough");
    return "Get started with Hearth: Choose a local model";
  });
}
