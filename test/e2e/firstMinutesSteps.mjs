// E2E steps for a newcomer's first minutes (issue 16): the palette and context menu, the
// download-off dialog and the Settings editor tab it opens, a model file that fails to load
// (never saved as the model, also at start-up), the status after Unload Models, choosing the
// current model again, and the chat readable in four themes (WCAG AA contrast, screenshots).
/* global getComputedStyle -- used in a callback that runs inside the chat webview */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { contrastRatio, effectiveBackground } from "./contrast.mjs";
import { typeIntoOpenDialog } from "./dialogs.mjs";

/**
 * The themes the chat must be readable in: the four of the issue and this VS Code's own defaults.
 * The label the theme picker shows, the workbench's class, the webviews' theme kind.
 */
const THEMES = [
  { label: "Dark Modern", workbench: "vs-dark", kind: "vscode-dark" },
  { label: "Light Modern", workbench: "vs", kind: "vscode-light" },
  { label: "Dark High Contrast", workbench: "hc-black", kind: "vscode-high-contrast" },
  { label: "Light High Contrast", workbench: "hc-light", kind: "vscode-high-contrast-light" },
  { label: "Light 2026", workbench: "vs", kind: "vscode-light" },
  { label: "Dark 2026", workbench: "vs-dark", kind: "vscode-dark" },
];
/** WCAG 2 AA for normal text. */
const AA = 4.5;

function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

function updateJson(file, change) {
  const value = readJson(file);
  change(value);
  writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

export async function firstMinutesSteps({ page, step, log, screenshot, assert, runPaletteCommand, openQuickInput, waitForStatus, chatFrame, dismissNotifications, userDataDir, workspace, norm }) {
  const machineSettings = path.join(userDataDir, "Machine", "settings.json");
  const statusItem = () => page.locator(".statusbar-item").filter({ hasText: /Hearth/ }).first();
  const statusText = async () => norm((await statusItem().innerText()).trim());
  const ghost = page.locator(".editor-group-container.active .monaco-editor .ghost-text-decoration, .editor-group-container.active .monaco-editor .ghost-text");
  const toast = (text) => page.locator(".notifications-toasts .notification-list-item").filter({ hasText: text }).first();
  let current = "";

  /** Picks a colour theme as a user does (Preferences: Color Theme); returns the theme it replaced. */
  async function pickColorTheme(name) {
    await runPaletteCommand("Preferences: Color Theme");
    const rows = page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
    await rows.first().waitFor({ state: "visible", timeout: 10_000 });
    const before = (await page.locator(".quick-input-widget .quick-input-list .monaco-list-row.focused").first().getAttribute("aria-label").catch(() => null)) ?? "";
    await page.locator(".quick-input-widget input").fill(name);
    const row = rows.filter({ has: page.locator(".label-name", { hasText: new RegExp(`^${name}$`) }) }).first();
    await row.waitFor({ state: "visible", timeout: 10_000 });
    await row.click();
    await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 5_000 }).catch(() => {});
    return before.replace(/,.*$/, "").trim();
  }

  async function reloadWindow() {
    await runPaletteCommand("Developer: Reload Window");
    await page.waitForTimeout(2_000);
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60_000 });
  }

  /** A new line at the end of src/math.ts (open since the first steps) with the start of a function. */
  async function typeFunctionStart(name) {
    await page.locator(".tabs-container .tab").filter({ hasText: "math.ts" }).first().click();
    await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.type(`function ${name}(a: number, b: number) {`, { delay: 20 });
    await page.keyboard.press("Enter");
  }

  /** The model setting once it is `expected` (the settings file is written after the model loads). */
  async function savedModelPath(expected, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    let saved = readJson(machineSettings)["hearth.completion.modelPath"];
    while (saved !== expected && Date.now() < deadline) {
      await page.waitForTimeout(200);
      saved = readJson(machineSettings)["hearth.completion.modelPath"];
    }
    return saved;
  }

  await step("palette: Suggest Completion (Alternatives) is listed and asks for a suggestion", async () => {
    await page.keyboard.press("Escape");
    await dismissNotifications();
    current = /Hearth: (\S+)/.exec(await statusText())?.[1] ?? "";
    assert(current !== "", `no model in the status bar: ${JSON.stringify(await statusText())}`);
    await typeFunctionStart("sub");
    await ghost.first().waitFor({ state: "visible", timeout: 30_000 });
    await page.keyboard.press("Escape");
    await ghost.first().waitFor({ state: "hidden", timeout: 5_000 });
    await openQuickInput("F1", ">Hearth: Suggest Completion");
    const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({ hasText: "Hearth: Suggest Completion (Alternatives)" }).first();
    await row.waitFor({ state: "visible", timeout: 10_000 });
    const keys = norm(await row.innerText()).replace(/\s+/g, " ");
    await screenshot("palette-suggest-completion");
    await row.click();
    await ghost.first().waitFor({ state: "visible", timeout: 30_000 });
    await page.keyboard.press("Escape");
    return `palette row ${JSON.stringify(keys)}; ghost text shown again after running it (model ${current})`;
  });

  await step("editor context menu: the chat item says it is Hearth's", async () => {
    await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("Shift+End");
    await page.keyboard.press("Shift+F10");
    const items = page.locator(".monaco-menu .action-item .action-label");
    await items.first().waitFor({ state: "visible", timeout: 10_000 });
    const labels = (await items.allInnerTexts()).map((text) => norm(text).trim()).filter(Boolean);
    await screenshot("editor-context-menu");
    await page.keyboard.press("Escape");
    assert(labels.includes("Ask Hearth About Selection"), `the context menu lacks "Ask Hearth About Selection": ${JSON.stringify(labels)}`);
    assert(!labels.includes("Ask About Selection"), "a context menu item reads as VS Code's own chat");
    return `${labels.length} items, among them "Ask Hearth About Selection"`;
  });

  await step("download off: a plain-text dialog; Open Setting shows the setting on the Remote tab", async () => {
    await runPaletteCommand("Hearth: Download a Model…");
    const dialog = page.locator(".monaco-dialog-box");
    await dialog.waitFor({ state: "visible", timeout: 10_000 });
    const text = norm(await dialog.innerText());
    await screenshot("download-off-dialog");
    assert(!text.includes("`"), `the dialog shows literal backticks: ${JSON.stringify(text)}`);
    assert(/ollama pull qwen2\.5-coder:1\.5b/.test(text) && /allowModelDownload/.test(text), `the dialog does not say how: ${JSON.stringify(text)}`);
    await dialog.locator(".monaco-button").filter({ hasText: "Open Setting" }).click();
    const editor = page.locator(".settings-editor");
    await editor.waitFor({ state: "visible", timeout: 15_000 });
    const setting = editor.locator(".setting-item").filter({ hasText: "Allow Model Download" }).first();
    await setting.waitFor({ state: "visible", timeout: 15_000 });
    const activeTab = norm(await editor.locator(".settings-tabs-widget .action-label.checked").first().innerText()).trim();
    const notFound = await editor.locator(".no-results-message").filter({ hasText: /No Settings Found/i }).isVisible().catch(() => false);
    await screenshot("download-setting-remote-tab");
    assert(/^Remote/i.test(activeTab), `the Settings editor opened on the ${JSON.stringify(activeTab)} tab, not Remote`);
    assert(!notFound, "the Settings editor says No Settings Found");
    await page.keyboard.press("Control+W");
    return `tab ${JSON.stringify(activeTab)} shows "Allow Model Download"`;
  });

  await step("Open Model File… on a non-GGUF file: an error, the working model stays configured, also after a reload", async () => {
    const notes = path.join(workspace, "notes.gguf");
    writeFileSync(notes, "# Notes\n\nA Markdown file that is not a model.\n");
    const before = readJson(machineSettings)["hearth.completion.modelPath"];
    await runPaletteCommand("Hearth: Open Model File…");
    await typeIntoOpenDialog(page, notes, assert);
    const error = toast("notes.gguf");
    await error.waitFor({ state: "visible", timeout: 30_000 });
    const message = norm(await error.locator(".notification-list-item-message").innerText());
    const status = await waitForStatus(new RegExp(`Hearth: ${current} \\(last load failed\\)`), 30_000);
    await screenshot("open-model-file-not-gguf");
    assert(/not a GGUF file/i.test(message), `the error does not say what is wrong: ${JSON.stringify(message)}`);
    const after = readJson(machineSettings)["hearth.completion.modelPath"];
    assert(after === before, `the failed file was saved as the model: ${JSON.stringify(after)} (was ${JSON.stringify(before)})`);
    await reloadWindow();
    const reloaded = await waitForStatus(new RegExp(`Hearth: ${current}$`), 90_000);
    return `status ${JSON.stringify(status)}; setting kept ${path.basename(after)}; after a reload ${JSON.stringify(reloaded)}`;
  });

  await step("start-up with a configured model that fails: a clear error with Select Model…, nothing else broken", async () => {
    await dismissNotifications();
    const notes = path.join(workspace, "notes.gguf");
    const working = readJson(machineSettings)["hearth.completion.modelPath"];
    updateJson(machineSettings, (settings) => { settings["hearth.completion.modelPath"] = notes; });
    await reloadWindow();
    const status = await statusItem().filter({ hasText: "Hearth: notes failed to load" }).waitFor({ state: "visible", timeout: 90_000 }).then(statusText);
    const error = toast("notes.gguf");
    await error.waitFor({ state: "visible", timeout: 30_000 });
    const message = norm(await error.locator(".notification-list-item-message").innerText());
    const buttons = await error.locator(".monaco-button").allInnerTexts();
    await screenshot("startup-model-fails");
    assert(/not a GGUF file/i.test(message), `unclear start-up error: ${JSON.stringify(message)}`);
    assert(buttons.some((b) => /Select Model/.test(b)), `the start-up error lacks Select Model…: ${JSON.stringify(buttons)}`);
    // Nothing else broken: the chat view opens and the commands run.
    await runPaletteCommand("Hearth: Focus on Chat View");
    await chatFrame(30_000);
    // The error's own action recovers.
    await error.locator(".monaco-button").filter({ hasText: "Select Model" }).click();
    const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({ hasText: current }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
    const useIt = page.locator(".monaco-dialog-box .monaco-button").filter({ hasText: "Use It" });
    if (await useIt.waitFor({ state: "visible", timeout: 5_000 }).then(() => true, () => false)) await useIt.click();
    // waitForStatus would stop at the failure still shown while the chosen model loads.
    await statusItem().filter({ hasText: new RegExp(`Hearth: ${current}$`) }).waitFor({ state: "visible", timeout: 60_000 });
    const recovered = await statusText();
    const saved = await savedModelPath(working);
    assert(saved === working, `the chosen model was not saved: ${JSON.stringify(saved)}`);
    await dismissNotifications();
    return `status ${JSON.stringify(status)}; ${JSON.stringify(message.slice(0, 80))}…; buttons ${buttons.join(", ")}; recovered ${JSON.stringify(recovered)}`;
  });

  await step("Unload Models: 'unloaded — loads on next use', and the next completion loads it", async () => {
    await runPaletteCommand("Hearth: Unload Models");
    const unloaded = await waitForStatus(/Hearth: unloaded — loads on next use/, 30_000);
    await screenshot("status-unloaded");
    await typeFunctionStart("mul");
    const back = await waitForStatus(new RegExp(`Hearth: ${current}$`), 60_000);
    await page.keyboard.press("Escape");
    return `${JSON.stringify(unloaded)} → ${JSON.stringify(back)}`;
  });

  await step("choosing the current model again: no question asked, a note that it is already in use", async () => {
    await dismissNotifications();
    await statusItem().click();
    const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({ hasText: current }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
    const note = toast(`${current} is already the completion model`);
    await note.waitFor({ state: "visible", timeout: 10_000 });
    const asked = await page.locator(".monaco-dialog-box").isVisible();
    const said = norm(await note.locator(".notification-list-item-message").innerText());
    await screenshot("current-model-again");
    assert(!asked, "a dialog asked again about the model already in use");
    await dismissNotifications();
    return said;
  });

  await step("chat is readable in Dark Modern, Light Modern, Dark and Light High Contrast, Light and Dark 2026 (WCAG AA)", async () => {
    await runPaletteCommand("Hearth: Focus on Chat View");
    let frame = await chatFrame(30_000);
    if ((await frame.locator("#messages .message.assistant.done").count()) === 0) {
      await frame.locator("textarea#prompt").fill("Once upon a time");
      await frame.locator("textarea#prompt").press("Enter");
      await frame.locator("#messages .message.assistant.done").first().waitFor({ state: "attached", timeout: 90_000 });
    }
    let original;
    const figures = [];
    try {
      for (const theme of THEMES) {
        const picked = await pickColorTheme(theme.label);
        original ??= picked;
        await page.locator(`.monaco-workbench.${theme.workbench}`).waitFor({ state: "attached", timeout: 20_000 });
        frame = await chatFrame(30_000);
        await frame.locator(`body[data-vscode-theme-kind="${theme.kind}"]`).waitFor({ state: "attached", timeout: 20_000 });
        await page.waitForTimeout(500);
        const measure = (selector) => frame.locator(selector).last().evaluate((element) => {
          const backgrounds = [];
          for (let node = element; node; node = node.parentElement) backgrounds.push(getComputedStyle(node).backgroundColor);
          const root = getComputedStyle(document.documentElement);
          const base = root.getPropertyValue("--vscode-sideBar-background").trim() || root.getPropertyValue("--vscode-editor-background").trim();
          return { color: getComputedStyle(element).color, backgrounds, base, text: (element.textContent ?? "").slice(0, 40) };
        });
        const shot = await screenshot(`chat-theme-${theme.label.toLowerCase().replace(/\s+/g, "-")}`);
        for (const [label, selector] of [["reply", "#messages .message.assistant.done .content"], ["question", "#messages .message.user .content"]]) {
          const sample = await measure(selector);
          const background = effectiveBackground(sample.backgrounds, sample.base);
          const ratio = contrastRatio(sample.color, background);
          figures.push(`${theme.label} ${label} ${ratio.toFixed(1)}:1`);
          log(`  ${theme.label}: ${label} text ${sample.color} on rgb(${background.slice(0, 3).map(Math.round).join(", ")}) = ${ratio.toFixed(2)}:1 (${path.basename(shot ?? "")})`);
          assert(ratio >= AA, `${theme.label}: the ${label}'s text has contrast ${ratio.toFixed(2)}:1, below ${AA}:1 (${sample.color} on ${JSON.stringify(sample.backgrounds)} over ${sample.base})`);
        }
      }
    } finally {
      if (original) await pickColorTheme(original).catch((error) => log(`  could not restore the theme ${original}: ${error.message}`));
    }
    return figures.join("; ");
  });
}
