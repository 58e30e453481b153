import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { MAX_REPLY_CHARS } from "../../protocol/webviewProtocol";
import { removeStaleTemporaries, writeFileAtomic } from "../storage/atomicFile";
import type { AssistantTurn, StoredConversation, StoredTurn, UserTurn } from "./conversation";

/** What the history file holds. */
export interface ChatHistory {
  conversations: StoredConversation[];
  /** The conversation shown when the view opens. */
  activeId?: string;
}

export interface HistoryLimits {
  maxConversations: number;
  /** Size cap of the file; the oldest conversations go first. */
  maxBytes: number;
}

export const DEFAULT_LIMITS: HistoryLimits = { maxConversations: 100, maxBytes: 8 * 1024 * 1024 };

export interface LoadResult {
  history: ChatHistory;
  /** Set when the file could not be read as history: where it was moved, and why. */
  movedAside?: { path: string; reason: string };
}

const FILE_NAME = "chat-history.json";
const VERSION = 1;

/**
 * Chat history in one JSON file in the extension's global storage. Writes are atomic
 * (temporary file, then rename) and serialized; a file that cannot be read is moved
 * aside and an empty history starts.
 */
export class ChatHistoryStore {
  readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly directory: string, private readonly limits: HistoryLimits = DEFAULT_LIMITS) {
    this.file = join(directory, FILE_NAME);
  }

  async load(): Promise<LoadResult> {
    await removeStaleTemporaries(this.file);
    let raw: string;
    try {
      raw = await readFile(this.file, "utf8");
    } catch (error) {
      if (isErrno(error, "ENOENT")) return { history: { conversations: [] } };
      throw error;
    }
    const parsed = parseHistory(raw);
    if (parsed.ok) return { history: parsed.history };
    const aside = join(this.directory, `chat-history.corrupt-${Date.now()}.json`);
    await rename(this.file, aside);
    return { history: { conversations: [] }, movedAside: { path: aside, reason: parsed.reason } };
  }

  /** Writes the history (bounded by the limits); resolves when this write is on disk. */
  save(history: ChatHistory): Promise<void> {
    const text = serializeHistory(history, this.limits);
    const write = () => writeFileAtomic(this.file, text);
    const next = this.writing.then(write, write);
    this.writing = next.catch(() => undefined);
    return next;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}

/** The file text: newest conversations first, at most `maxConversations`, within `maxBytes`. */
export function serializeHistory(history: ChatHistory, limits: HistoryLimits): string {
  let kept = history.conversations
    .filter((conversation) => conversation.turns.length > 0)
    .sort((a, b) => b.updatedAt - a.updatedAt)
    .slice(0, limits.maxConversations);
  const text = (conversations: StoredConversation[]) =>
    JSON.stringify({ version: VERSION, activeId: history.activeId, conversations });
  let result = text(kept);
  while (Buffer.byteLength(result, "utf8") > limits.maxBytes && kept.length > 1) {
    // Drop the oldest quarter at a time (at least one) until the file fits.
    kept = kept.slice(0, kept.length - Math.max(1, Math.floor(kept.length / 4)));
    result = text(kept);
  }
  return result;
}

export function parseHistory(raw: string): { ok: true; history: ChatHistory } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isRecord(value) || value.version !== VERSION || !Array.isArray(value.conversations)) {
    return { ok: false, reason: `not a version ${VERSION} chat history` };
  }
  const conversations = value.conversations.map(parseConversation).filter((c): c is StoredConversation => c !== undefined);
  const activeId = typeof value.activeId === "string" ? value.activeId : undefined;
  return { ok: true, history: { conversations, activeId } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isString = (value: unknown): value is string => typeof value === "string";
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);

function parseConversation(value: unknown): StoredConversation | undefined {
  if (!isRecord(value) || !isString(value.id) || !isString(value.title) || !isNumber(value.createdAt) || !isNumber(value.updatedAt)
    || !isString(value.systemPrompt) || !Array.isArray(value.turns)) return undefined;
  const turns: StoredTurn[] = [];
  for (const raw of value.turns) {
    const turn = parseTurn(raw);
    if (!turn) return undefined;
    turns.push(turn);
  }
  // Turns alternate user, assistant.
  if (turns.some((turn, index) => turn.role !== (index % 2 === 0 ? "user" : "assistant")) || turns.length % 2 !== 0) return undefined;
  return { id: value.id, title: value.title, createdAt: value.createdAt, updatedAt: value.updatedAt, systemPrompt: value.systemPrompt, turns };
}

function parseTurn(value: unknown): StoredTurn | undefined {
  if (!isRecord(value) || !isString(value.id) || !isString(value.text) || !isNumber(value.at)) return undefined;
  if (value.role === "user") {
    const turn: UserTurn = { id: value.id, role: "user", text: value.text, at: value.at };
    if (isString(value.contextBlock)) turn.contextBlock = value.contextBlock;
    if (isStrings(value.context)) turn.context = value.context;
    return turn;
  }
  if (value.role === "assistant") {
    // A reply longer than Hearth keeps (an older version's, or an edited file) is cut, and says so.
    const tooLong = value.text.length > MAX_REPLY_CHARS;
    const turn: AssistantTurn = { id: value.id, role: "assistant", text: tooLong ? value.text.slice(0, MAX_REPLY_CHARS) : value.text, at: value.at };
    if (tooLong || value.cut === "size") turn.cut = "size";
    else if (value.cut === "maxTokens") turn.cut = "maxTokens";
    if (isNumber(value.maxTokens)) turn.maxTokens = value.maxTokens;
    if (value.stopped === true) turn.stopped = true;
    if (isString(value.error)) turn.error = value.error;
    if (isStrings(value.notes)) turn.notes = value.notes;
    if (isString(value.model)) turn.model = value.model;
    if (isNumber(value.droppedTurns)) turn.droppedTurns = value.droppedTurns;
    return turn;
  }
  return undefined;
}
