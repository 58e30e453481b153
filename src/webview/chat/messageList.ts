import { MAX_REPLY_CHARS, type TurnView } from "../../protocol/webviewProtocol";
import { decorateCodeBlocks, type CodeActionHandler } from "./codeBlocks";
import { el, icon, iconButton } from "./dom";
import { ReplyRenderer } from "./replyRenderer";

export interface MessageListCallbacks {
  codeAction: CodeActionHandler;
  regenerate(): void;
  edit(text: string): void;
  showPrompt(turnId: string): void;
  openLink(url: string): void;
  announce(text: string): void;
  /** Continue a reply that reached hearth.chat.maxTokens. */
  continueReply(id: string): void;
}

interface MessageView {
  id?: string;
  role: "user" | "assistant";
  /** A user message's text (a reply's is its renderer's). */
  text: string;
  element: HTMLElement;
  content: HTMLElement;
  footer: HTMLElement;
  actions: HTMLElement;
  streaming: boolean;
  renderer?: ReplyRenderer;
  /** The person pressed Stop: chunks still arriving are held, and dropped if the reply ends stopped. */
  held?: string[];
  /** The reply reached hearth.chat.maxTokens and can be continued. */
  continuable: boolean;
}

const BOTTOM_SLACK_PX = 24;
/** A reply with more than this still to render is hidden until it is all rendered (see showLoading). */
const LOADING_BACKLOG_CHARS = 64 * 1024;
/** Rendering work per animation frame (a long reply from history takes several frames). */
const FRAME_BUDGET_MS = 12;

/** What Stop cut: the reply and how many characters of it the person was shown. */
export interface StoppedReply {
  id: string;
  shown: number;
}

/**
 * The conversation: user messages as plain text, replies as sanitized markdown rendered
 * incrementally (ReplyRenderer) within a time budget per animation frame. The view follows
 * the end only when the person was already at the bottom.
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
    this.root.addEventListener("scroll", () => this.onScroll(), { passive: true });
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

  /**
   * Whether the view follows the end: set when the person scrolls to the bottom, cleared
   * when they scroll up. Kept from scroll events rather than measured before each render,
   * which would lay the page out twice per frame.
   */
  private pinned = true;
  private lastScrollTop = 0;

  private onScroll(): void {
    const top = this.root.scrollTop;
    if (this.isAtBottom()) this.pinned = true;
    else if (top < this.lastScrollTop) this.pinned = false;
    this.lastScrollTop = top;
  }

  private follow(wasAtBottom: boolean): void {
    if (wasAtBottom) this.root.scrollTop = this.root.scrollHeight;
  }

  /** Scrolls to where the person was (the view was hidden and shown again); it follows the end only from there. */
  restoreScroll(top: number): void {
    this.root.scrollTop = top;
    this.lastScrollTop = this.root.scrollTop;
    this.pinned = this.isAtBottom();
  }

  /** Shows the end (a message just sent, a conversation just opened), and follows it from now on. */
  private scrollToEnd(): void {
    this.pinned = true;
    this.root.scrollTop = this.root.scrollHeight;
  }

  get isStreaming(): boolean {
    return this.views.some((view) => view.streaming);
  }

  get isEmpty(): boolean {
    return this.views.length === 0;
  }

  /** The text of a reply as the view holds it. */
  textOf(view: MessageView): string {
    return view.renderer ? view.renderer.value : view.text;
  }

  reset(turns: readonly TurnView[], streaming?: { id: string; text: string }): void {
    this.pending.clear();
    for (const view of this.views) view.element.remove();
    this.views = [];
    for (const turn of turns) {
      if (turn.role === "user") {
        this.addUser(turn.text, turn.id, turn.context);
      } else {
        const view = this.addAssistant(turn.id, turn.text);
        this.finish(view, turn.stopped === true, turn.error, turn.notes, turn.continuable === true);
      }
    }
    if (streaming) {
      const view = this.addAssistant(streaming.id, streaming.text);
      this.markStreaming(view);
    }
    this.refreshActions();
    // What fits in one frame's budget is shown now, the rest over the next frames.
    this.renderPending();
    this.scrollToEnd();
  }

  appendUser(text: string, id?: string, context?: string[]): void {
    this.addUser(text, id, context);
    this.refreshActions();
    // The person just sent it: show it.
    this.scrollToEnd();
  }

  startReply(id: string): void {
    const view = this.addAssistant(id, "");
    this.markStreaming(view);
    this.refreshActions();
    this.scrollToEnd();
    this.callbacks.announce("Hearth is answering…");
  }

  appendChunk(id: string, text: string): void {
    const view = this.find(id);
    if (!view?.renderer || !view.streaming) return;
    if (view.held) {
      view.held.push(text);
      return;
    }
    view.renderer.append(text);
    this.schedule(view);
  }

  /**
   * Stop: nothing more is shown of the streaming reply from now on. Returns the reply and
   * how much of it the person saw, so the extension keeps exactly that.
   */
  stopStreaming(): StoppedReply | undefined {
    const view = this.views.find((candidate) => candidate.streaming && candidate.renderer);
    if (!view?.renderer || !view.id) return undefined;
    view.held ??= [];
    return { id: view.id, shown: view.renderer.received };
  }

  /** A reply that reached the token limit streams on into the same message. */
  continueReply(id: string): void {
    const view = this.find(id);
    if (!view?.renderer) return;
    view.renderer.reopen();
    view.footer.replaceChildren();
    view.continuable = false;
    view.element.classList.remove("done", "stopped");
    this.markStreaming(view);
    this.refreshActions();
    this.callbacks.announce("Hearth is continuing the reply…");
  }

  endReply(id: string, stopped: boolean, error?: string, notes?: string[], continuable = false): void {
    const view = this.find(id);
    if (!view) return;
    // Stop came too late (the reply had ended): what was held back is part of it after all.
    if (view.held && !stopped) for (const chunk of view.held) view.renderer?.append(chunk);
    view.held = undefined;
    this.finish(view, stopped, error, notes, continuable);
    this.refreshActions();
    this.renderPending();
    const summary = this.textOf(view).trim().slice(0, 300);
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
      this.renderPending();
    });
  }

  /** Renders pending replies, oldest first, until the frame's budget is spent; the rest waits for the next frame. */
  private renderPending(): void {
    const wasAtBottom = this.pinned;
    const deadline = performance.now() + FRAME_BUDGET_MS;
    for (const view of this.pending) {
      const renderer = view.renderer;
      if (!renderer) {
        this.pending.delete(view);
        continue;
      }
      do renderer.update();
      while (renderer.busy && performance.now() < deadline);
      this.showLoading(view, renderer);
      if (!renderer.busy) {
        this.pending.delete(view);
        this.showTruncation(view);
      }
      if (performance.now() >= deadline) break;
    }
    this.follow(wasAtBottom);
    if (this.pending.size > 0 && this.frame === undefined) {
      this.frame = requestAnimationFrame(() => {
        this.frame = undefined;
        this.renderPending();
      });
    }
  }

  /**
   * A long reply from history (or one that was streaming when the view reopened) is rendered
   * over several frames: meanwhile its content is not laid out or painted (each frame would
   * show, then hide again, the part just added), and a line says how far it got.
   */
  private showLoading(view: MessageView, renderer: ReplyRenderer): void {
    const loading = renderer.backlog > LOADING_BACKLOG_CHARS || (view.content.classList.contains("loading") && renderer.busy);
    view.content.classList.toggle("loading", loading);
    let line = view.footer.querySelector(".note.loading");
    if (!loading) {
      line?.remove();
      return;
    }
    if (!line) {
      line = el("div", "note loading");
      line.setAttribute("role", "status");
      view.footer.prepend(line);
    }
    line.textContent = `Showing a long reply… ${Math.floor(renderer.progress * 100)}%`;
  }

  /** Says so under a reply the view had to cut (the extension cuts first; this is for anything it did not). */
  private showTruncation(view: MessageView): void {
    if (!view.renderer?.wasTruncated || view.footer.querySelector(".note.truncated")) return;
    const line = el("div", "note truncated");
    line.append(icon("info"), el("span", undefined, `Only the first ${MAX_REPLY_CHARS.toLocaleString("en-US")} characters of this reply are shown.`));
    view.footer.prepend(line);
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
    const view: MessageView = { id, role, text, element, content, footer, actions, streaming: false, continuable: false };
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
    const view = this.base("assistant", id, "");
    view.renderer = new ReplyRenderer(view.content, (fragment) => decorateCodeBlocks(fragment, this.callbacks.codeAction));
    view.renderer.append(text);
    const feedback = el("span", "code-feedback");
    feedback.setAttribute("aria-live", "polite");
    const copy = iconButton("copy", "Copy reply", { className: "action-copy" });
    copy.addEventListener("click", () => this.callbacks.codeAction("copy", this.textOf(view), "markdown", feedback));
    const prompt = iconButton("inspect", "Show Prompt", { className: "action-prompt" });
    prompt.addEventListener("click", () => view.id && this.callbacks.showPrompt(view.id));
    const regenerate = iconButton("refresh", "Regenerate", { className: "action-regenerate" });
    regenerate.addEventListener("click", () => this.callbacks.regenerate());
    view.actions.append(copy, prompt, regenerate, feedback);
    this.pending.add(view);
    return view;
  }

  private markStreaming(view: MessageView): void {
    view.streaming = true;
    view.element.classList.add("streaming");
    view.element.setAttribute("aria-busy", "true");
  }

  private finish(view: MessageView, stopped: boolean, error?: string, notes?: string[], continuable = false): void {
    view.streaming = false;
    view.continuable = continuable;
    view.renderer?.finish();
    if (view.renderer) this.schedule(view);
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
    if (continuable && view.id) {
      const id = view.id;
      const button = iconButton("debug-continue", "Continue the reply", { className: "action-continue", text: "Continue" });
      button.addEventListener("click", () => this.callbacks.continueReply(id));
      view.footer.appendChild(button);
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
      const continueButton = view.footer.querySelector<HTMLButtonElement>(".action-continue");
      if (continueButton) continueButton.hidden = streaming || view !== lastReply || !view.continuable;
    }
  }
}
