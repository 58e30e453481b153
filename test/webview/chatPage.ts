import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import type { ExtensionToWebviewMessage } from "../../src/protocol/webviewProtocol";
import type { Harness } from "./harness";

export const CHROMIUM = process.env.HEARTH_CHROMIUM ?? "/usr/bin/chromium";

// What the callbacks passed to page.evaluate use of the page (they run in Chromium; this
// program is compiled without the DOM library).
interface InstrumentedWindow {
  __busy: number;
  __longest: number;
  __callbacks: number[];
  __rafPending: number;
  __messages: number;
  __mutations: number;
  __fastFrames: boolean;
  __raf(callback: () => void): number;
  postMessage(message: unknown, target: string): void;
}
declare const window: InstrumentedWindow;
declare function setTimeout(callback: () => void, ms: number): number;

export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set HEARTH_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
  });
}

/** The view's work for one step of a stream (the chunks posted in one frame). */
export interface StepFigure {
  /** The reply's length after the step. */
  length: number;
  /** Main-thread time of the view's message handling and animation frame callbacks for the step. */
  ms: number;
  /** Nodes the view added to or removed from the page in the step (and texts it changed). */
  nodes: number;
}

/**
 * The chat bundle in a page of an instrumented harness (startHarness({ instrument: true })):
 * posts the extension's messages and times what the view does with them.
 */
export class ChatPage {
  private constructor(readonly page: Page) {}

  /** `fastFrames`: the view's frame callbacks run without waiting for display frames (see the harness). */
  static async open(browser: Browser, harness: Harness, options: { fastFrames?: boolean } = {}): Promise<ChatPage> {
    const page = await browser.newPage();
    await page.goto(harness.url);
    await page.waitForFunction(() => window.__messages >= 0 && typeof window.__raf === "function");
    await page.evaluate((fast) => (window.__fastFrames = fast), options.fastFrames === true);
    return new ChatPage(page);
  }

  /** Posts messages and waits until the view has handled them and has no frame pending. */
  async send(...messages: ExtensionToWebviewMessage[]): Promise<void> {
    await this.page.evaluate(async (list) => {
      const target = window.__messages + list.length;
      for (const message of list) window.postMessage(message, "*");
      while (window.__messages < target) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }, messages);
    await this.idle();
  }

  /** Waits until no animation frame is pending (a long reply from history renders over several). */
  async idle(timeoutMs = 120_000): Promise<void> {
    await this.page.waitForFunction(() => window.__rafPending === 0, undefined, { timeout: timeoutMs, polling: 50 });
  }

  /** Resets the figures. */
  async resetFigures(): Promise<void> {
    await this.page.evaluate(() => {
      window.__busy = 0;
      window.__longest = 0;
      window.__callbacks = [];
    });
  }

  /** The longest single callback (message or frame) since the last reset, and the total. */
  async figures(): Promise<{ longestMs: number; busyMs: number }> {
    return this.page.evaluate(() => ({ longestMs: window.__longest, busyMs: window.__busy }));
  }

  /**
   * Streams `chunks` into the reply `id`, `perFrame` chunks per animation frame (tokens
   * arriving faster than frames), and returns the view's work for each step (its message
   * handling and the frame that renders them).
   */
  async stream(id: string, chunks: readonly string[], perFrame = 1): Promise<StepFigure[]> {
    return this.page.evaluate(async ({ id, chunks, perFrame }) => {
      const steps: { length: number; ms: number; nodes: number }[] = [];
      let length = 0;
      for (let index = 0; index < chunks.length; index += perFrame) {
        const step = chunks.slice(index, index + perFrame);
        const before = window.__busy;
        const mutations = window.__mutations;
        const target = window.__messages + step.length;
        for (const text of step) {
          window.postMessage({ type: "replyChunk", id, text }, "*");
          length += text.length;
        }
        while (window.__messages < target) await new Promise<void>((resolve) => setTimeout(resolve, 0));
        if (window.__fastFrames) {
          while (window.__rafPending > 0) await new Promise<void>((resolve) => setTimeout(resolve, 0));
        } else {
          // The view's frame runs before this one (it asked first).
          await new Promise<void>((resolve) => window.__raf(() => setTimeout(resolve, 0)));
        }
        steps.push({ length, ms: window.__busy - before, nodes: window.__mutations - mutations });
      }
      return steps;
    }, { id, chunks, perFrame });
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}

/** The median of the steps' times whose reply length lies in (from, to]. */
export function medianMs(steps: readonly StepFigure[], from: number, to: number): number {
  const values = steps.filter((step) => step.length > from && step.length <= to).map((step) => step.ms).sort((a, b) => a - b);
  return values.length === 0 ? Number.NaN : values[Math.floor(values.length / 2)];
}
