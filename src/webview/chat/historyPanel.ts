import type { ConversationSummary } from "../../protocol/webviewProtocol";
import { el, iconButton } from "./dom";

/** Past conversations: open one, or delete it. */
export class HistoryPanel {
  readonly root: HTMLElement;
  private readonly list: HTMLUListElement;

  constructor(private readonly callbacks: { open(id: string): void; remove(id: string, title: string): void }) {
    this.root = el("div");
    this.root.id = "history-panel";
    this.root.setAttribute("role", "region");
    this.root.setAttribute("aria-label", "Past conversations");
    this.root.hidden = true;
    this.root.appendChild(el("h2", "panel-title", "Past conversations"));
    this.list = el("ul", "history-list");
    this.root.appendChild(this.list);
  }

  show(items: readonly ConversationSummary[], activeId: string): void {
    this.list.replaceChildren();
    if (items.length === 0) {
      this.list.appendChild(el("li", "history-empty", "No saved conversations yet."));
      return;
    }
    for (const item of items) {
      const row = el("li", `history-item${item.id === activeId ? " active" : ""}`);
      row.dataset.conversationId = item.id;
      const open = el("button", "history-open");
      open.type = "button";
      const when = new Date(item.updatedAt).toLocaleString();
      open.setAttribute("aria-label", `Open "${item.title}", ${item.messages} messages, ${when}${item.id === activeId ? " (current)" : ""}`);
      if (item.id === activeId) open.setAttribute("aria-current", "true");
      open.append(el("span", "history-title", item.title), el("span", "history-when", when));
      open.addEventListener("click", () => this.callbacks.open(item.id));
      const remove = iconButton("trash", `Delete "${item.title}"`, { className: "history-delete" });
      remove.addEventListener("click", () => this.callbacks.remove(item.id, item.title));
      row.append(open, remove);
      this.list.appendChild(row);
    }
  }
}
