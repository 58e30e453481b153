import { randomBytes, randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { Conversation } from "../core/chat/conversation";
import { EngineRequestError, type EngineClient } from "../core/engine/engineClient";
import type { ModelController } from "../core/models/modelController";
import {
  parseWebviewMessage, type ChatModelState, type ExtensionToWebviewMessage, type WebviewToExtensionMessage,
} from "../protocol/webviewProtocol";
import { getSetting } from "./configuration";

/** The sidebar chat: a webview that streams replies of the chat model. */
export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "hearth.chatView";
  private view: vscode.WebviewView | undefined;
  private conversation = new Conversation(randomUUID());
  private running: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly engine: EngineClient,
    private readonly models: ModelController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push({ dispose: models.onDidChangeState(() => this.postModelState()).dispose });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const distUri = vscode.Uri.joinPath(this.extensionUri, "dist", "webview");
    const mediaUri = vscode.Uri.joinPath(this.extensionUri, "media");
    view.webview.options = { enableScripts: true, localResourceRoots: [distUri, mediaUri] };
    view.webview.html = this.html(view.webview, distUri, mediaUri);
    this.disposables.push(
      view.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseWebviewMessage(raw);
        if (message) void this.onMessage(message);
      }),
      view.onDidDispose(() => {
        this.running?.abort();
        this.view = undefined;
      }),
    );
  }

  private post(message: ExtensionToWebviewMessage): void {
    void this.view?.webview.postMessage(message);
  }

  private modelState(): ChatModelState {
    const state = this.models.state("chat");
    if (state.kind === "none") {
      // The chat follows the completion model until it has been asked to load.
      const path = this.models.configuredPath("chat");
      return path ? { kind: "loading", name: path.replace(/^.*[\\/]/, "").replace(/\.gguf$/i, "") } : { kind: "none" };
    }
    if (state.kind === "ready") return { kind: "ready", name: state.info.displayName };
    if (state.kind === "loading") return { kind: "loading", name: state.name };
    return { kind: "error", name: state.previous?.displayName ?? state.name, message: state.message };
  }

  private postModelState(): void {
    this.post({ type: "modelState", state: this.modelState() });
  }

  private async onMessage(message: WebviewToExtensionMessage): Promise<void> {
    switch (message.type) {
      case "ready":
        this.post({ type: "reset", turns: [...this.conversation.history] });
        this.postModelState();
        if (this.models.configuredPath("chat")) void this.models.ensure("chat");
        return;
      case "send":
        await this.send(message.text);
        return;
      case "stop":
        this.running?.abort();
        return;
      case "newChat":
        this.running?.abort();
        this.conversation = new Conversation(randomUUID());
        this.post({ type: "reset", turns: [] });
        return;
      case "selectModel":
        await vscode.commands.executeCommand("hearth.selectModel");
        return;
    }
  }

  private async send(text: string): Promise<void> {
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    const id = randomUUID();
    this.post({ type: "replyStart", id, userText: text });
    let reply = "";
    try {
      const model = await this.models.ensure("chat");
      if (!model) {
        this.post({ type: "replyEnd", id, stopped: false, error: "No chat model is loaded. Use \"Select Model…\" to choose a GGUF file." });
        return;
      }
      const result = await this.engine.request("chat", this.conversation.request(text, getSetting("hearth.chat.maxTokens")), {
        signal: controller.signal,
        onStream: (chunk) => {
          reply += chunk;
          this.post({ type: "replyChunk", id, text: chunk });
        },
      });
      this.models.confirmServing("chat");
      this.conversation.record(text, result.text);
      this.log.info(`chat: ${result.stats.generatedTokens} tokens, first token ${Math.round(result.stats.firstTokenMs)} ms, ` +
        `total ${Math.round(result.stats.generationMs)} ms, ${result.stopReason}`);
      this.post({ type: "replyEnd", id, stopped: result.stopReason === "aborted" });
    } catch (error) {
      const aborted = error instanceof EngineRequestError && error.code === "aborted";
      if (reply) this.conversation.record(text, reply);
      const messageText = error instanceof Error ? error.message : String(error);
      if (!aborted) this.log.error(`chat failed: ${messageText}`);
      this.post({ type: "replyEnd", id, stopped: aborted, error: aborted ? undefined : messageText });
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  private html(webview: vscode.Webview, distUri: vscode.Uri, mediaUri: vscode.Uri): string {
    const nonce = randomBytes(16).toString("base64");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(distUri, "chat.js"));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(mediaUri, "chat.css"));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Hearth Chat</title>
</head>
<body>
<header id="header"><span id="model-name" aria-live="polite"></span><button id="new-chat" title="New Chat" aria-label="New Chat">New Chat</button></header>
<div id="no-model" hidden role="status">
  <p>No model is selected. Hearth runs a GGUF model on this machine.</p>
  <button id="select-model">Select Model…</button>
</div>
<main id="messages" role="log" aria-live="polite" aria-label="Conversation"></main>
<form id="composer">
  <textarea id="prompt" rows="3" aria-label="Message Hearth" placeholder="Ask about your code (Enter to send, Shift+Enter for a new line)"></textarea>
  <div id="actions">
    <button id="stop" type="button" hidden aria-label="Stop generating">Stop</button>
    <button id="send" type="submit" aria-label="Send message">Send</button>
  </div>
</form>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.running?.abort();
    for (const disposable of this.disposables) disposable.dispose();
  }
}
