/**
 * Persists one folder's index as JSON, written atomically (temporary file, then
 * rename) so a crash mid-write never leaves a half file. A file that does not
 * parse is moved aside and the index is rebuilt. The format is versioned
 * (INDEX_FORMAT_VERSION): a file of another version is rebuilt, never misread.
 */
import { createHash } from "node:crypto";
import { readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { removeStaleTemporaries, writeFileAtomic } from "../../core/storage/atomicFile";
import type { Definition, ImportInfo } from "../contextTypes";

export const INDEX_FORMAT_VERSION = 1;

export interface IndexedFile {
  size: number;
  mtimeMs: number;
  languageId: string;
  definitions: Definition[];
  imports: ImportInfo[];
  heuristic: boolean;
}

export interface PersistedIndex {
  version: number;
  folder: string;
  /** Keyed by folder-relative POSIX path. */
  files: Record<string, IndexedFile>;
}

export type LoadResult =
  | { kind: "loaded"; index: PersistedIndex }
  | { kind: "missing" }
  | { kind: "corrupt"; movedTo: string; reason: string };

export function indexFileFor(storageDir: string, folder: string): string {
  const key = createHash("sha256").update(folder).digest("hex").slice(0, 16);
  return join(storageDir, `symbols-${key}.json`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isIndexedFile(value: unknown): value is IndexedFile {
  return isRecord(value) && typeof value.size === "number" && typeof value.mtimeMs === "number"
    && typeof value.languageId === "string" && Array.isArray(value.definitions) && Array.isArray(value.imports);
}

/** Validates the shape read from disk; anything else counts as corrupt. */
function asPersistedIndex(value: unknown, folder: string): PersistedIndex | string {
  if (!isRecord(value)) return "not an object";
  if (value.version !== INDEX_FORMAT_VERSION) return `format version ${String(value.version)}`;
  if (value.folder !== folder) return "written for another folder";
  if (!isRecord(value.files)) return "no files";
  const files: Record<string, IndexedFile> = {};
  for (const [path, entry] of Object.entries(value.files)) {
    if (!isIndexedFile(entry)) return `bad entry for ${path}`;
    files[path] = entry;
  }
  return { version: INDEX_FORMAT_VERSION, folder, files };
}

export async function loadIndex(file: string, folder: string): Promise<LoadResult> {
  await removeStaleTemporaries(file);
  let content: string;
  try {
    content = await readFile(file, "utf8");
  } catch {
    return { kind: "missing" };
  }
  let reason: string;
  try {
    const checked = asPersistedIndex(JSON.parse(content), folder);
    if (typeof checked !== "string") return { kind: "loaded", index: checked };
    reason = checked;
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  const movedTo = `${file}.corrupt-${Date.now()}`;
  await rename(file, movedTo).catch(() => unlink(file).catch(() => undefined));
  return { kind: "corrupt", movedTo, reason };
}

export function saveIndex(file: string, index: PersistedIndex): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(index));
}
