// Debian chromium driven by playwright-core (never `playwright install`).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CHROMIUM_PATH } from "./paths.mjs";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/**
 * Launches chromium headless with a fresh profile. Returns { browser, context, close() }:
 * context is a persistent context (fresh user-data-dir, removed by close()).
 */
export async function launchChromium({ headless = true, viewport = { width: 1600, height: 1000 }, args = [] } = {}) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found: run npm run setup:workbench (or apt-get install -y chromium)`);
  }
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(path.join(os.tmpdir(), "hearth-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless,
    args: [...CHROMIUM_ARGS, ...args], // playwright adds --headless itself
    viewport,
  });
  const close = async () => {
    try {
      await context.close();
    } catch {
      /* already closed */
    }
    rmSync(profile, { recursive: true, force: true });
  };
  return { browser: context.browser(), context, close };
}
