/**
 * Persists one folder's index as JSON, written atomically (temporary file, then
 * rename) so a crash mid-write never leaves a half file. A file that does not
 * parse is moved aside and the index is rebuilt. The format is versioned
 * (INDEX_FORMAT_VERSION): a file of another version is rebuilt, never misread.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
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

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}

/** Temporary files of writers that were killed between write and rename (`<file>.<pid>.<random>.tmp`). */
async function removeStaleTemporaries(file: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  const names = await readdir(dirname(file)).catch(() => []);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number(name.slice(prefix.length).split(".")[0]);
    // This process's own (a save in progress) and those of a live writer stay.
    if (pid === process.pid || (Number.isInteger(pid) && pid > 0 && isRunning(pid))) continue;
    await unlink(join(dirname(file), name)).catch(() => undefined);
  }
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

export async function saveIndex(file: string, index: PersistedIndex): Promise<void> {
  await mkdir(join(file, ".."), { recursive: true });
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, JSON.stringify(index));
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
