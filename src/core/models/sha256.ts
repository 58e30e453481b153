import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { open, stat } from "node:fs/promises";

const CHUNK = 1024 * 1024;

export interface HashProgress {
  bytesRead: number;
  totalBytes: number;
}

/**
 * SHA-256 of a file, streamed so that a multi-gigabyte model never sits in memory.
 * Reads exactly the size the file had when hashing started, so a file that keeps growing
 * cannot keep it reading, and fails if the file changed meanwhile (a download still in progress).
 */
export async function sha256File(path: string, onProgress?: (progress: HashProgress) => void, signal?: AbortSignal): Promise<string> {
  // Non-blocking: opening a named pipe would otherwise wait for a writer forever.
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const before = await handle.stat();
    if (!before.isFile()) throw new Error(`${path} is not a regular file, so it cannot be hashed. Choose the model file itself.`);
    const hash = createHash("sha256");
    const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(1, before.size)));
    let bytesRead = 0;
    let lastReport = 0;
    while (bytesRead < before.size) {
      if (signal?.aborted) throw new Error("Hashing cancelled.");
      const { bytesRead: count } = await handle.read(buffer, 0, Math.min(buffer.length, before.size - bytesRead), bytesRead);
      if (count === 0) break; // shrank while being read: reported below
      hash.update(buffer.subarray(0, count));
      bytesRead += count;
      if (onProgress && (bytesRead - lastReport >= 64 * 1024 * 1024 || bytesRead === before.size)) {
        lastReport = bytesRead;
        onProgress({ bytesRead, totalBytes: before.size });
      }
    }
    const after = await stat(path);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || bytesRead !== before.size) {
      throw new Error(`${path} changed while it was being hashed (is it still being written?). Try again when it is complete.`);
    }
    return hash.digest("hex");
  } finally {
    await handle.close();
  }
}

export interface HashCacheStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void | PromiseLike<void>;
}

/** Hashes keyed by path, size and modification time: a changed file is hashed again. */
export class HashCache {
  private readonly running = new Map<string, Promise<string>>();

  constructor(private readonly store: HashCacheStore) {}

  static key(path: string, sizeBytes: number, mtimeMs: number): string {
    return `${path}\u0000${sizeBytes}\u0000${Math.round(mtimeMs)}`;
  }

  async cached(path: string): Promise<string | undefined> {
    const info = await stat(path);
    return this.store.get(HashCache.key(path, info.size, info.mtimeMs));
  }

  async hash(path: string, onProgress?: (progress: HashProgress) => void, signal?: AbortSignal): Promise<string> {
    const info = await stat(path);
    const key = HashCache.key(path, info.size, info.mtimeMs);
    const known = this.store.get(key);
    if (known) return known;
    let running = this.running.get(key);
    if (!running) {
      running = sha256File(path, onProgress, signal).then(async (digest) => {
        await this.store.set(key, digest);
        return digest;
      }).finally(() => this.running.delete(key));
      this.running.set(key, running);
    }
    return running;
  }
}
