// E2E steps for model management: the switched completion model serves ghost text, a damaged
// model file is refused while the previous model keeps serving, the chat model switches from the
// palette, Show Model Info shows the sha256, the walkthrough opens.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { typeIntoOpenDialog } from "./dialogs.mjs";
import { hearthPageFrame, hearthPageTabs, hearthPageText } from "./hearthPage.mjs";
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
    await typeIntoOpenDialog(page, broken, assert);

    const status = page.locator(".statusbar-item").filter({ hasText: "Hearth: tiny-stories-b (last load failed)" }).first();
    await status.waitFor({ state: "visible", timeout: 30_000 });
    const toast = page.locator(".notifications-toasts .notification-list-item").filter({ hasText: "broken-download.gguf" }).first();
    await toast.waitFor({ state: "visible", timeout: 15_000 });
    const message = (await toast.locator(".notification-list-item-message").innerText()).replace(/\s+/g, " ");
    const buttons = await toast.locator(".monaco-button").allInnerTexts();
    await screenshot("damaged-model-error");
    assert(/truncated/.test(message) && /download the model again/i.test(message), `the notification does not say what is wrong and what to do: ${JSON.stringify(message)}`);
    assert(buttons.some((b) => /Select Model/.test(b)) && buttons.some((b) => /Show Log/.test(b)), `the notification lacks its actions: ${JSON.stringify(buttons)}`);
    await status.hover();
    const hover = page.locator(".workbench-hover, .monaco-hover").filter({ hasText: "tiny-stories-b is still serving" }).first();
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
    return `status "Hearth: tiny-stories-b (last load failed)", hover "tiny-stories-b is still serving"; notification ${JSON.stringify(message.slice(0, 90))}…; ${buttons.join(", ")}`;
  });

  await step("switch the chat model from the palette; Show Model Info shows roles and sha256", async () => {
    await runPaletteCommand("Hearth: Select Chat Model…");
    const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({ hasText: "tiny-stories-a" }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
    await page.waitForTimeout(1500);
    await runPaletteCommand("Hearth: Show Model Info");
    // A rendered page in Hearth's page tab; the sha256 fills in once computed.
    const text = await hearthPageText(page, STORIES_SHA256, 60_000);
    await screenshot("model-info");
    const tabs = await hearthPageTabs(page);
    assert(tabs.length === 1, `Hearth's pages should share one tab: ${JSON.stringify(tabs)}`);
    assert(/tiny-stories-b\s+Used for: completion/.test(text), `model info does not show tiny-stories-b for completion: ${JSON.stringify(text.slice(0, 300))}`);
    assert(/tiny-stories-a\s+Used for: chat/.test(text), "model info does not show tiny-stories-a for chat");
    assert(/Load settings\s+1 thread, 0 GPU layers/.test(text), "model info does not say '1 thread'");
    // The raw Markdown is one click away, in the same editor group.
    const frame = await hearthPageFrame(page);
    await frame.getByRole("link", { name: "Open Raw Markdown" }).click();
    const raw = page.locator(".editor-group-container.active .tabs-container .tab.active").filter({ hasText: "Model Info.md" });
    await raw.waitFor({ state: "visible", timeout: 15_000 });
    const rawText = (await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().innerText()).replace(/\u00a0/g, " ");
    await screenshot("model-info-raw");
    assert(rawText.includes("# tiny-stories-b"), `the raw Markdown is not shown: ${JSON.stringify(rawText.slice(0, 200))}`);
    await page.keyboard.press("Control+W");
    return "completion tiny-stories-b, chat tiny-stories-a, sha256 shown";
  });

  await step("the walkthrough opens", async () => {
    await runPaletteCommand("Welcome: Open Walkthrough...");
    const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({ hasText: "Get started with Hearth" }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
    const step1 = page.locator(".gettingStartedContainer").getByText("Choose a local model").first();
    await step1.waitFor({ state: "visible", timeout: 20_000 });
    // A model was chosen before the walkthrough first opened: its step is ticked all the same.
    const chooseStep = page.locator(".gettingStartedContainer .getting-started-step").filter({ hasText: "Choose a local model" }).first();
    await chooseStep.locator(".codicon-getting-started-step-checked").waitFor({ state: "attached", timeout: 10_000 });
    await screenshot("walkthrough");
    const text = await page.locator(".gettingStartedContainer").innerText();
    assert(text.includes("Remote tab"), "the walkthrough does not say where machine settings are");
    return "Get started with Hearth: \"Choose a local model\" ticked; it says machine settings are on the Remote tab";
  });
}
