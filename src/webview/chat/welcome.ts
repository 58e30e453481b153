import type { ChatModelState } from "../../protocol/webviewProtocol";
import { el, icon } from "./dom";

/**
 * What an empty chat shows: what Hearth can do, how to attach code with @, which model
 * answers (a click switches it), and that nothing leaves the machine.
 */
export class Welcome {
  readonly root: HTMLElement;
  private readonly model: HTMLElement;
  private readonly modelName: HTMLButtonElement;

  constructor(actions: { selectModel(): void; attach(): void }) {
    this.root = el("section", "welcome");
    this.root.id = "welcome";
    this.root.setAttribute("aria-labelledby", "welcome-title");
    const title = el("h2", "welcome-title", "Ask Hearth about your code");
    title.id = "welcome-title";
    const list = el("ul", "welcome-list");
    const item = (iconName: string, ...content: (Node | string)[]) => {
      const li = el("li");
      li.append(icon(iconName), el("span"));
      li.lastElementChild?.append(...content);
      list.appendChild(li);
      return li;
    };
    item("comment-discussion", "Explain, review, fix or write code. Select code in the editor and ask, or use ", el("strong", undefined, "Ask Hearth About Selection"), " from the editor's context menu.");
    const attach = el("button", "link-button", "@");
    attach.type = "button";
    attach.title = "Attach files or symbols (@)";
    attach.addEventListener("click", () => actions.attach());
    item("mention", "Type ", attach, " to attach workspace files and symbols; the current selection is attached for you.");
    this.modelName = el("button", "link-button welcome-model-name");
    this.modelName.type = "button";
    this.modelName.title = "Select Chat Model…";
    this.modelName.addEventListener("click", () => actions.selectModel());
    this.model = item("hubot", "Answers come from ", this.modelName, ", running on this machine.");
    item("lock", "Private: nothing you type or attach leaves your computer. No account, no telemetry.");
    this.root.append(title, list);
  }

  showModel(state: ChatModelState): void {
    // Without a model the notice above says what to do.
    this.model.hidden = state.kind === "none";
    this.modelName.textContent = state.kind === "none" ? "" : state.name;
  }
}
