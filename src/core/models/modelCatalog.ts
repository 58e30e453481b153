import type { ModelDescription } from "../../protocol/engineProtocol";
import type { EngineClient } from "../engine/engineClient";
import { scanCatalog, type CatalogFile, type CatalogLocations } from "./catalogSources";
import type { HashCache, HashProgress } from "./sha256";

export interface CatalogEntry extends CatalogFile {
  description: ModelDescription;
  /** Known once hashed (cached by path, size and mtime). */
  sha256?: string;
}

export interface UnreadableModel {
  file: CatalogFile;
  reason: string;
}

/**
 * The models on this machine: files found in every source, described from their GGUF
 * headers by the engine (tokenizer-only and unreadable files are left out), with
 * hashes from the cache. Hashing itself is separate and lazy (`hash`).
 */
export class ModelCatalog {
  private readonly descriptions = new Map<string, { key: string; description: ModelDescription }>();

  constructor(private readonly engine: EngineClient, private readonly hashes: HashCache) {}

  async list(locations: CatalogLocations): Promise<{ entries: CatalogEntry[]; unreadable: UnreadableModel[] }> {
    const files = await scanCatalog(locations);
    const entries: CatalogEntry[] = [];
    const unreadable: UnreadableModel[] = [];
    for (const file of files) {
      try {
        const description = await this.describe(file);
        if (description.vocabularyOnly) continue;
        entries.push({ ...file, description, sha256: await this.hashes.cached(file.path).catch(() => undefined) });
      } catch (error) {
        unreadable.push({ file, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return { entries, unreadable };
  }

  private async describe(file: CatalogFile): Promise<ModelDescription> {
    const key = `${file.sizeBytes}:${file.mtimeMs}`;
    const known = this.descriptions.get(file.path);
    if (known?.key === key) return known.description;
    const description = await this.engine.request("describeModel", { path: file.path });
    this.descriptions.set(file.path, { key, description });
    return description;
  }

  hash(path: string, onProgress?: (progress: HashProgress) => void, signal?: AbortSignal): Promise<string> {
    return this.hashes.hash(path, onProgress, signal);
  }
}
