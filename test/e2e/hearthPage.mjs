// Hearth's read-only page tab (Model Info, Last Completion Prompt, Show Prompt): a webview panel.

/** The inner frame of the webview holding Hearth's page (main#hearth-document). */
export async function hearthPageFrame(page, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const count = await page.locator("iframe.webview.ready").count();
    for (let i = 0; i < count; i++) {
      const frame = page.frameLocator("iframe.webview.ready").nth(i).frameLocator("iframe#active-frame");
      if ((await frame.locator("main#hearth-document").count().catch(() => 0)) > 0) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`Hearth's page did not open within ${timeoutMs / 1000} s`);
}

/** The page's text once it contains `expected` (a string or a RegExp). */
export async function hearthPageText(page, expected, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    const frame = await hearthPageFrame(page, Math.max(1_000, deadline - Date.now()));
    text = (await frame.locator("main#hearth-document").innerText().catch(() => "")).replace(/\u00a0/g, " ");
    if (typeof expected === "string" ? text.includes(expected) : expected.test(text)) return text;
    await page.waitForTimeout(300);
  }
  throw new Error(`Hearth's page does not show ${expected}; it shows ${JSON.stringify(text.slice(0, 300))}`);
}

/** The Hearth page tabs open in the workbench, by their labels. */
export async function hearthPageTabs(page) {
  return page.locator(".tabs-container .tab").evaluateAll((tabs) =>
    tabs.map((tab) => tab.getAttribute("aria-label") ?? "").filter((label) => /Model Info|Completion Prompt|Chat Prompt/.test(label)));
}
