/** Small DOM helpers: elements with classes, and icon buttons with accessible names. */

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function icon(name: string): HTMLSpanElement {
  const span = el("span", `codicon codicon-${name}`);
  span.setAttribute("aria-hidden", "true");
  return span;
}

/** A button showing a codicon (and optionally a visible label); `label` is its accessible name and tooltip. */
export function iconButton(name: string, label: string, options: { text?: string; id?: string; className?: string } = {}): HTMLButtonElement {
  const button = el("button", `icon-button${options.className ? ` ${options.className}` : ""}`);
  button.type = "button";
  if (options.id) button.id = options.id;
  button.title = label;
  button.setAttribute("aria-label", label);
  button.appendChild(icon(name));
  if (options.text) button.appendChild(el("span", "button-text", options.text));
  return button;
}
