/**
 * The one protocol between the extension and the chat webview. The webview bundle
 * imports only types from here, plus the validators, which have no dependencies.
 */

export type ChatModelState =
  | { kind: "none" }
  | { kind: "loading"; name: string }
  | { kind: "ready"; name: string }
  | { kind: "error"; name: string; message: string };

export type WebviewToExtensionMessage =
  | { type: "ready" }
  | { type: "send"; text: string }
  | { type: "stop" }
  | { type: "newChat" }
  | { type: "selectModel" };

export type ExtensionToWebviewMessage =
  | { type: "modelState"; state: ChatModelState }
  | { type: "reset"; turns: { role: "user" | "assistant"; text: string }[] }
  | { type: "replyStart"; id: string; userText: string }
  | { type: "replyChunk"; id: string; text: string }
  | { type: "replyEnd"; id: string; stopped: boolean; error?: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Messages from the webview are untrusted input: validate before acting. */
export function parseWebviewMessage(value: unknown): WebviewToExtensionMessage | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case "ready":
    case "stop":
    case "newChat":
    case "selectModel":
      return { type: value.type };
    case "send":
      return typeof value.text === "string" && value.text.trim() !== "" ? { type: "send", text: value.text } : undefined;
    default:
      return undefined;
  }
}

export function parseExtensionMessage(value: unknown): ExtensionToWebviewMessage | undefined {
  if (!isRecord(value) || typeof value.type !== "string") return undefined;
  switch (value.type) {
    case "modelState":
      return isRecord(value.state) && typeof value.state.kind === "string" ? { type: "modelState", state: value.state as ChatModelState } : undefined;
    case "reset":
      return Array.isArray(value.turns) ? { type: "reset", turns: value.turns.filter(isTurn) } : undefined;
    case "replyStart":
      return typeof value.id === "string" && typeof value.userText === "string" ? { type: "replyStart", id: value.id, userText: value.userText } : undefined;
    case "replyChunk":
      return typeof value.id === "string" && typeof value.text === "string" ? { type: "replyChunk", id: value.id, text: value.text } : undefined;
    case "replyEnd":
      return typeof value.id === "string" && typeof value.stopped === "boolean"
        ? { type: "replyEnd", id: value.id, stopped: value.stopped, error: typeof value.error === "string" ? value.error : undefined }
        : undefined;
    default:
      return undefined;
  }
}

function isTurn(value: unknown): value is { role: "user" | "assistant"; text: string } {
  return isRecord(value) && (value.role === "user" || value.role === "assistant") && typeof value.text === "string";
}
