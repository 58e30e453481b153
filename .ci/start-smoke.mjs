#!/usr/bin/env node
// CI's smoke of the README's first command, run as a newcomer runs it: `npm start` on a fresh
// clone (no node_modules, no workbench), with no argument. It waits for the printed URL, opens it
// in chromium (playwright-core, /usr/bin/chromium), sees the workbench and Hearth's status bar
// item with the model, then stops it with Ctrl+C (SIGINT to its process group) and checks that
// the port is released. A second `npm start` after a setting was changed as the Settings UI
// writes it must keep that setting and the port. Uses only Node until npm start has installed
// the dependencies. Screenshot: test-results/start-smoke.png.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = path.join(ROOT, "test-results");
const MACHINE_SETTINGS = path.join(ROOT, ".vscode-test", "start", "user-data", "Machine", "settings.json");
const URL_PATTERN = /http:\/\/127\.0\.0\.1:(\d+)\/\S*/;
const started = Date.now();
const secs = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const log = (message) => console.log(`[start-smoke ${secs()}] ${message}`);

function fail(message) {
  throw new Error(message);
}

/** Runs `npm start` in its own process group; resolves with { child, url, port, output() } once the URL is printed. */
function npmStart(timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["start"], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const onData = (data) => {
      process.stdout.write(data);
      output += data;
      const match = URL_PATTERN.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[0], port: Number(match[1]), output: () => output });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      stop(child).finally(() => reject(new Error(`npm start printed no URL within ${timeoutMs / 1000} s`)));
    }, timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${signal ?? `code ${code}`}) before printing a URL:\n${output.slice(-3000)}`));
    });
  });
}

/** Ctrl+C: SIGINT to the whole process group, as a terminal sends it; resolves with the exit. */
function stop(child, timeoutMs = 60_000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
      resolve({ code: null, signal: "SIGKILL", timedOut: true });
    }, timeoutMs);
    child.removeAllListeners("exit");
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
    try {
      process.kill(-child.pid, "SIGINT");
    } catch {
      /* gone */
    }
  });
}

function portAnswers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => socket.destroy() || resolve(true));
    socket.once("error", () => resolve(false));
  });
}

async function checkInChromium(url) {
  // Installed by npm start's prestart step (npm ci): the first command set up everything.
  const { launchChromium } = await import(pathToFileURL(path.join(ROOT, "scripts", "workbench", "browser.mjs")).href);
  const browser = await launchChromium();
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(url);
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 90_000 });
    log("workbench visible");
    await page.locator(".statusbar-item").filter({ hasText: /Hearth/ }).first().waitFor({ state: "visible", timeout: 90_000 });
    // The README's models folder (../shared/models) holds stories260K.gguf: Hearth's item names it
    // once loaded (it says "indexing…" and "loading stories260K…" before).
    const deadline = Date.now() + 120_000;
    let seen = [];
    for (;;) {
      seen = await page.locator(".statusbar-item").evaluateAll((items) => items
        .map((item) => `${item.textContent ?? ""} | ${item.getAttribute("aria-label") ?? item.querySelector("[aria-label]")?.getAttribute("aria-label") ?? ""}`.replace(/\s+/g, " ").trim())
        .filter((text) => text.includes("Hearth")));
      if (seen.some((text) => text.includes("stories260K") && !/loading|error|failed/i.test(text))) break;
      if (Date.now() > deadline) fail(`no Hearth status bar item shows the model stories260K loaded within 120 s: ${JSON.stringify(seen)}`);
      await page.waitForTimeout(500);
    }
    log(`Hearth's status bar items: ${JSON.stringify(seen)}`);
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, "start-smoke.png") });
  } finally {
    await browser.close();
  }
}

async function main() {
  if (existsSync(path.join(ROOT, "node_modules"))) fail("node_modules exists: the smoke starts from a fresh clone");
  const kerberosMissing = !existsSync("/usr/include/gssapi/gssapi.h");

  log("README command 1: npm start");
  const first = await npmStart(20 * 60_000);
  log(`URL ${first.url}`);
  try {
    await checkInChromium(first.url);
  } finally {
    const exit = await stop(first.child);
    log(`stopped with Ctrl+C: ${exit.signal ?? `exit code ${exit.code}`}`);
    if (exit.timedOut) fail("npm start did not stop within 60 s of Ctrl+C");
  }
  // npm itself may exit on Ctrl+C before start.mjs has stopped code-server: give that 30 s.
  const deadline = Date.now() + 30_000;
  while ((await portAnswers(first.port)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
  if (await portAnswers(first.port)) fail(`port ${first.port} still answers 30 s after npm start was stopped`);
  const output = first.output();
  if (!/npm ci/.test(output)) fail("npm start did not say it installs the npm dependencies");
  if (/chromium/i.test(output)) fail("npm start mentioned chromium: serving a URL needs no browser");
  if (kerberosMissing && !/Needs libkrb5-dev: .*Installing with: apt-get install/.test(output)) fail("libkrb5-dev was missing and npm start did not say in one line what it installs and why");

  // The Settings UI writes machine-scoped settings (the model paths) to Machine/settings.json.
  const settings = readFileSync(MACHINE_SETTINGS, "utf8").trim();
  const chatModel = JSON.parse(settings)["hearth.completion.modelPath"];
  writeFileSync(MACHINE_SETTINGS, `${settings.replace(/\}$/, `,\n  // chosen with Hearth: Select Chat Model…\n  "hearth.chat.modelPath": ${JSON.stringify(chatModel)}\n}`)}\n`);
  log("npm start again, after choosing a chat model in the settings");
  const second = await npmStart(5 * 60_000);
  const exit = await stop(second.child);
  log(`second run on ${second.url}, stopped: ${exit.signal ?? `exit code ${exit.code}`}`);
  if (second.port !== first.port) fail(`the second run used port ${second.port}, not the last run's ${first.port}`);
  if (!readFileSync(MACHINE_SETTINGS, "utf8").includes(`"hearth.chat.modelPath": ${JSON.stringify(chatModel)}`)) fail("the second run dropped hearth.chat.modelPath");
  log("npm start: passed");
}

main().catch((error) => {
  console.error(`[start-smoke ${secs()}] FAILED: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
