import type { TurnView } from "../../protocol/webviewProtocol";
import { decorateCodeBlocks, type CodeActionHandler } from "./codeBlocks";
import { el, icon, iconButton } from "./dom";
import { renderMarkdown } from "./markdown";

export interface MessageListCallbacks {
  codeAction: CodeActionHandler;
  regenerate(): void;
  edit(text: string): void;
  showPrompt(turnId: string): void;
  openLink(url: string): void;
  announce(text: string): void;
}

interface MessageView {
  id?: string;
  role: "user" | "assistant";
  text: string;
  element: HTMLElement;
  content: HTMLElement;
  footer: HTMLElement;
  actions: HTMLElement;
  streaming: boolean;
}

const BOTTOM_SLACK_PX = 24;

/**
 * The conversation: user messages as plain text, replies as sanitized markdown. While a
 * reply streams only that reply is re-rendered, at most once per animation frame, and
 * the view follows the end only when the person was already at the bottom.
 */
export class MessageList {
  readonly root: HTMLElement;
  private views: MessageView[] = [];
  private readonly pending = new Set<MessageView>();
  private frame: number | undefined;

  constructor(private readonly callbacks: MessageListCallbacks) {
    this.root = el("div");
    this.root.id = "messages";
    this.root.setAttribute("role", "region");
    this.root.setAttribute("aria-label", "Conversation");
    this.root.tabIndex = 0;
    this.root.addEventListener("click", (event) => {
      const target = event.target instanceof Element ? event.target.closest("a") : null;
      if (!target) return;
      event.preventDefault();
      const href = target.getAttribute("href");
      if (href && /^(https?:|mailto:)/i.test(href)) this.callbacks.openLink(href);
    });
  }

  isAtBottom(): boolean {
    return this.root.scrollHeight - this.root.scrollTop - this.root.clientHeight < BOTTOM_SLACK_PX;
  }

  private follow(wasAtBottom: boolean): void {
    if (wasAtBottom) this.root.scrollTop = this.root.scrollHeight;
  }

  get isStreaming(): boolean {
    return this.views.some((view) => view.streaming);
  }

  reset(turns: readonly TurnView[], streaming?: { id: string; text: string }): void {
    this.pending.clear();
    this.views = [];
    this.root.replaceChildren();
    for (const turn of turns) {
      const view = turn.role === "user" ? this.addUser(turn.text, turn.id, turn.context) : this.addAssistant(turn.id, turn.text);
      if (turn.role === "assistant") this.finish(view, turn.stopped === true, turn.error, turn.notes);
    }
    if (streaming) {
      const view = this.addAssistant(streaming.id, streaming.text);
      this.markStreaming(view);
    }
    this.refreshActions();
    this.root.scrollTop = this.root.scrollHeight;
  }

  appendUser(text: string, id?: string, context?: string[]): void {
    this.addUser(text, id, context);
    this.refreshActions();
    // The person just sent it: show it.
    this.root.scrollTop = this.root.scrollHeight;
  }

  startReply(id: string): void {
    const view = this.addAssistant(id, "");
    this.markStreaming(view);
    this.refreshActions();
    this.root.scrollTop = this.root.scrollHeight;
    this.callbacks.announce("Hearth is answering…");
  }

  appendChunk(id: string, text: string): void {
    const view = this.find(id);
    if (!view) return;
    view.text += text;
    this.schedule(view);
  }

  endReply(id: string, stopped: boolean, error?: string, notes?: string[]): void {
    const view = this.find(id);
    if (!view) return;
    const wasAtBottom = this.isAtBottom();
    this.pending.delete(view);
    this.finish(view, stopped, error, notes);
    this.refreshActions();
    this.follow(wasAtBottom);
    const summary = view.text.trim().slice(0, 300);
    this.callbacks.announce(error ? `Hearth could not answer: ${error}` : `${stopped ? "Reply stopped. " : ""}Hearth replied: ${summary || "(empty reply)"}`);
  }

  /** The text of the last user message (for edit). */
  lastUserText(): string | undefined {
    return [...this.views].reverse().find((view) => view.role === "user")?.text;
  }

  private find(id: string): MessageView | undefined {
    return this.views.find((view) => view.id === id);
  }

  private schedule(view: MessageView): void {
    this.pending.add(view);
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      const wasAtBottom = this.isAtBottom();
      for (const pendingView of this.pending) this.renderAssistant(pendingView);
      this.pending.clear();
      this.follow(wasAtBottom);
    });
  }

  private base(role: "user" | "assistant", id: string | undefined, text: string): MessageView {
    const element = el("article", `message ${role}`);
    element.setAttribute("aria-label", role === "user" ? "You said" : "Hearth replied");
    if (id) element.dataset.turnId = id;
    const content = el("div", role === "user" ? "content plain" : "content markdown");
    const footer = el("div", "message-footer");
    const actions = el("div", "message-actions");
    actions.setAttribute("role", "toolbar");
    actions.setAttribute("aria-label", role === "user" ? "Message actions" : "Reply actions");
    element.append(content, footer, actions);
    this.root.appendChild(element);
    const view: MessageView = { id, role, text, element, content, footer, actions, streaming: false };
    this.views.push(view);
    return view;
  }

  private addUser(text: string, id?: string, context?: string[]): MessageView {
    const view = this.base("user", id, text);
    if (context && context.length > 0) {
      const list = el("div", "message-context");
      list.setAttribute("aria-label", "Attached context");
      for (const label of context) {
        const chip = el("span", "chip static");
        chip.append(icon("file-code"), el("span", "chip-label", label));
        list.appendChild(chip);
      }
      view.element.insertBefore(list, view.content);
    }
    // Plain text: what the person typed is shown exactly, never interpreted.
    view.content.textContent = text;
    const edit = iconButton("edit", "Edit and resend", { className: "action-edit" });
    edit.addEventListener("click", () => this.callbacks.edit(view.text));
    view.actions.appendChild(edit);
    return view;
  }

  private addAssistant(id: string | undefined, text: string): MessageView {
    const view = this.base("assistant", id, text);
    const feedback = el("span", "code-feedback");
    feedback.setAttribute("aria-live", "polite");
    const copy = iconButton("copy", "Copy reply", { className: "action-copy" });
    copy.addEventListener("click", () => this.callbacks.codeAction("copy", view.text, "markdown", feedback));
    const prompt = iconButton("inspect", "Show Prompt", { className: "action-prompt" });
    prompt.addEventListener("click", () => view.id && this.callbacks.showPrompt(view.id));
    const regenerate = iconButton("refresh", "Regenerate", { className: "action-regenerate" });
    regenerate.addEventListener("click", () => this.callbacks.regenerate());
    view.actions.append(copy, prompt, regenerate, feedback);
    this.renderAssistant(view);
    return view;
  }

  private renderAssistant(view: MessageView): void {
    const fragment = renderMarkdown(view.text);
    decorateCodeBlocks(fragment, this.callbacks.codeAction);
    view.content.replaceChildren(fragment);
  }

  private markStreaming(view: MessageView): void {
    view.streaming = true;
    view.element.classList.add("streaming");
    view.element.setAttribute("aria-busy", "true");
  }

  private finish(view: MessageView, stopped: boolean, error?: string, notes?: string[]): void {
    view.streaming = false;
    this.renderAssistant(view);
    view.element.classList.remove("streaming");
    view.element.classList.add("done");
    view.element.removeAttribute("aria-busy");
    view.footer.replaceChildren();
    if (stopped) {
      view.element.classList.add("stopped");
      view.footer.appendChild(el("div", "note", "Stopped."));
    }
    for (const note of notes ?? []) {
      const line = el("div", "note");
      line.append(icon("info"), el("span", undefined, note));
      view.footer.appendChild(line);
    }
    if (error) {
      const line = el("div", "error");
      line.setAttribute("role", "alert");
      line.append(icon("warning"), el("span", undefined, error));
      view.footer.appendChild(line);
    }
  }

  /** Edit only on the last message, Regenerate only on the last reply, nothing while streaming. */
  private refreshActions(): void {
    const streaming = this.isStreaming;
    const lastUser = [...this.views].reverse().find((view) => view.role === "user");
    const lastReply = this.views[this.views.length - 1];
    for (const view of this.views) {
      const edit = view.actions.querySelector<HTMLButtonElement>(".action-edit");
      if (edit) edit.hidden = streaming || view !== lastUser;
      const regenerate = view.actions.querySelector<HTMLButtonElement>(".action-regenerate");
      if (regenerate) regenerate.hidden = streaming || view !== lastReply;
      const prompt = view.actions.querySelector<HTMLButtonElement>(".action-prompt");
      if (prompt) prompt.hidden = view.streaming || !view.id;
      const copy = view.actions.querySelector<HTMLButtonElement>(".action-copy");
      if (copy) copy.hidden = view.streaming;
    }
  }
}
