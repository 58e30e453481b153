import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

/** The page: the real bundle and stylesheets, with a fake acquireVsCodeApi that records what the view posts. */
const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<link rel="stylesheet" href="/codicon.css">
<link rel="stylesheet" href="/chat.css">
<title>Hearth chat renderer test</title>
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

export async function startHarness(): Promise<Harness> {
  const leaks: string[] = [];
  const page = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (path === "/") {
      response.writeHead(200, { "content-type": "text/html" }).end(PAGE);
      return;
    }
    const file = FILES[path];
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
