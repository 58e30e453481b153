import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { webviewPage } from "../core/webviewPage";

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
  return webviewPage({
    csp: [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      "connect-src 'none'",
      "frame-src 'none'",
      "form-action 'none'",
      "base-uri 'none'",
    ],
    title: "Hearth Chat",
    stylesheets: [uri("node_modules", "@vscode", "codicons", "dist", "codicon.css"), uri("media", "chat.css")],
    body: `<script nonce="${nonce}" src="${uri("dist", "webview", "chat.js")}"></script>`,
  });
}
