import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

export interface HashProgress {
  bytesRead: number;
  totalBytes: number;
}

/**
 * SHA-256 of a file, streamed so that a multi-gigabyte model never sits in memory.
 * Fails if the file changes size while it is read (a download still in progress).
 */
export async function sha256File(path: string, onProgress?: (progress: HashProgress) => void, signal?: AbortSignal): Promise<string> {
  const before = await stat(path);
  const hash = createHash("sha256");
  let bytesRead = 0;
  let lastReport = 0;
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  for await (const chunk of stream) {
    if (signal?.aborted) {
      stream.destroy();
      throw new Error("Hashing cancelled.");
    }
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytesRead += buffer.length;
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
