import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

/**
 * Times the page's work (measurement only, before the bundle loads): every animation frame
 * callback and every message listener, in `__busy` (total ms), `__longest` and `__callbacks`;
 * `__rafPending` counts frames asked for and not yet run, `__messages` messages handled,
 * `__mutations` the nodes added to or removed from the page (and texts changed): how much
 * of the page the view rebuilt, whatever the machine's speed.
 * With `__fastFrames` set, a frame callback runs as soon as the page is idle instead of at the
 * next display frame: the same work, without waiting 16 ms for each frame.
 */
const INSTRUMENT = `<script>
window.__busy = 0; window.__longest = 0; window.__callbacks = []; window.__rafPending = 0; window.__messages = 0; window.__fastFrames = false;
window.__raf = window.requestAnimationFrame.bind(window);
function __timed(fn, arg) {
  var started = performance.now();
  try { return fn(arg); } finally {
    var spent = performance.now() - started;
    window.__busy += spent; window.__callbacks.push(spent);
    if (spent > window.__longest) window.__longest = spent;
  }
}
window.requestAnimationFrame = function (callback) {
  window.__rafPending += 1;
  var run = function () { window.__rafPending -= 1; __timed(callback, performance.now()); };
  return window.__fastFrames ? setTimeout(run, 0) : window.__raf(run);
};
window.__mutations = 0;
new MutationObserver(function (records) {
  for (var i = 0; i < records.length; i++) window.__mutations += records[i].addedNodes.length + records[i].removedNodes.length + (records[i].type === "characterData" ? 1 : 0);
}).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
var __add = window.addEventListener.bind(window);
window.addEventListener = function (type, listener, options) {
  if (type !== "message" || typeof listener !== "function") return __add(type, listener, options);
  return __add(type, function (event) { try { __timed(listener, event); } finally { window.__messages += 1; } }, options);
};
</script>`;

/** The page: the real bundle and stylesheets, with a fake acquireVsCodeApi that records what the view posts. */
const PAGE = (instrument: boolean) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<link rel="stylesheet" href="/codicon.css">
<link rel="stylesheet" href="/chat.css">
<title>Hearth chat renderer test</title>
${instrument ? INSTRUMENT : ""}
<script>
window.__pwned = 0;
window.pwn = function () { window.__pwned += 1; };
window.__posted = [];
window.__state = undefined;
window.acquireVsCodeApi = function () {
  return {
    postMessage: function (message) { window.__posted.push(JSON.parse(JSON.stringify(message))); },
    getState: function () { return window.__state; },
    setState: function (state) { window.__state = JSON.parse(JSON.stringify(state)); },
  };
};
</script>
</head><body><script src="/chat.js"></script></body></html>`;

const FILES: Record<string, { path: string; type: string }> = {
  "/chat.js": { path: join(ROOT, "dist", "webview", "chat.js"), type: "text/javascript" },
  "/chat.css": { path: join(ROOT, "media", "chat.css"), type: "text/css" },
  "/codicon.css": { path: join(ROOT, "node_modules", "@vscode", "codicons", "dist", "codicon.css"), type: "text/css" },
  "/codicon.ttf": { path: join(ROOT, "node_modules", "@vscode", "codicons", "dist", "codicon.ttf"), type: "font/ttf" },
};

export interface Harness {
  /** The page's own origin. */
  url: string;
  /** A second loopback server that payloads point at: every hit there is a leak. */
  leakUrl: string;
  leaks: string[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    if (address && typeof address === "object") resolve(`http://127.0.0.1:${address.port}`);
    else reject(new Error("the test server has no port"));
  }));
}

export interface HarnessOptions {
  /** Another build of the chat bundle (a benchmark's baseline). */
  bundle?: string;
  /** Time the page's frames and message handling (see INSTRUMENT). */
  instrument?: boolean;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const leaks: string[] = [];
  const page = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (path === "/") {
      response.writeHead(200, { "content-type": "text/html" }).end(PAGE(options.instrument === true));
      return;
    }
    const file = path === "/chat.js" && options.bundle ? { path: options.bundle, type: "text/javascript" } : FILES[path];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": file.type }).end(readFileSync(file.path));
  });
  const leak = createServer((request, response) => {
    leaks.push(request.url ?? "");
    response.writeHead(204).end();
  });
  const [url, leakUrl] = await Promise.all([listen(page), listen(leak)]);
  return {
    url, leakUrl, leaks,
    close: async () => {
      await Promise.all([page, leak].map((server) => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })));
    },
  };
}
