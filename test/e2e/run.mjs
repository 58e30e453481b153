#!/usr/bin/env node
// End-to-end test: the packaged VSIX in a real VS Code (code-server) driven by chromium.
// npm run package && npm run test:e2e
// Screenshots and logs: test-results/e2e/. Exits non-zero on any failure.
/* global performance, MutationObserver -- used in callbacks that run inside the page */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { launchChromium } from "../../scripts/workbench/browser.mjs";
import { installExtension, startCodeServer } from "../../scripts/workbench/codeServer.mjs";
import { guardExtensionVsix, networkGuardEnv, networkGuardVerdict } from "../../scripts/workbench/networkGuard.mjs";
import { REPO_ROOT, extensionManifest, vsixPath } from "../../scripts/workbench/paths.mjs";
import { ensureWorkbench } from "../../scripts/workbench/setup.mjs";
import { prepareTestbed } from "../../scripts/workbench/testbed.mjs";
import { chatSteps } from "./chatSteps.mjs";
import { completionSteps } from "./completionSteps.mjs";
import { firstMinutesSteps } from "./firstMinutesSteps.mjs";
import { modelSteps } from "./modelSteps.mjs";
import { multiLineStep, prepareCodeChainModel } from "./multiLineStep.mjs";

const RESULTS_DIR = path.join(REPO_ROOT, "test-results", "e2e");
const GUARD_LOG = path.join(RESULTS_DIR, "network-attempts.jsonl");
/** Requests the browser made to anything but the local workbench, with the frame that made them. */
const remoteRequests = [];
const KEEP = process.env.HEARTH_E2E_KEEP === "1"; // keep the temp folder for debugging
const t0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const since = () => secs(Date.now() - t0);
const log = (msg) => console.log(`[${since()}] ${msg}`);

const results = [];
let shot = 0;
let page;

async function screenshot(name) {
  if (!page) return undefined;
  shot += 1;
  const file = path.join(RESULTS_DIR, `${String(shot).padStart(2, "0")}-${name}.png`);
  try {
    await page.screenshot({ path: file });
    return file;
  } catch (err) {
    log(`  (screenshot ${name} failed: ${err.message})`);
    return undefined;
  }
}

async function step(name, fn) {
  const started = Date.now();
  log(`▶ ${name}`);
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    log(`✔ ${name} (${secs(Date.now() - started)})${detail ? `: ${detail}` : ""}`);
  } catch (err) {
    results.push({ name, ok: false, error: err });
    log(`✘ ${name} (${secs(Date.now() - started)}): ${err?.stack ?? err}`);
    await screenshot(`failed-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const norm = (s) => s.replace(/\u00a0/g, " ");

// ---- workbench helpers -------------------------------------------------------------------------

/** The Hearth status bar item (its accessible name starts with "Hearth"). */
function hearthStatus() {
  return page.locator(".statusbar-item").filter({ hasText: /Hearth/ }).first();
}

async function statusText() {
  const item = hearthStatus();
  if ((await item.count()) === 0) return undefined;
  return norm((await item.innerText()).trim());
}

/** Waits until the Hearth status text matches `re`; fails early when nothing serves (a failed load, a stopped engine). */
async function waitForStatus(re, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await statusText();
    if (last !== undefined && re.test(last)) return last;
    if (last !== undefined && /Hearth: (.* failed to load|engine stopped)$/.test(last) && !re.test(last)) {
      const label = await hearthStatus().locator("[aria-label]").first().getAttribute("aria-label").catch(() => null);
      throw new Error(`status bar shows "${last}" (${label ?? "no label"})`);
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`status bar did not match ${re} within ${secs(timeoutMs)}; last text: ${JSON.stringify(last)}`);
}

/** Waits while a quick input is closing: F1 during its hide animation opens an inert box. */
async function quickInputSettled() {
  await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 2_000 }).catch(() => {});
}

/**
 * Opens a quick input with `key` and types `text` into it. Right after a webview had focus the
 * widget now and then opens inert (it takes no input): close it and open it again.
 */
async function openQuickInput(key, text) {
  const input = page.locator(".quick-input-widget input");
  for (let attempt = 1; ; attempt++) {
    await quickInputSettled();
    await page.keyboard.press(key);
    try {
      await input.waitFor({ state: "visible", timeout: 10_000 });
      await input.fill(text, { timeout: 4_000 });
      return input;
    } catch (error) {
      if (attempt >= 4) throw error;
      log(`  quick input (${key}) took no input (attempt ${attempt}): retrying`);
      await page.keyboard.press("Escape");
      // Give the workbench's own focus back before the next try.
      await page.locator(".editor-group-container.active .monaco-editor .view-lines, .editor-group-container.active").first().click({ timeout: 2_000 }).catch(() => {});
    }
  }
}

/** Opens a workspace file through Quick Open and waits for its tab. */
async function quickOpen(name) {
  await openQuickInput("Control+P", name);
  await page.locator(".quick-input-widget .monaco-list-row").filter({ hasText: name }).first().waitFor({ state: "visible" });
  await page.keyboard.press("Enter");
  await page.locator(".editor-group-container.active .tabs-container .tab.active").filter({ hasText: name }).waitFor({ state: "visible" });
}

/**
 * Runs a command from the palette. Right after a window reload a restoring view can take focus
 * and close the palette under the typed filter: then the palette is opened again.
 */
async function runPaletteCommand(title) {
  const rows = page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
  const row = rows.filter({ hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await openQuickInput("F1", `>${title}`);
    // The list re-renders as the filter applies: let it settle before picking a row.
    await page.waitForTimeout(400);
    try {
      await row.waitFor({ state: "visible", timeout: 8_000 });
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`  the palette closed before "${title}" could be picked (attempt ${attempt}): retrying`);
      await page.keyboard.press("Escape");
    }
  }
  // Enter runs the fuzzy filter's first pick: use it when that is ours, else click ours.
  const first = (await rows.first().getAttribute("aria-label")) ?? "";
  if (first === title || first.startsWith(`${title},`)) await page.keyboard.press("Enter");
  else await row.click();
  // Commands that open their own quick pick keep it open; the others close the palette.
  await quickInputSettled();
}

async function dismissNotifications() {
  const toasts = page.locator(".notifications-toasts .notification-list-item");
  if ((await toasts.count()) > 0) await runPaletteCommand("Notifications: Clear All Notifications").catch(() => {});
}

async function notificationTexts() {
  return page.locator(".notifications-toasts .notification-list-item-message").allInnerTexts().catch(() => []);
}

/** The chat webview's inner frame (the one holding textarea#prompt). */
async function chatFrame(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const outer = page.locator("iframe.webview.ready");
    const n = await outer.count();
    for (let i = 0; i < n; i++) {
      const frame = page.frameLocator("iframe.webview.ready").nth(i).frameLocator("iframe#active-frame");
      if ((await frame.locator("textarea#prompt").count().catch(() => 0)) > 0) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview with textarea#prompt within ${secs(timeoutMs)}`);
}

/** Files under the given repo paths modified after `ms` (relative paths). */
function newerThan(ms, roots) {
  const out = [];
  const walk = (rel) => {
    const abs = path.join(REPO_ROOT, rel);
    let st;
    try {
      st = statSync(abs);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const name of readdirSync(abs)) walk(path.join(rel, name));
    else if (st.mtimeMs > ms) out.push(rel);
  };
  roots.forEach(walk);
  return out;
}

// ---- main --------------------------------------------------------------------------------------

let server;
let browser;
let testbed;
let fatal;
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    console.error(`\n${sig}: stopping`);
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    if (testbed && !KEEP) testbed.remove();
    process.exit(130);
  });
}
try {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  mkdirSync(RESULTS_DIR, { recursive: true });

  await ensureWorkbench({ log });

  const manifest = extensionManifest();
  const extensionId = `${manifest.publisher}.${manifest.name}`;
  const vsix = vsixPath();
  if (!existsSync(vsix)) throw new Error(`${path.basename(vsix)} not found in ${REPO_ROOT}: run npm run package first`);
  const newerSources = newerThan(statSync(vsix).mtimeMs, ["src", "media", "package.json"]);
  if (newerSources.length) log(`warning: ${path.basename(vsix)} is older than ${newerSources.slice(0, 3).join(", ")}${newerSources.length > 3 ? ", …" : ""} (run npm run package to test the current code)`);

  testbed = prepareTestbed({ prefix: "hearth-e2e-" });
  await prepareCodeChainModel(REPO_ROOT, testbed);
  log(`temp folder ${testbed.root}; model ${testbed.modelFile}`);

  let t = Date.now();
  await installExtension(vsix, { extensionsDir: testbed.extensionsDir, userDataDir: testbed.userDataDir });
  await installExtension(guardExtensionVsix(), { extensionsDir: testbed.extensionsDir, userDataDir: testbed.userDataDir });
  const installed = existsSync(path.join(testbed.extensionsDir, `${extensionId}-${manifest.version}`));
  log(`installed ${path.basename(vsix)} in ${secs(Date.now() - t)}${installed ? "" : " (folder not found where expected)"}`);

  t = Date.now();
  server = await startCodeServer({
    userDataDir: testbed.userDataDir,
    extensionsDir: testbed.extensionsDir,
    workspace: testbed.workspace,
    env: networkGuardEnv(GUARD_LOG),
    logFile: path.join(RESULTS_DIR, "code-server.log"),
  });
  log(`code-server up at ${server.url} in ${secs(Date.now() - t)}`);

  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.setDefaultTimeout(30_000);
  const consoleErrors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  // Every frame's requests, the webviews' included: Hearth's chat view may load only its own files.
  browser.context.on("request", (request) => {
    const url = request.url();
    if (/^(data|blob|about):/.test(url)) return;
    const host = new URL(url).hostname;
    if (host === "127.0.0.1" || host === "localhost" || host.endsWith(".localhost")) return;
    let frameUrl = "";
    try {
      frameUrl = request.frame().url();
    } catch {
      /* a service worker's request has no frame */
    }
    remoteRequests.push({ url, frameUrl });
  });
  await page.goto(server.url);

  // a. Workbench and the extension's ready signal.
  await step("workbench ready", async () => {
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60_000 });
    log(`  workbench visible`);
    const text = await waitForStatus(/Hearth: stories260K/, 90_000);
    const label = await page.locator('.statusbar-item [aria-label*="Hearth"], .statusbar-item[aria-label*="Hearth"]').count();
    assert(label > 0, "no status bar element with an accessible name containing Hearth");
    await screenshot("workbench-ready");
    return `status "${text}"`;
  });

  // b. Ghost text in src/math.ts, accepted with Tab and saved.
  await step("inline completion", async () => {
    await quickOpen("math.ts");
    const editor = page.locator(".editor-instance .monaco-editor").first();
    await editor.locator(".view-lines").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    // Plain text, not a comment: Hearth does not suggest inside comments unless asked.
    const typed = "Once upon a time";
    await page.keyboard.type(typed, { delay: 20 });
    const ghost = page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text");
    const started = Date.now();
    await ghost.first().waitFor({ state: "visible", timeout: 30_000 });
    await page.waitForTimeout(300); // let a streaming/updated suggestion settle
    const firstLine = norm((await page.locator(".monaco-editor .ghost-text-decoration").allTextContents()).join(""));
    const moreLines = norm((await page.locator(".monaco-editor .ghost-text:not(.ghost-text-decoration)").allTextContents()).join("\n"));
    const shown = firstLine || moreLines;
    log(`  ghost text after ${secs(Date.now() - started)}: ${JSON.stringify(shown)}${moreLines && firstLine ? ` + ${JSON.stringify(moreLines)}` : ""}`);
    assert(shown.trim().length > 0, "ghost text element is empty");
    await screenshot("ghost-text");
    await page.keyboard.press("Tab");
    await ghost.first().waitFor({ state: "hidden", timeout: 5_000 }).catch(() => {});
    await page.keyboard.press("Control+S");
    const file = path.join(testbed.workspace, "src", "math.ts");
    const deadline = Date.now() + 10_000;
    let onDisk = "";
    while (Date.now() < deadline) {
      onDisk = readFileSync(file, "utf8");
      if (onDisk.includes(typed)) break;
      await page.waitForTimeout(200);
    }
    await screenshot("completion-accepted");
    const lastLine = onDisk.split("\n").find((l) => l.includes(typed)) ?? "";
    assert(onDisk.includes(typed), `saved file lacks the typed line; tail: ${JSON.stringify(onDisk.slice(-200))}`);
    assert(
      norm(onDisk).includes(typed + firstLine) || norm(onDisk).includes(shown.trim()),
      `saved file does not contain the ghost text ${JSON.stringify(shown)}; line: ${JSON.stringify(lastLine)}`,
    );
    return `saved line ${JSON.stringify(lastLine)}`;
  });

  // b2. Typed-ahead reuse, partial accept and pause (model requests counted in Hearth's log).
  await completionSteps({ page, step, log, screenshot, assert, runPaletteCommand, waitForStatus, userDataDir: testbed.userDataDir, norm });

  // c. Chat view: a streamed reply.
  await step("chat streams a reply", async () => {
    await page.keyboard.press("Escape");
    const activity = page.locator('.activitybar .action-item a[aria-label^="Hearth"], .activitybar .action-label[aria-label^="Hearth"]').first();
    if ((await activity.count()) > 0) await activity.click();
    else await runPaletteCommand("Hearth: Focus on Chat View");
    const frame = await chatFrame(30_000);
    const prompt = frame.locator("textarea#prompt");
    await prompt.waitFor({ state: "visible" });
    // Record every change of the reply (class and text length) from inside the webview.
    await frame.locator("#messages").evaluate((messages) => {
      const samples = [];
      window.__hearthSamples = samples;
      const sample = () => {
        const replies = messages.querySelectorAll(".message.assistant");
        const last = replies[replies.length - 1];
        if (last) samples.push({ t: performance.now(), len: (last.textContent ?? "").length, cls: last.className });
      };
      new MutationObserver(sample).observe(messages, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await prompt.click();
    await prompt.fill("Once upon a time");
    await screenshot("chat-prompt");
    await prompt.press("Enter");
    const reply = frame.locator("#messages .message.assistant").last();
    await reply.waitFor({ state: "attached", timeout: 30_000 });
    // Sample from outside too, while it streams.
    const outside = [];
    const deadline = Date.now() + 90_000;
    let streamingShot = false;
    while (Date.now() < deadline) {
      const cls = (await reply.getAttribute("class")) ?? "";
      const len = ((await reply.textContent()) ?? "").length;
      outside.push({ len, cls });
      if (!streamingShot && /streaming/.test(cls) && len > 0) {
        streamingShot = true;
        await screenshot("chat-streaming");
      }
      if (/\bdone\b/.test(cls)) break;
      await page.waitForTimeout(40);
    }
    const finalClass = (await reply.getAttribute("class")) ?? "";
    const text = ((await reply.innerText()) ?? "").trim();
    await screenshot("chat-done");
    assert(/\bdone\b/.test(finalClass), `reply never got class "done" (class "${finalClass}")`);
    assert(text.length > 0, "reply text is empty");
    const inside = await frame.locator("#messages").evaluate(() => window.__hearthSamples ?? []);
    const streamingLens = [...inside, ...outside].filter((s) => /streaming/.test(s.cls)).map((s) => s.len);
    const distinct = [...new Set(streamingLens.filter((l) => l > 0))].sort((a, b) => a - b);
    log(`  ${inside.length} DOM changes; lengths while streaming: ${distinct.slice(0, 12).join(", ")}${distinct.length > 12 ? ", …" : ""}; final ${text.length}`);
    assert(streamingLens.length > 0, "reply never had class \"streaming\"");
    assert(distinct.length >= 2, `reply text did not grow while streaming (lengths seen: ${distinct.join(", ") || "none"})`);
    return `${text.length} chars: ${JSON.stringify(text.slice(0, 80))}`;
  });

  // c2. Chat: welcome, Ask About Selection, Stop, Continue after maxTokens, @ files, history across a reload, Insert at Cursor, chat model switch.
  await chatSteps({ page, step, log, screenshot, assert, runPaletteCommand, openQuickInput, quickOpen, waitForStatus, chatFrame, dismissNotifications, userDataDir: testbed.userDataDir, workspace: testbed.workspace, norm });

  // d. Select Model… switches the completion model.
  await step("select model", async () => {
    await page.keyboard.press("Escape");
    await dismissNotifications();
    // The status bar item runs "Hearth: Select Model…" (the palette path is exercised by the chat model switch below).
    await hearthStatus().click();
    const rows = page.locator(".quick-input-widget .quick-input-list .monaco-list-row");
    const target = rows.filter({ hasText: "tiny-stories-b" }).first();
    await target.waitFor({ state: "visible", timeout: 15_000 });
    const labels = await rows.evaluateAll((els) => els.map((el) => el.querySelector(".label-name")?.textContent?.trim() ?? ""));
    assert(labels.some((l) => l.includes("tiny-stories-a")), `quick pick lacks tiny-stories-a: ${JSON.stringify(labels)}`);
    await screenshot("model-quick-pick");
    await target.click();
    // stories260K has no FIM tokens: Hearth warns before using it for completions and offers to continue.
    const useIt = page.locator(".monaco-dialog-box .monaco-button").filter({ hasText: "Use It" });
    await useIt.waitFor({ state: "visible", timeout: 10_000 });
    await screenshot("non-fim-warning");
    await useIt.click();
    const text = await waitForStatus(/Hearth: tiny-stories-b/, 60_000);
    await screenshot("model-switched");
    return `status "${text}"; picks ${JSON.stringify(labels)}`;
  });

  // e. The switched models in use, model info, the walkthrough.
  await modelSteps({ page, step, screenshot, assert, runPaletteCommand, userDataDir: testbed.userDataDir, modelFolder: testbed.modelFolder });

  // f. A multi-line suggestion after `{`, from the deterministic code-chain test model.
  await multiLineStep({ page, step, screenshot, assert, runPaletteCommand, quickOpen, userDataDir: testbed.userDataDir, workspace: testbed.workspace, norm });

  // g. The first minutes: palette, context menu, settings tab, failed loads, status, themes.
  await firstMinutesSteps({ page, step, log, screenshot, assert, runPaletteCommand, openQuickInput, waitForStatus, chatFrame, dismissNotifications, userDataDir: testbed.userDataDir, workspace: testbed.workspace, norm });

  const notes = await notificationTexts();
  if (notes.length) log(`notifications: ${notes.map((n) => JSON.stringify(n)).join("; ")}`);
  if (results.some((r) => !r.ok) && consoleErrors.length) {
    log(`browser console errors (last 10):\n  ${consoleErrors.slice(-10).join("\n  ")}`);
  }
} catch (err) {
  fatal = err;
  console.error(`e2e setup failed: ${err?.message ?? err}`);
  await screenshot("fatal");
} finally {
  if (browser) await browser.close();
  if (server) {
    const r = await server.stop();
    log(`stopped code-server (${r.killed} processes, ${r.forced} needed SIGKILL)`);
  }
  if (testbed && !KEEP) testbed.remove();
  else if (testbed) log(`kept ${testbed.root}`);
}

// Nothing from Hearth's processes or webviews may have left the machine.
{
  const guard = networkGuardVerdict(GUARD_LOG);
  log(guard.summary);
  // A webview's own files come through *.vscode-resource.vscode-cdn.net, which the webview's
  // service worker answers from the workbench (no network); only the installed extension's folder
  // may be read that way. Any other request from a webview frame is a violation; the workbench's
  // own requests (its extension gallery) are only reported.
  const fromWebviews = remoteRequests.filter((request) => /\/webview\//.test(request.frameUrl));
  const ownResource = (request) => /\.vscode-resource\.vscode-cdn\.net$/.test(new URL(request.url).hostname) && /\/hearth\.hearth-[^/]+\//.test(new URL(request.url).pathname);
  const fromHearthWebview = fromWebviews.filter((request) => !ownResource(request));
  log(`browser requests to other hosts: ${remoteRequests.length} (${fromWebviews.length} from webviews, all but ${fromHearthWebview.length} the extension's own files through the webview resource scheme)` +
    (remoteRequests.length ? `; hosts ${[...new Set(remoteRequests.map((request) => new URL(request.url).host))].slice(0, 4).join(", ")}` : ""));
  const problems = [...guard.problems, ...fromHearthWebview.slice(0, 5).map((request) => `webview request to ${request.url} (frame ${request.frameUrl})`)];
  if (server) {
    results.push({ name: "no network access from Hearth (extension host, engine, webviews)", ok: problems.length === 0, error: problems.length ? new Error(problems.join("\n")) : undefined });
    console.log(`${problems.length ? "✗" : "✓"} no network access from Hearth (extension host, engine, webviews)${problems.length ? `\n    ${problems.join("\n    ")}` : ""}`);
  }
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed + (fatal ? 1 : 0);
console.log(`total time ${since()}; screenshots and code-server.log in ${path.relative(process.cwd(), RESULTS_DIR) || RESULTS_DIR}`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || results.length === 0 ? 1 : 0);
