import type { CodeAction } from "../../protocol/webviewProtocol";
import { el, iconButton } from "./dom";
import { codeLanguage } from "./markdown";

export type CodeActionHandler = (action: CodeAction, code: string, language: string, feedback: HTMLElement) => void;

const ACTIONS: { action: CodeAction; icon: string; label: string }[] = [
  { action: "copy", icon: "copy", label: "Copy" },
  { action: "insert", icon: "insert", label: "Insert at Cursor" },
  { action: "replace", icon: "replace", label: "Replace Selection" },
  { action: "newFile", icon: "new-file", label: "Open in New File" },
];

/** Wraps every code block of a rendered reply in a frame with its language and actions. */
export function decorateCodeBlocks(root: DocumentFragment | HTMLElement, onAction: CodeActionHandler): void {
  for (const pre of Array.from(root.querySelectorAll("pre"))) {
    const code = pre.querySelector("code");
    const language = code ? codeLanguage(code) : "";
    const frame = el("div", "code-block");
    const header = el("div", "code-header");
    header.appendChild(el("span", "code-language", language || "text"));
    const feedback = el("span", "code-feedback");
    feedback.setAttribute("aria-live", "polite");
    header.appendChild(feedback);
    const toolbar = el("div", "code-actions");
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", `Code block actions${language ? ` (${language})` : ""}`);
    for (const { action, icon, label } of ACTIONS) {
      const button = iconButton(icon, label, { className: `code-action-${action}` });
      button.dataset.action = action;
      button.addEventListener("click", () => onAction(action, (code ?? pre).textContent ?? "", language, feedback));
      toolbar.appendChild(button);
    }
    header.appendChild(toolbar);
    pre.replaceWith(frame);
    frame.append(header, pre);
  }
}
