// E2E steps for completion behaviour in the real workbench: typed-ahead reuse, partial accept, pause.
// Model requests are counted in Hearth's own log file ("completion: N prompt tokens …" per request).
import { hearthLogLines, modelRequestLines } from "./hearthLog.mjs";

const logLines = hearthLogLines;
const modelRequests = (lines) => modelRequestLines(lines).length;

export async function completionSteps({ page, step, screenshot, assert, runPaletteCommand, waitForStatus, userDataDir, norm }) {
  const ghost = page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text");
  const ghostText = async () => norm((await page.locator(".monaco-editor .ghost-text-decoration").allTextContents()).join(""));
  // The cursor column from the status bar ("Ln 18, Col 24").
  const cursorColumn = async () => {
    const texts = await page.locator(".statusbar-item").allTextContents();
    const match = texts.map((text) => /Ln \d+, Col (\d+)/.exec(text)).find(Boolean);
    return match ? Number(match[1]) : -1;
  };

  await step("typed ahead: typing the start of a suggestion keeps it without a new request", async () => {
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.type("Once upon a", { delay: 20 });
    await ghost.first().waitFor({ state: "visible", timeout: 30_000 });
    await page.waitForTimeout(500);
    const shown = await ghostText();
    assert(shown.length >= 4, `suggestion too short to type ahead: ${JSON.stringify(shown)}`);
    const before = modelRequests(logLines(userDataDir));
    const typed = shown.slice(0, 3);
    await page.keyboard.type(typed, { delay: 60 });
    await page.waitForTimeout(800);
    const after = await ghostText();
    const lines = logLines(userDataDir);
    assert(modelRequests(lines) === before, `a model request was sent after typing ${JSON.stringify(typed)} (${modelRequests(lines) - before} new)`);
    assert(after.length > 0 && shown.startsWith(typed + after.slice(0, 5)), `ghost text changed: ${JSON.stringify(shown)} → ${JSON.stringify(after)}`);
    assert(lines.some((line) => /served from (typed-ahead|cache|speculative) with no model time/.test(line)), "the log does not show a suggestion served with no model time");
    await screenshot("typed-ahead");
    return `${JSON.stringify(shown)} → typed ${JSON.stringify(typed)} → ${JSON.stringify(after)}; no new model request`;
  });

  await step("partial accept of one word", async () => {
    const shown = await ghostText();
    const before = await cursorColumn();
    await page.keyboard.press("Control+ArrowRight");
    await page.waitForTimeout(500);
    const after = await cursorColumn();
    const accepted = after - before;
    assert(before > 0 && accepted > 0, `the cursor did not move (column ${before} → ${after})`);
    assert(accepted < shown.length, `the whole suggestion was accepted (${accepted} of ${shown.length} characters), not one word`);
    const rest = await ghostText();
    assert(rest.length > 0 && shown.endsWith(rest), `the rest of the suggestion is not shown: ${JSON.stringify(rest)}`);
    await screenshot("partial-accept");
    return `accepted ${JSON.stringify(shown.slice(0, accepted))}, still showing ${JSON.stringify(rest.slice(0, 30))}`;
  });

  await step("pause stops all requests", async () => {
    await page.keyboard.press("Escape");
    await runPaletteCommand("Hearth: Pause Completions");
    const status = await waitForStatus(/Hearth: .*\(paused\)/, 10_000);
    await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+End");
    const before = modelRequests(logLines(userDataDir));
    await page.keyboard.press("Enter");
    await page.keyboard.type("Once upon a time", { delay: 30 });
    await page.waitForTimeout(2500);
    const visible = await ghost.first().isVisible().catch(() => false);
    const after = modelRequests(logLines(userDataDir));
    await screenshot("paused");
    await runPaletteCommand("Hearth: Resume Completions");
    await waitForStatus(/Hearth: stories260K$/, 10_000);
    assert(!visible, "ghost text appeared while paused");
    assert(after === before, `${after - before} model requests while paused`);
    return `no ghost text and no request while paused; status ${JSON.stringify(status)}`;
  });
}
