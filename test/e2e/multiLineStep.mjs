// E2E step: a multi-line suggestion after `{`. No model here writes code, so the test model
// factory's code-chain-260K (a hand-built deterministic llama model, test/support/models/codeChain.ts)
// becomes the completion model through the picker; after `function add(a: number, b: number) {`
// and Enter it writes "return a +\n    b;" as one suggestion over two lines.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { hearthLogLines, modelRequestLines } from "./hearthLog.mjs";

const require = createRequire(import.meta.url);
export const CODE_CHAIN_FILE = "code-chain-260K.gguf";

/** Builds the model with the compiled factory (npm run compile-tests) and puts it in the testbed's model folder. */
export async function prepareCodeChainModel(repoRoot, testbed) {
  const factory = path.join(repoRoot, "out", "test", "support", "models", "index.js");
  let getTestModel;
  try {
    ({ getTestModel } = require(factory));
  } catch (error) {
    throw new Error(`${factory} is missing (${error.message}): run npm run compile-tests before the E2E run`, { cause: error });
  }
  const built = await getTestModel("code-chain-260K");
  copyFileSync(built, path.join(testbed.modelFolder, CODE_CHAIN_FILE));
  writeFileSync(path.join(testbed.workspace, "src", "add.ts"), "");
}

export async function multiLineStep({ page, step, screenshot, assert, runPaletteCommand, quickOpen, userDataDir, workspace, norm }) {
  await step("multi-line suggestion after `{` (code-chain-260K), accepted with Tab", async () => {
    await page.keyboard.press("Escape");
    await runPaletteCommand("Hearth: Select Completion Model…");
    const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({ hasText: "code-chain-260K" }).first();
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await row.click();
    // Like every model without FIM tokens, it asks to confirm.
    const useIt = page.locator(".monaco-dialog-box").getByRole("button", { name: "Use It" });
    await useIt.waitFor({ state: "visible", timeout: 15_000 });
    await useIt.click();
    await page.locator(".statusbar-item").filter({ hasText: /Hearth: code-chain-260K/ }).first().waitFor({ state: "visible", timeout: 60_000 });

    await quickOpen("add.ts");
    const editor = page.locator(".editor-group-container.active .monaco-editor").first();
    await editor.locator(".view-lines").click();
    await page.keyboard.type("function add(a: number, b: number) {", { delay: 20 });
    await page.keyboard.press("Enter");
    const ghost = editor.locator(".ghost-text-decoration, .ghost-text");
    await ghost.first().waitFor({ state: "visible", timeout: 30_000 });
    await page.waitForTimeout(500);
    // Monaco draws the first line inline and the others in a view zone, in pieces: check the pieces.
    const shown = norm((await ghost.allInnerTexts()).join(" "));
    await screenshot("multi-line-ghost-text");
    const zoneLines = await editor.locator(".ghost-text").count();
    assert(/return/.test(shown) && /\+/.test(shown) && /\bb\b/.test(shown), `the ghost text is not the two-line body: ${JSON.stringify(shown)}`);
    const last = modelRequestLines(hearthLogLines(userDataDir)).at(-1) ?? "";
    assert(/code-chain-260K/.test(last), `the suggestion was not served by code-chain-260K: ${JSON.stringify(last)}`);

    await page.keyboard.press("Tab");
    await page.waitForTimeout(500);
    await page.keyboard.press("Control+s");
    const file = path.join(workspace, "src", "add.ts");
    let saved = "";
    for (let tries = 0; tries < 25 && !/b;/.test(saved); tries++) {
      await page.waitForTimeout(200);
      saved = readFileSync(file, "utf8");
    }
    await screenshot("multi-line-accepted");
    assert(/function add\(a: number, b: number\) \{\n[ \t]+return a \+\n[ \t]+b;(\n|$)/.test(saved), `the saved file does not hold the accepted two-line body: ${JSON.stringify(saved)}`);
    return `ghost text over ${zoneLines > 0 ? "several lines" : "one line"}; saved ${JSON.stringify(saved)}`;
  });
}
