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

  show(items: readonly ConversationSummary[], activeId: string, now = Date.now()): void {
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
      const messages = `${item.messages} message${item.messages === 1 ? "" : "s"}`;
      open.setAttribute("aria-label", `Open "${item.title}", ${messages}, ${when}${item.id === activeId ? " (current)" : ""}`);
      open.title = `${item.title}\n${when}`;
      if (item.id === activeId) open.setAttribute("aria-current", "true");
      // The title has the row's whole width; when and how long go on a second line.
      open.append(el("span", "history-title", item.title), el("span", "history-when", `${relativeTime(item.updatedAt, now)} · ${messages}`));
      open.addEventListener("click", () => this.callbacks.open(item.id));
      const remove = iconButton("trash", `Delete "${item.title}"`, { className: "history-delete" });
      remove.addEventListener("click", () => this.callbacks.remove(item.id, item.title));
      row.append(open, remove);
      this.list.appendChild(row);
    }
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 minutes ago", "yesterday", "Tuesday", "Nov 27": short enough to leave the title its room. */
export function relativeTime(at: number, now: number): string {
  const age = now - at;
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  if (age < MINUTE) return "just now";
  if (age < HOUR) return relative.format(-Math.floor(age / MINUTE), "minute");
  const date = new Date(at);
  const today = new Date(now);
  const startOfToday = new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime();
  if (at >= startOfToday) return relative.format(-Math.floor(age / HOUR), "hour");
  const days = Math.ceil((startOfToday - at) / DAY);
  if (days === 1) return relative.format(-1, "day");
  if (days < 7) return date.toLocaleDateString(undefined, { weekday: "long" });
  return date.toLocaleDateString(undefined, date.getFullYear() === today.getFullYear() ? { month: "short", day: "numeric" } : { year: "numeric", month: "short", day: "numeric" });
}
