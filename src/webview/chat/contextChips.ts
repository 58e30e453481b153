import type { ContextChip } from "../../protocol/webviewProtocol";
import { el, icon, iconButton } from "./dom";

const ICONS: Record<ContextChip["kind"], string> = { selection: "selection", file: "file-code", symbol: "symbol-method" };

/** The context attached to the next message, one removable chip each. */
export class ContextChips {
  readonly root: HTMLElement;

  constructor(private readonly onRemove: (id: string) => void) {
    this.root = el("div");
    this.root.id = "chips";
    this.root.setAttribute("role", "list");
    this.root.setAttribute("aria-label", "Context attached to the next message");
  }

  show(chips: readonly ContextChip[]): void {
    this.root.replaceChildren();
    this.root.hidden = chips.length === 0;
    for (const chip of chips) {
      const item = el("span", `chip${chip.auto ? " auto" : ""}`);
      item.setAttribute("role", "listitem");
      item.title = chip.detail;
      item.dataset.chipId = chip.id;
      item.append(icon(ICONS[chip.kind]), el("span", "chip-label", chip.label));
      if (chip.auto) item.appendChild(el("span", "chip-hint", chip.kind === "selection" ? "selection" : "current file"));
      const remove = iconButton("close", `Remove ${chip.label} from the context`, { className: "chip-remove" });
      remove.addEventListener("click", () => this.onRemove(chip.id));
      item.appendChild(remove);
      this.root.appendChild(item);
    }
  }
}
