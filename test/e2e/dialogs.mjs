// VS Code's own dialogs in code-server.

/**
 * Picks `file` in the open dialog that is showing. code-server's open dialog is VS Code's simple
 * file dialog: a quick input holding a path, which it fills in with its start folder
 * asynchronously; the path is typed only after that.
 */
export async function typeIntoOpenDialog(page, file, assert) {
  const input = page.locator(".quick-input-widget input");
  await page.locator(".quick-input-widget").filter({ hasText: "Use Model" }).first().waitFor({ state: "visible", timeout: 15_000 });
  const deadline = Date.now() + 10_000;
  while (!(await input.inputValue()).startsWith("/") && Date.now() < deadline) await page.waitForTimeout(100);
  await page.waitForTimeout(500);
  await input.fill(file);
  await page.waitForTimeout(500);
  assert((await input.inputValue()) === file, `the open dialog holds ${JSON.stringify(await input.inputValue())}, not the typed path`);
  await page.keyboard.press("Enter");
}
