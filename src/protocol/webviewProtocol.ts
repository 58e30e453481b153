/**
 * The one protocol between the extension and the chat webview. The webview bundle
 * imports the types from here, plus the validators, which have no dependencies.
 *
 * Requests that expect an answer carry a `requestId`; the extension answers each with
 * one `response` message of the same id (see WebviewRequest / WebviewResponse).
 */

/**
 * A reply is kept up to this many characters: the session stops a longer one, a longer one
 * read from history is cut, and the view shows no more (each says so).
 */
export const MAX_REPLY_CHARS = 2_000_000;

export type ChatModelState =
  | { kind: "none" }
  | { kind: "loading"; name: string }
  | { kind: "ready"; name: string }
  | { kind: "error"; name: string; message: string };

/** A piece of code attached to the next message, shown as a removable chip. */
export interface ContextChip {
  id: string;
  kind: "selection" | "file" | "symbol";
  /** What the chip shows, e.g. "math.ts:3-10". */
  label: string;
  /** Tooltip: the full path, and why it is attached. */
  detail: string;
  /** Attached automatically from the active editor (follows the selection). */
  auto: boolean;
}

/** One message of the conversation as the view shows it. */
export interface TurnView {
  /** Absent only for turns of an older extension version. */
  id?: string;
  role: "user" | "assistant";
  text: string;
  /** Labels of the context attached to a user message. */
  context?: string[];
  stopped?: boolean;
  error?: string;
  /** Notes under a reply: context trimmed, earlier turns left out. */
  notes?: string[];
  /** The reply reached hearth.chat.maxTokens: the view offers Continue. */
  continuable?: boolean;
}

export interface ConversationSummary {
  id: string;
  title: string;
  /** Milliseconds since the epoch. */
  updatedAt: number;
  messages: number;
}

export type CodeAction = "copy" | "insert" | "replace" | "newFile";

/** Webview → extension messages that expect a `response`. */
export type WebviewRequest = { type: "codeAction"; requestId: number; action: CodeAction; code: string; language: string };

export type WebviewToExtensionMessage =
  | { type: "ready" }
  | { type: "send"; text: string }
  /**
   * Stop the reply being generated. From the view's Stop, `replyId` and `shown` say which
   * reply and how many of its characters (as received) the person saw: it is kept as shown.
   */
  | { type: "stop"; replyId?: string; shown?: number }
  /** Continue the reply `id`, which reached hearth.chat.maxTokens, in the same message. */
  | { type: "continue"; id: string }
  | { type: "newChat" }
  /** Opens the chat model picker (hearth.selectChatModel). */
  | { type: "selectModel" }
  | { type: "regenerate" }
  | { type: "editLast"; text: string }
  | { type: "openConversation"; id: string }
  | { type: "deleteConversation"; id: string }
  | { type: "removeContext"; id: string }
  /** The `@` picker of workspace files and symbols. */
  | { type: "pickContext" }
  | { type: "showPrompt"; turnId: string }
  | { type: "openLink"; url: string }
  | WebviewRequest;

/** The answer to a WebviewRequest: `message` is shown to the person (e.g. "Inserted 4 lines"). */
export interface WebviewResponse {
  type: "response";
  requestId: number;
  ok: boolean;
  message: string;
}

export type ExtensionToWebviewMessage =
  | { type: "modelState"; state: ChatModelState }
  /** Replaces the whole conversation shown; `streaming` is a reply still being generated. */
  | { type: "reset"; turns: TurnView[]; conversationId?: string; streaming?: { id: string; text: string } }
  | { type: "conversations"; items: ConversationSummary[]; activeId: string }
  | { type: "context"; chips: ContextChip[] }
  /** A reply begins; `userText` is absent when the user message is already shown (regenerate). */
  | { type: "replyStart"; id: string; userText?: string; userId?: string; context?: string[] }
  /** The finished reply `id` streams again (Continue): its chunks follow. */
  | { type: "replyContinue"; id: string }
  | { type: "replyChunk"; id: string; text: string }
  | { type: "replyEnd"; id: string; stopped: boolean; error?: string; notes?: string[]; continuable?: boolean }
  /** Moves focus to the message box (Ask About Selection). */
  | { type: "focus" }
  | WebviewResponse;

// ---- validation ----------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isString = (value: unknown): value is string => typeof value === "string";
const isNonEmpty = (value: unknown): value is string => typeof value === "string" && value.trim() !== "";
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const optionalString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const optionalStrings = (value: unknown): string[] | undefined => (isStringArray(value) ? value : undefined);
const CODE_ACTIONS: readonly CodeAction[] = ["copy", "insert", "replace", "newFile"];
const isCodeAction = (value: unknown): value is CodeAction => CODE_ACTIONS.some((action) => action === value);
/** Caps what the webview may hand the extension in one message (64 MiB of code is not a code block). */
const MAX_TEXT = 4_000_000;

/** Messages from the webview are untrusted input: validate before acting. */
export function parseWebviewMessage(value: unknown): WebviewToExtensionMessage | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case "stop": {
      const shown = typeof value.shown === "number" && Number.isInteger(value.shown) && value.shown >= 0 ? value.shown : undefined;
      return isNonEmpty(value.replyId) && shown !== undefined ? { type: "stop", replyId: value.replyId, shown } : { type: "stop" };
    }
    case "continue":
      return isNonEmpty(value.id) ? { type: "continue", id: value.id } : undefined;
    case "ready":
    case "newChat":
    case "selectModel":
    case "regenerate":
    case "pickContext":
      return { type: value.type };
    case "send":
    case "editLast":
      return isNonEmpty(value.text) && value.text.length <= MAX_TEXT ? { type: value.type, text: value.text } : undefined;
    case "openConversation":
    case "deleteConversation":
    case "removeContext":
      return isNonEmpty(value.id) ? { type: value.type, id: value.id } : undefined;
    case "showPrompt":
      return isNonEmpty(value.turnId) ? { type: "showPrompt", turnId: value.turnId } : undefined;
    case "openLink":
      return isString(value.url) && /^(https?:|mailto:)/i.test(value.url) ? { type: "openLink", url: value.url } : undefined;
    case "codeAction":
      return typeof value.requestId === "number" && Number.isInteger(value.requestId) && isCodeAction(value.action) &&
        isString(value.code) && value.code.length <= MAX_TEXT && isString(value.language)
        ? { type: "codeAction", requestId: value.requestId, action: value.action, code: value.code, language: value.language }
        : undefined;
    default:
      return undefined;
  }
}

function parseModelState(value: unknown): ChatModelState | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.kind) {
    case "none":
      return { kind: "none" };
    case "loading":
    case "ready":
      return isString(value.name) ? { kind: value.kind, name: value.name } : undefined;
    case "error":
      return isString(value.name) && isString(value.message) ? { kind: "error", name: value.name, message: value.message } : undefined;
    default:
      return undefined;
  }
}

function parseTurn(value: unknown): TurnView | undefined {
  if (!isRecord(value) || (value.role !== "user" && value.role !== "assistant") || !isString(value.text)) return undefined;
  const turn: TurnView = { role: value.role, text: value.text };
  if (isString(value.id)) turn.id = value.id;
  const context = optionalStrings(value.context);
  if (context) turn.context = context;
  if (value.stopped === true) turn.stopped = true;
  const error = optionalString(value.error);
  if (error !== undefined) turn.error = error;
  const notes = optionalStrings(value.notes);
  if (notes) turn.notes = notes;
  if (value.continuable === true) turn.continuable = true;
  return turn;
}

function parseChip(value: unknown): ContextChip | undefined {
  if (!isRecord(value) || !isString(value.id) || !isString(value.label) || !isString(value.detail) || typeof value.auto !== "boolean") return undefined;
  if (value.kind !== "selection" && value.kind !== "file" && value.kind !== "symbol") return undefined;
  return { id: value.id, kind: value.kind, label: value.label, detail: value.detail, auto: value.auto };
}

function parseSummary(value: unknown): ConversationSummary | undefined {
  if (!isRecord(value) || !isString(value.id) || !isString(value.title) || typeof value.updatedAt !== "number" || typeof value.messages !== "number") return undefined;
  return { id: value.id, title: value.title, updatedAt: value.updatedAt, messages: value.messages };
}

function defined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/** Validates what the extension posts (the webview trusts nothing it did not check). */
export function parseExtensionMessage(value: unknown): ExtensionToWebviewMessage | undefined {
  if (!isRecord(value) || typeof value.type !== "string") return undefined;
  switch (value.type) {
    case "modelState": {
      const state = parseModelState(value.state);
      return state ? { type: "modelState", state } : undefined;
    }
    case "reset": {
      if (!Array.isArray(value.turns)) return undefined;
      const message: ExtensionToWebviewMessage = { type: "reset", turns: value.turns.map(parseTurn).filter(defined) };
      if (isString(value.conversationId)) message.conversationId = value.conversationId;
      if (isRecord(value.streaming) && isString(value.streaming.id) && isString(value.streaming.text)) {
        message.streaming = { id: value.streaming.id, text: value.streaming.text };
      }
      return message;
    }
    case "conversations":
      return Array.isArray(value.items) && isString(value.activeId)
        ? { type: "conversations", items: value.items.map(parseSummary).filter(defined), activeId: value.activeId }
        : undefined;
    case "context":
      return Array.isArray(value.chips) ? { type: "context", chips: value.chips.map(parseChip).filter(defined) } : undefined;
    case "replyStart":
      return isString(value.id)
        ? { type: "replyStart", id: value.id, userText: optionalString(value.userText), userId: optionalString(value.userId), context: optionalStrings(value.context) }
        : undefined;
    case "replyContinue":
      return isString(value.id) ? { type: "replyContinue", id: value.id } : undefined;
    case "replyChunk":
      return isString(value.id) && isString(value.text) ? { type: "replyChunk", id: value.id, text: value.text } : undefined;
    case "replyEnd":
      return isString(value.id) && typeof value.stopped === "boolean"
        ? { type: "replyEnd", id: value.id, stopped: value.stopped, error: optionalString(value.error), notes: optionalStrings(value.notes), ...(value.continuable === true ? { continuable: true } : {}) }
        : undefined;
    case "focus":
      return { type: "focus" };
    case "response":
      return typeof value.requestId === "number" && typeof value.ok === "boolean" && isString(value.message)
        ? { type: "response", requestId: value.requestId, ok: value.ok, message: value.message }
        : undefined;
    default:
      return undefined;
  }
}
