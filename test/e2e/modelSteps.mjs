// E2E steps for model management: the switched completion model serves ghost text, the chat
// model switches from the palette, Show Model Info shows the sha256, the walkthrough opens.
import { hearthLogLines, modelRequestLines } from "./hearthLog.mjs";

const STORIES_SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

export async function modelSteps({ page, step, screenshot, assert, runPaletteCommand, userDataDir }) {
  await step("ghost text comes from the switched completion model", async () => {
    await page.keyboard.press("Escape");
    await page.locator(".tabs-container .tab").filter({ hasText: "math.ts" }).first().click();
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("Once upon a time", { delay: 20 });
    await page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text").first().waitFor({ state: "visible", timeout: 30_000 });
    const lines = modelRequestLines(hearthLogLines(userDataDir));
    const last = lines.at(-1) ?? "";
    assert(/model tiny-stories-b$/.test(last.trim()), `the last completion was not served by tiny-stories-b: ${JSON.stringify(last)}`);
    await screenshot("ghost-text-new-model");
    await page.keyboard.press("Escape");
    return last.replace(/^.*completion: /, "");
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
