import { parseExtensionMessage, type ChatModelState, type WebviewToExtensionMessage } from "../../protocol/webviewProtocol";

interface VsCodeApi {
  postMessage(message: WebviewToExtensionMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

function element<T extends HTMLElement>(id: string, type: { new (): T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`missing #${id}`);
  return found;
}

const messages = element("messages", HTMLElement);
const prompt = element("prompt", HTMLTextAreaElement);
const sendButton = element("send", HTMLButtonElement);
const stopButton = element("stop", HTMLButtonElement);
const composer = element("composer", HTMLFormElement);
const noModel = element("no-model", HTMLDivElement);
const modelName = element("model-name", HTMLSpanElement);
const replies = new Map<string, HTMLElement>();
let lastSent = "";

function appendMessage(role: "user" | "assistant", text: string): HTMLElement {
  const item = document.createElement("div");
  item.className = `message ${role}`;
  item.setAttribute("role", "article");
  item.setAttribute("aria-label", role === "user" ? "You" : "Hearth");
  // Model output is untrusted: it is only ever inserted as text.
  item.textContent = text;
  messages.appendChild(item);
  return item;
}

function scrollToEndIfFollowing(wasAtBottom: boolean): void {
  if (wasAtBottom) messages.scrollTop = messages.scrollHeight;
}

function isAtBottom(): boolean {
  return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 24;
}

function setBusy(busy: boolean): void {
  stopButton.hidden = !busy;
  sendButton.disabled = busy;
}

function showModelState(state: ChatModelState): void {
  noModel.hidden = state.kind !== "none";
  modelName.textContent = state.kind === "none" ? "No model"
    : state.kind === "loading" ? `Loading ${state.name}…`
    : state.kind === "ready" ? state.name
    : `${state.name} (error: ${state.message})`;
}

function send(): void {
  const text = prompt.value;
  if (text.trim() === "" || sendButton.disabled) return;
  lastSent = text;
  prompt.value = "";
  vscode.postMessage({ type: "send", text });
}

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
});
prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  } else if (event.key === "ArrowUp" && prompt.value === "" && lastSent) {
    event.preventDefault();
    prompt.value = lastSent;
  }
});
stopButton.addEventListener("click", () => vscode.postMessage({ type: "stop" }));
element("select-model", HTMLButtonElement).addEventListener("click", () => vscode.postMessage({ type: "selectModel" }));
element("new-chat", HTMLButtonElement).addEventListener("click", () => vscode.postMessage({ type: "newChat" }));

window.addEventListener("message", (event: MessageEvent<unknown>) => {
  const message = parseExtensionMessage(event.data);
  if (!message) return;
  const wasAtBottom = isAtBottom();
  switch (message.type) {
    case "modelState":
      showModelState(message.state);
      break;
    case "reset":
      messages.replaceChildren();
      replies.clear();
      for (const turn of message.turns) appendMessage(turn.role, turn.text);
      setBusy(false);
      break;
    case "replyStart": {
      appendMessage("user", message.userText);
      const reply = appendMessage("assistant", "");
      reply.classList.add("streaming");
      reply.setAttribute("aria-busy", "true");
      replies.set(message.id, reply);
      setBusy(true);
      break;
    }
    case "replyChunk": {
      const reply = replies.get(message.id);
      if (reply) reply.textContent = (reply.textContent ?? "") + message.text;
      break;
    }
    case "replyEnd": {
      const reply = replies.get(message.id);
      if (reply) {
        reply.classList.remove("streaming");
        reply.classList.add("done");
        reply.removeAttribute("aria-busy");
        if (message.stopped) reply.classList.add("stopped");
        if (message.error) {
          const error = document.createElement("div");
          error.className = "error";
          error.setAttribute("role", "alert");
          error.textContent = message.error;
          reply.appendChild(error);
        }
      }
      replies.delete(message.id);
      setBusy(false);
      break;
    }
  }
  scrollToEndIfFollowing(wasAtBottom);
});

vscode.postMessage({ type: "ready" });
prompt.focus();
