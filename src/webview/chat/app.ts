import type { ChatModelState, CodeAction, ExtensionToWebviewMessage } from "../../protocol/webviewProtocol";
import { ContextChips } from "./contextChips";
import { el, icon, iconButton } from "./dom";
import { HistoryPanel } from "./historyPanel";
import type { ChatHost } from "./host";
import { MessageList } from "./messageList";
import { parseViewState, type ViewState } from "./viewState";
import { Welcome } from "./welcome";

/**
 * The chat view: header (chat model, history, new chat), past conversations, the
 * messages, and the composer with its context chips. Everything it does goes through
 * `host`, so a page with a fake host can drive it (the renderer tests do).
 */
export class ChatApp {
  private state: ViewState;
  private readonly messages: MessageList;
  private readonly chips: ContextChips;
  private readonly history: HistoryPanel;
  private readonly prompt: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly modelButton: HTMLButtonElement;
  private readonly modelName: HTMLSpanElement;
  private readonly noModel: HTMLElement;
  private readonly historyButton: HTMLButtonElement;
  private readonly editing: HTMLElement;
  private readonly announcer: HTMLElement;
  private readonly welcome: Welcome;
  private busy = false;
  private nextRequest = 1;
  private readonly feedback = new Map<number, HTMLElement>();
  private restoredScroll = false;

  constructor(private readonly host: ChatHost, body: HTMLElement) {
    this.state = parseViewState(host.getState());

    // Header.
    const header = el("header");
    header.id = "header";
    this.modelButton = el("button", "model-button");
    this.modelButton.id = "model-button";
    this.modelButton.type = "button";
    this.modelName = el("span");
    this.modelName.id = "model-name";
    this.modelButton.append(icon("hubot"), this.modelName, icon("chevron-down"));
    this.modelButton.addEventListener("click", () => host.post({ type: "selectModel" }));
    const toolbar = el("div", "header-actions");
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Chat");
    this.historyButton = iconButton("history", "Past conversations", { id: "history-button" });
    this.historyButton.setAttribute("aria-controls", "history-panel");
    this.historyButton.addEventListener("click", () => this.toggleHistory());
    const newChat = iconButton("add", "New Chat", { id: "new-chat" });
    newChat.addEventListener("click", () => {
      this.stopEditing();
      this.toggleHistory(false);
      host.post({ type: "newChat" });
      this.prompt.focus();
    });
    toolbar.append(this.historyButton, newChat);
    header.append(this.modelButton, toolbar);

    this.history = new HistoryPanel({
      open: (id) => {
        host.post({ type: "openConversation", id });
        this.toggleHistory(false);
        this.prompt.focus();
      },
      remove: (id, title) => {
        host.post({ type: "deleteConversation", id });
        this.announce(`Deleted "${title}".`);
      },
    });

    this.noModel = el("div", "no-model");
    this.noModel.id = "no-model";
    this.noModel.hidden = true;
    this.noModel.setAttribute("role", "status");
    const selectModel = el("button", "primary", "Select Chat Model…");
    selectModel.id = "select-model";
    selectModel.type = "button";
    selectModel.addEventListener("click", () => host.post({ type: "selectModel" }));
    this.noModel.append(el("p", undefined, "No chat model is selected. Hearth runs a GGUF model on this machine; nothing leaves it."), selectModel);

    this.messages = new MessageList({
      codeAction: (action, code, language, feedback) => this.codeAction(action, code, language, feedback),
      regenerate: () => host.post({ type: "regenerate" }),
      edit: (text) => this.startEditing(text),
      showPrompt: (turnId) => host.post({ type: "showPrompt", turnId }),
      openLink: (url) => host.post({ type: "openLink", url }),
      announce: (text) => this.announce(text),
      continueReply: (id) => host.post({ type: "continue", id }),
    });
    this.welcome = new Welcome({ selectModel: () => host.post({ type: "selectModel" }), attach: () => host.post({ type: "pickContext" }) });
    this.messages.root.prepend(this.welcome.root);
    this.messages.root.addEventListener("scroll", () => this.save({ scrollTop: this.messages.root.scrollTop }), { passive: true });

    this.announcer = el("div", "visually-hidden");
    this.announcer.id = "announcer";
    this.announcer.setAttribute("role", "status");
    this.announcer.setAttribute("aria-live", "polite");

    // Composer.
    const composer = el("form");
    composer.id = "composer";
    composer.setAttribute("aria-label", "Message");
    this.editing = el("div", "editing-banner");
    this.editing.id = "editing-banner";
    this.editing.hidden = true;
    const cancelEdit = el("button", "link-button", "Cancel");
    cancelEdit.type = "button";
    cancelEdit.addEventListener("click", () => this.stopEditing(true));
    this.editing.append(icon("edit"), el("span", undefined, "Editing your last message: sending replaces it and its reply."), cancelEdit);
    this.chips = new ContextChips((id) => host.post({ type: "removeContext", id }));
    this.prompt = el("textarea");
    this.prompt.id = "prompt";
    this.prompt.rows = 3;
    this.prompt.setAttribute("aria-label", "Message Hearth");
    this.prompt.placeholder = "Ask about your code (Enter sends, Shift+Enter new line, @ attaches files or symbols)";
    this.prompt.value = this.state.draft;
    const actions = el("div");
    actions.id = "actions";
    const attach = iconButton("mention", "Attach files or symbols (@)", { id: "attach" });
    attach.addEventListener("click", () => host.post({ type: "pickContext" }));
    this.stopButton = iconButton("debug-stop", "Stop generating", { id: "stop", text: "Stop" });
    this.stopButton.hidden = true;
    this.stopButton.addEventListener("click", () => this.stop());
    this.sendButton = iconButton("send", "Send message", { id: "send", text: "Send" });
    this.sendButton.type = "submit";
    actions.append(attach, el("span", "spacer"), this.stopButton, this.sendButton);
    composer.append(this.editing, this.chips.root, this.prompt, actions);
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.prompt.addEventListener("keydown", (event) => this.onKey(event));
    this.prompt.addEventListener("input", () => this.save({ draft: this.prompt.value }));

    body.replaceChildren(header, this.history.root, this.noModel, this.messages.root, this.announcer, composer);
    if (this.state.editing && this.state.draft) this.editing.hidden = false;
    this.toggleHistory(this.state.historyOpen);
    host.onMessage((message) => this.onMessage(message));
    host.post({ type: "ready" });
    this.prompt.focus();
  }

  private save(patch: Partial<ViewState>): void {
    this.state = { ...this.state, ...patch };
    this.host.setState(this.state);
  }

  private announce(text: string): void {
    // Clearing first makes a repeated text be announced again.
    this.announcer.textContent = "";
    requestAnimationFrame(() => (this.announcer.textContent = text));
  }

  private toggleHistory(open = this.history.root.hidden): void {
    this.history.root.hidden = !open;
    this.historyButton.setAttribute("aria-expanded", String(open));
    this.historyButton.classList.toggle("active", open);
    this.save({ historyOpen: open });
  }

  private onKey(event: KeyboardEvent): void {
    if (event.isComposing) return;
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      this.send();
    } else if (event.key === "ArrowUp" && this.prompt.value === "" && this.state.lastSent) {
      event.preventDefault();
      this.prompt.value = this.state.lastSent;
      this.save({ draft: this.prompt.value });
    } else if (event.key === "Escape") {
      if (this.busy) this.stop();
      else if (!this.editing.hidden) this.stopEditing(true);
    } else if (event.key === "@" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const before = this.prompt.value.slice(0, this.prompt.selectionStart);
      if (before === "" || /\s$/.test(before)) {
        event.preventDefault();
        this.host.post({ type: "pickContext" });
      }
    }
  }

  /** Stop: nothing more is shown from now on, and the extension keeps the reply as shown. */
  private stop(): void {
    const stopped = this.messages.stopStreaming();
    this.host.post(stopped ? { type: "stop", replyId: stopped.id, shown: stopped.shown } : { type: "stop" });
  }

  private showWelcome(): void {
    this.welcome.root.hidden = !this.messages.isEmpty;
  }

  private send(): void {
    const text = this.prompt.value;
    if (text.trim() === "" || this.busy) return;
    const editing = !this.editing.hidden;
    this.prompt.value = "";
    this.save({ draft: "", lastSent: text });
    this.stopEditing();
    this.host.post(editing ? { type: "editLast", text } : { type: "send", text });
  }

  private startEditing(text: string): void {
    this.prompt.value = text;
    this.editing.hidden = false;
    this.save({ draft: text, editing: true });
    this.prompt.focus();
    this.prompt.setSelectionRange(text.length, text.length);
  }

  private stopEditing(clear = false): void {
    if (this.editing.hidden) return;
    this.editing.hidden = true;
    if (clear) this.prompt.value = "";
    this.save({ editing: false, draft: this.prompt.value });
  }

  private codeAction(action: CodeAction, code: string, language: string, feedback: HTMLElement): void {
    const requestId = this.nextRequest++;
    this.feedback.set(requestId, feedback);
    this.host.post({ type: "codeAction", requestId, action, code, language });
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.stopButton.hidden = !busy;
    this.sendButton.disabled = busy;
  }

  private showModelState(state: ChatModelState): void {
    this.noModel.hidden = state.kind !== "none";
    const text = state.kind === "none" ? "Select Chat Model…"
      : state.kind === "loading" ? `Loading ${state.name}…`
      : state.kind === "ready" ? state.name
      : `${state.name} (error)`;
    this.modelName.textContent = text;
    this.modelButton.title = state.kind === "error" ? `${state.message} Click to select another chat model.` : "Select Chat Model…";
    this.modelButton.setAttribute("aria-label", state.kind === "none" ? "Select Chat Model…" : `Chat model: ${text}. Select Chat Model…`);
    this.modelButton.classList.toggle("error", state.kind === "error");
    this.welcome.showModel(state);
  }

  private onMessage(message: ExtensionToWebviewMessage): void {
    switch (message.type) {
      case "modelState":
        this.showModelState(message.state);
        return;
      case "reset":
        this.messages.reset(message.turns, message.streaming);
        this.setBusy(message.streaming !== undefined);
        this.showWelcome();
        if (!this.restoredScroll) {
          this.restoredScroll = true;
          if (this.state.scrollTop > 0) this.messages.restoreScroll(this.state.scrollTop);
        }
        return;
      case "conversations":
        this.history.show(message.items, message.activeId);
        return;
      case "context":
        this.chips.show(message.chips);
        return;
      case "replyStart":
        if (message.userText !== undefined) this.messages.appendUser(message.userText, message.userId, message.context);
        this.messages.startReply(message.id);
        this.setBusy(true);
        this.showWelcome();
        return;
      case "replyContinue":
        this.messages.continueReply(message.id);
        this.setBusy(true);
        return;
      case "replyChunk":
        this.messages.appendChunk(message.id, message.text);
        return;
      case "replyEnd":
        this.messages.endReply(message.id, message.stopped, message.error, message.notes, message.continuable === true);
        this.setBusy(false);
        return;
      case "focus":
        this.prompt.focus();
        return;
      case "response": {
        const feedback = this.feedback.get(message.requestId);
        this.feedback.delete(message.requestId);
        if (feedback) {
          feedback.textContent = message.message;
          feedback.classList.toggle("error", !message.ok);
          setTimeout(() => {
            if (feedback.textContent === message.message) feedback.textContent = "";
          }, 4000);
        } else {
          this.announce(message.message);
        }
        return;
      }
    }
  }
}
