import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

/** Folders the chat webview may load files from. */
export function chatResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [
    vscode.Uri.joinPath(extensionUri, "dist", "webview"),
    vscode.Uri.joinPath(extensionUri, "media"),
    vscode.Uri.joinPath(extensionUri, "node_modules", "@vscode", "codicons", "dist"),
  ];
}

/**
 * The chat webview's page: a strict CSP (nothing remote, scripts only with the nonce,
 * no inline styles), the codicon font, the stylesheet and the bundle. The bundle builds
 * the DOM itself.
 */
export function chatHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString("base64");
  const uri = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri("node_modules", "@vscode", "codicons", "dist", "codicon.css")}">
<link rel="stylesheet" href="${uri("media", "chat.css")}">
<title>Hearth Chat</title>
</head>
<body>
<script nonce="${nonce}" src="${uri("dist", "webview", "chat.js")}"></script>
</body>
</html>`;
}
