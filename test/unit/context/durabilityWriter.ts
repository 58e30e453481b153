/**
 * Child process of test/unit/durability.test.ts: saves the symbol index or the chat
 * history in a loop until it is killed. Each save holds generation `n` everywhere, so
 * the test can tell a complete file of one generation from a torn one.
 * Usage: node durabilityWriter.js index|history <directory> <first generation>
 */
import { join } from "node:path";
import { ChatHistoryStore } from "../../../src/core/chat/historyStore";
import type { StoredConversation } from "../../../src/core/chat/conversation";
import { INDEX_FORMAT_VERSION, indexFileFor, saveIndex, type IndexedFile } from "../../../src/context/index/indexStore";

export const WRITER_FOLDER = "/durability/workspace";

/** Enough entries that a save takes milliseconds, so kills land inside writes. */
const FILES = 3000;
const CONVERSATIONS = 60;

function indexedFile(generation: number, file: number): IndexedFile {
  return {
    size: generation, mtimeMs: file, languageId: "typescript", heuristic: false, imports: [],
    definitions: [{ name: `symbol${generation}_${file}`, kind: "function", range: { startLine: 0, endLine: 3 }, signatureRange: { startLine: 0, endLine: 0 }, signature: `function symbol${generation}_${file}(): void`, exported: true }],
  };
}

function conversation(generation: number, index: number): StoredConversation {
  return {
    id: `c${index}`, title: `generation ${generation}`, createdAt: index, updatedAt: generation * 1000 + index, systemPrompt: "sys",
    turns: [
      { id: `u${index}`, role: "user", text: `question ${generation} ${"x".repeat(400)}`, at: generation },
      { id: `a${index}`, role: "assistant", text: `answer ${generation} ${"y".repeat(400)}`, at: generation },
    ],
  };
}

async function main(): Promise<void> {
  const [kind, directory, first] = process.argv.slice(2);
  const history = new ChatHistoryStore(directory);
  const indexFile = indexFileFor(directory, WRITER_FOLDER);
  process.stdout.write("ready\n");
  for (let generation = Number(first); ; generation++) {
    if (kind === "index") {
      const files: Record<string, IndexedFile> = {};
      for (let file = 0; file < FILES; file++) files[`src/file${file}.ts`] = indexedFile(generation, file);
      await saveIndex(indexFile, { version: INDEX_FORMAT_VERSION, folder: WRITER_FOLDER, files });
    } else {
      await history.save({ conversations: Array.from({ length: CONVERSATIONS }, (_, index) => conversation(generation, index)), activeId: "c0" });
    }
  }
}

if (require.main === module) void main().catch((error: unknown) => { console.error(error); process.exit(1); });

export const HISTORY_FILE = (directory: string) => join(directory, "chat-history.json");
