import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { ChatSession } from "../core/chat/chatSession";
import { ChatHistoryStore } from "../core/chat/historyStore";
import { renderSentPrompt } from "../core/chat/promptDocument";
import type { EngineClient } from "../core/engine/engineClient";
import type { ModelController } from "../core/models/modelController";
import {
  parseWebviewMessage, type ChatModelState, type ExtensionToWebviewMessage, type WebviewToExtensionMessage,
} from "../protocol/webviewProtocol";
import { runCodeAction } from "./chatCodeActions";
import { ChatContextTracker, editorContext } from "./chatContext";
import { pickContext } from "./chatContextPicker";
import { chatHtml, chatResourceRoots } from "./chatHtml";
import { getSetting } from "./configuration";
import type { ReadOnlyDocuments } from "./readOnlyDocuments";

export interface ChatViewDependencies {
  extensionUri: vscode.Uri;
  /** The extension's global storage folder: the chat history lives there. */
  storageUri: vscode.Uri;
  engine: EngineClient;
  models: ModelController;
  log: vscode.LogOutputChannel;
  documents: ReadOnlyDocuments;
}

/** The chat model's state as the view shows it. */
export function chatModelState(models: ModelController): ChatModelState {
  const state = models.state("chat");
  if (state.kind === "none") {
    // The chat follows the completion model until it has been asked to load.
    const path = models.configuredPath("chat");
    return path ? { kind: "loading", name: path.replace(/^.*[\\/]/, "").replace(/\.gguf$/i, "") } : { kind: "none" };
  }
  if (state.kind === "ready") return { kind: "ready", name: state.info.displayName };
  // Unloaded on request: the header keeps naming the model, which loads with the next message.
  if (state.kind === "unloaded") return { kind: "ready", name: state.name };
  if (state.kind === "loading") return { kind: "loading", name: state.name };
  return { kind: "error", name: state.previous?.displayName ?? state.name, message: state.message };
}

/** The sidebar chat: routes the webview's messages to the chat session, the editor and the model picker. */
export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "hearth.chatView";
  readonly session: ChatSession;
  readonly context = new ChatContextTracker();
  private view: vscode.WebviewView | undefined;
  private viewDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: ChatViewDependencies) {
    const { engine, models, log } = deps;
    this.session = new ChatSession({
      model: async () => {
        const info = await models.ensure("chat");
        return info ? { name: info.displayName, contextSize: info.contextSize } : undefined;
      },
      chat: async (params, signal, onStream) => {
        const result = await engine.request("chat", params, { signal, onStream });
        models.confirmServing("chat");
        return result;
      },
      maxTokens: () => getSetting("hearth.chat.maxTokens"),
      log: (level, message) => log[level](message),
    }, { newId: randomUUID, now: Date.now, store: new ChatHistoryStore(vscode.Uri.joinPath(deps.storageUri, "chat").fsPath) });
    this.disposables.push(
      this.context,
      { dispose: models.onDidChangeState(() => this.post({ type: "modelState", state: chatModelState(models) })).dispose },
      { dispose: this.session.onPost((message) => this.post(message)).dispose },
      { dispose: this.session.onWarning((message) => void vscode.window.showWarningMessage(`Hearth: ${message}`)).dispose },
      this.context.onDidChange(() => this.post({ type: "context", chips: this.context.chips() })),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    for (const disposable of this.viewDisposables) disposable.dispose();
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: chatResourceRoots(this.deps.extensionUri) };
    view.webview.html = chatHtml(view.webview, this.deps.extensionUri);
    this.viewDisposables = [
      view.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseWebviewMessage(raw);
        if (message) void this.onMessage(message).catch((error: Error) => this.deps.log.error(`chat view: ${error.message}`));
      }),
      view.onDidDispose(() => {
        // A reply still streaming keeps going and is saved; the next view shows it.
        if (this.view === view) this.view = undefined;
      }),
    ];
  }

  private post(message: ExtensionToWebviewMessage): void {
    void this.view?.webview.postMessage(message);
  }

  private async onMessage(message: WebviewToExtensionMessage): Promise<void> {
    switch (message.type) {
      case "ready":
        await this.session.loaded;
        for (const part of this.session.snapshot()) this.post(part);
        this.post({ type: "modelState", state: chatModelState(this.deps.models) });
        this.post({ type: "context", chips: this.context.chips() });
        if (this.deps.models.configuredPath("chat")) void this.deps.models.ensure("chat");
        return;
      case "send":
        await this.session.loaded;
        return this.session.send(message.text, this.context.takeItems());
      case "stop":
        return this.session.stop(message.replyId !== undefined && message.shown !== undefined ? { replyId: message.replyId, shown: message.shown } : undefined);
      case "continue":
        return this.session.continueReply(message.id);
      case "regenerate":
        return this.session.regenerate();
      case "editLast":
        return this.session.editLast(message.text);
      case "newChat":
        return this.session.newChat();
      case "openConversation":
        return this.session.open(message.id);
      case "deleteConversation":
        return this.session.delete(message.id);
      case "selectModel":
        await vscode.commands.executeCommand("hearth.selectChatModel");
        return;
      case "removeContext":
        return this.context.remove(message.id);
      case "pickContext": {
        const item = await pickContext();
        if (item) this.context.attach(item);
        this.post({ type: "focus" });
        return;
      }
      case "showPrompt": {
        const turnId = message.turnId;
        const prompt = this.session.promptFor(turnId);
        if (!prompt) {
          void vscode.window.showInformationMessage("Hearth: that reply is no longer in the open conversation.");
          return;
        }
        await this.deps.documents.show("Chat Prompt", () => renderSentPrompt(prompt), { key: turnId });
        return;
      }
      case "openLink":
        await vscode.env.openExternal(vscode.Uri.parse(message.url, true));
        return;
      case "codeAction": {
        const result = await runCodeAction(message.action, message.code, message.language, this.context.editor()).catch((error: Error) => ({
          ok: false, message: error.message,
        }));
        this.post({ type: "response", requestId: message.requestId, ...result });
        return;
      }
    }
  }

  /** "Hearth: Ask About Selection": opens the chat with the selection (or the file) attached. */
  async askAboutSelection(): Promise<void> {
    const editor = this.context.editor();
    if (!editor) {
      void vscode.window.showInformationMessage("Hearth: open a file and select the code to ask about.");
      return;
    }
    this.context.attach(editorContext(editor, randomUUID()));
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    this.post({ type: "focus" });
  }

  dispose(): void {
    this.session.dispose();
    for (const disposable of [...this.viewDisposables, ...this.disposables]) disposable.dispose();
  }
}
