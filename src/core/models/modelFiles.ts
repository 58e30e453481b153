import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";

export interface ModelFile {
  path: string;
  /** File name without .gguf (and without the split suffix). */
  name: string;
  sizeBytes: number;
  folder: string;
}

const SPLIT_PART = /-(\d{5})-of-(\d{5})\.gguf$/i;
const MAX_DEPTH = 3;

export function modelDisplayName(modelPath: string): string {
  return basename(modelPath).replace(SPLIT_PART, "").replace(/\.gguf$/i, "");
}

/**
 * Lists GGUF files under the given folders (a few levels deep). A split model is one
 * entry (its first part); unreadable folders and broken links are skipped.
 */
export async function findModelFiles(folders: readonly string[]): Promise<ModelFile[]> {
  const found = new Map<string, ModelFile>();
  for (const folder of folders) await walk(folder, folder, 0, found);
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

async function walk(root: string, dir: string, depth: number, found: Map<string, ModelFile>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth < MAX_DEPTH && !entry.name.startsWith(".")) await walk(root, full, depth + 1, found);
      continue;
    }
    if (!/\.gguf$/i.test(entry.name)) continue;
    const split = SPLIT_PART.exec(entry.name);
    if (split && split[1] !== "00001") continue;
    try {
      const info = await stat(full); // follows links: a broken link throws and is skipped
      if (!info.isFile()) continue;
      found.set(full, { path: full, name: modelDisplayName(full), sizeBytes: info.size, folder: root });
    } catch {
      continue;
    }
  }
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
