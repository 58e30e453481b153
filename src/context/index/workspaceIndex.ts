/**
 * The workspace symbol index: one entry per source file of each folder (multi-root),
 * built in the background, reused from disk when a file's size and mtime did not
 * change, and updated file by file on save, create, rename and delete.
 */
import { readdir } from "node:fs/promises";
import { readRegularFile } from "../../core/files/regularFile";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import type { Definition } from "../contextTypes";
import { languageIdForPath } from "../languages";
import { analyzeFile } from "./fileAnalyzer";
import { analyzeAll, defaultAnalyzerThreads, type AnalysisJob } from "./parallelAnalysis";
import { excludeMatcher, gitignoreMatcher, type PathMatcher } from "./globs";
import { INDEX_FORMAT_VERSION, indexFileFor, loadIndex, saveIndex, type IndexedFile } from "./indexStore";

/** Work between yields to the event loop, so requests for completions are served meanwhile. */
const SLICE_MS = 8;
const PROGRESS_INTERVAL_MS = 100;
const SAVE_DELAY_MS = 1500;
const MAX_FILES_PER_FOLDER = 50_000;
/** Far more than any real .gitignore; a larger one is not read (a link to a device would never end). */
const MAX_GITIGNORE_BYTES = 1024 * 1024;

export interface IndexProgress {
  folder: string;
  phase: "loading" | "scanning" | "indexing" | "done" | "cancelled";
  done: number;
  total: number;
}

export interface FolderSummary {
  folder: string;
  files: number;
  parsed: number;
  reused: number;
  skipped: number;
  ms: number;
}

export interface IndexSummary {
  folders: FolderSummary[];
  cancelled: boolean;
}

export interface IndexRequest {
  folders: readonly string[];
  storageDir: string;
  /** VS Code exclude globs (files.exclude and search.exclude keys that are on). */
  excludes: readonly string[];
  /** Overrides WorkspaceIndexOptions.analyzerThreads for this run. */
  analyzerThreads?: number;
}

export interface IndexEvents {
  progress(progress: IndexProgress): void;
  log(level: "info" | "warn", message: string): void;
}

export interface WorkspaceIndexOptions {
  /** Script to start analyzer threads from (the context worker's own); without it, files are analyzed on this thread only. */
  analyzerWorkerPath?: string;
  /** Analyzer threads besides this one; default: one per spare core, at most three. */
  analyzerThreads?: number;
}

export interface SymbolHit {
  path: string;
  file: IndexedFile;
  definition: Definition;
}

class FolderIndex {
  readonly files = new Map<string, IndexedFile>();
  private readonly byName = new Map<string, Set<string>>();
  ignored: PathMatcher = () => false;

  constructor(readonly folder: string, readonly storeFile: string) {}

  set(relativePath: string, file: IndexedFile): void {
    this.delete(relativePath);
    this.files.set(relativePath, file);
    for (const definition of file.definitions) {
      let paths = this.byName.get(definition.name);
      if (!paths) this.byName.set(definition.name, paths = new Set());
      paths.add(relativePath);
    }
  }

  delete(relativePath: string): void {
    const old = this.files.get(relativePath);
    if (!old) return;
    this.files.delete(relativePath);
    for (const definition of old.definitions) this.byName.get(definition.name)?.delete(relativePath);
  }

  pathsDefining(name: string): readonly string[] {
    return [...(this.byName.get(name) ?? [])];
  }

  /** Puts the files in path order (threads deliver them out of order; retrieval breaks ties by this order). */
  sortByPath(): void {
    const sorted = [...this.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.files.clear();
    for (const [path, file] of sorted) this.files.set(path, file);
  }
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class WorkspaceIndex {
  private readonly folders = new Map<string, FolderIndex>();
  private generation = 0;
  private excluded: PathMatcher = () => false;
  private storageDir: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly dirty = new Set<FolderIndex>();
  private threadParses = 0;

  constructor(private readonly events: IndexEvents, private readonly options: WorkspaceIndexOptions = {}) {}

  /** Parses that analyzer threads ran (this thread's are counted by parseCounter()). */
  get analyzerParses(): number {
    return this.threadParses;
  }

  /** Indexes the folders (replacing any earlier set); resolves when done or cancelled. */
  async index(request: IndexRequest): Promise<IndexSummary> {
    const generation = ++this.generation;
    this.storageDir = request.storageDir;
    this.excluded = excludeMatcher(request.excludes);
    for (const folder of [...this.folders.keys()]) if (!request.folders.includes(folder)) this.folders.delete(folder);
    const summaries: FolderSummary[] = [];
    for (const folder of request.folders) {
      const summary = await this.indexFolder(folder, generation, request.analyzerThreads ?? this.options.analyzerThreads ?? defaultAnalyzerThreads());
      if (!summary) return { folders: summaries, cancelled: true };
      summaries.push(summary);
    }
    return { folders: summaries, cancelled: false };
  }

  /** Stops a running index() at the next file; what was indexed so far stays. */
  cancel(): void {
    this.generation++;
  }

  private async indexFolder(folder: string, generation: number, threads: number): Promise<FolderSummary | undefined> {
    const started = performance.now();
    const storeFile = indexFileFor(this.storageDir ?? folder, folder);
    const index = new FolderIndex(folder, storeFile);
    this.events.progress({ folder, phase: "loading", done: 0, total: 0 });
    const loaded = await loadIndex(storeFile, folder);
    if (loaded.kind === "corrupt") this.events.log("warn", `Symbol index for ${folder} was unreadable (${loaded.reason}); moved to ${loaded.movedTo} and rebuilding.`);
    const previous = loaded.kind === "loaded" ? loaded.index.files : {};
    index.ignored = await this.gitignoreOf(folder);
    this.folders.set(folder, index);

    this.events.progress({ folder, phase: "scanning", done: 0, total: 0 });
    const paths = await this.scan(index, generation);
    if (!paths) return this.cancelled(folder);
    let parsed = 0;
    let reused = 0;
    let skipped = 0;
    let done = 0;
    let lastProgress = 0;
    const jobs: AnalysisJob[] = paths.map((relativePath) => {
      const old = previous[relativePath];
      return { relativePath, path: join(folder, relativePath), previous: old ? { size: old.size, mtimeMs: old.mtimeMs } : undefined };
    });
    const { threadParses } = await analyzeAll(jobs, {
      workerPath: this.options.analyzerWorkerPath,
      threads,
      cancelled: () => generation !== this.generation,
      warn: (message) => this.events.log("warn", message),
      done: (job, outcome) => {
        done++;
        if (outcome.kind === "unchanged") {
          const old = previous[job.relativePath];
          if (old) { index.set(job.relativePath, old); reused++; } else skipped++;
        } else if (outcome.kind === "indexed") {
          index.set(job.relativePath, outcome.file);
          parsed++;
        } else {
          skipped++;
        }
        const now = performance.now();
        if (now - lastProgress > PROGRESS_INTERVAL_MS) {
          this.events.progress({ folder, phase: "indexing", done, total: paths.length });
          lastProgress = now;
        }
      },
    });
    this.threadParses += threadParses;
    if (generation !== this.generation) return this.cancelled(folder);
    index.sortByPath();
    this.dirty.add(index);
    await this.flush();
    this.events.progress({ folder, phase: "done", done: paths.length, total: paths.length });
    return { folder, files: index.files.size, parsed, reused, skipped, ms: performance.now() - started };
  }

  private cancelled(folder: string): undefined {
    this.events.progress({ folder, phase: "cancelled", done: 0, total: 0 });
    return undefined;
  }

  private async gitignoreOf(folder: string): Promise<PathMatcher> {
    let read;
    try {
      read = await readRegularFile(join(folder, ".gitignore"), MAX_GITIGNORE_BYTES);
    } catch {
      return () => false; // none, or unreadable
    }
    if (read.ok) return gitignoreMatcher(read.bytes.toString("utf8"));
    this.events.log("warn", `${read.message}: Hearth indexes ${folder} without its .gitignore.`);
    return () => false;
  }

  private skips(index: FolderIndex, relativePath: string, isDirectory: boolean): boolean {
    return this.excluded(relativePath, isDirectory) || index.ignored(relativePath, isDirectory);
  }

  /** Source files of a folder, relative POSIX paths; symbolic links are not followed (no cycles). */
  private async scan(index: FolderIndex, generation: number): Promise<string[] | undefined> {
    const found: string[] = [];
    const pending = [""];
    let sliceStart = performance.now();
    while (pending.length > 0 && found.length < MAX_FILES_PER_FOLDER) {
      if (generation !== this.generation) return undefined;
      const directory = pending.pop() ?? "";
      let entries;
      try {
        entries = await readdir(join(index.folder, directory), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        const relativePath = directory === "" ? entry.name : `${directory}/${entry.name}`;
        if (entry.isDirectory()) {
          if (entry.name !== ".git" && !this.skips(index, relativePath, true)) pending.push(relativePath);
        } else if (entry.isFile() && languageIdForPath(entry.name) && !this.skips(index, relativePath, false)) {
          found.push(relativePath);
        }
      }
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    return found.sort();
  }

  /** The folder holding a path and the path relative to it. */
  locate(path: string): { index: FolderIndex; relativePath: string } | undefined {
    let best: { index: FolderIndex; relativePath: string } | undefined;
    for (const index of this.folders.values()) {
      const relativePath = relative(index.folder, path);
      if (relativePath === "" || relativePath.startsWith("..") || isAbsolute(relativePath)) continue;
      if (!best || index.folder.length > best.index.folder.length) best = { index, relativePath: toPosix(relativePath) };
    }
    return best;
  }

  /** Re-reads a saved or created file, or drops a deleted one. */
  async fileChanged(path: string, change: "changed" | "created" | "deleted"): Promise<void> {
    const located = this.locate(path);
    if (!located) return;
    const { index, relativePath } = located;
    if (change === "deleted" || this.skips(index, relativePath, false)) {
      index.delete(relativePath);
      // A deleted folder: drop everything under it.
      for (const key of [...index.files.keys()]) if (key.startsWith(`${relativePath}/`)) index.delete(key);
    } else {
      const result = await analyzeFile(path).catch(() => undefined);
      if (result?.kind === "indexed") index.set(relativePath, result.file);
      else index.delete(relativePath);
    }
    this.markDirty(index);
  }

  async fileRenamed(oldPath: string, newPath: string): Promise<void> {
    await this.fileChanged(oldPath, "deleted");
    await this.fileChanged(newPath, "created");
  }

  /** Definitions named `name` across all folders. */
  lookup(name: string): SymbolHit[] {
    const hits: SymbolHit[] = [];
    for (const index of this.folders.values()) {
      for (const relativePath of index.pathsDefining(name)) {
        const file = index.files.get(relativePath);
        if (!file) continue;
        const path = join(index.folder, relativePath);
        for (const definition of file.definitions) if (definition.name === name) hits.push({ path, file, definition });
      }
    }
    return hits;
  }

  entry(path: string): IndexedFile | undefined {
    const located = this.locate(path);
    return located?.index.files.get(located.relativePath);
  }

  /** Indexed files in one directory (a Go package). */
  filesInDirectory(directory: string): { path: string; file: IndexedFile }[] {
    const located = this.locate(join(directory, "x"));
    if (!located) return [];
    const prefix = dirname(located.relativePath) === "." ? "" : `${toPosix(dirname(located.relativePath))}/`;
    const files: { path: string; file: IndexedFile }[] = [];
    for (const [relativePath, file] of located.index.files) {
      if (relativePath.startsWith(prefix) && !relativePath.slice(prefix.length).includes("/")) files.push({ path: join(located.index.folder, relativePath), file });
    }
    return files;
  }

  *allFiles(): Generator<{ path: string; relativePath: string; file: IndexedFile }> {
    for (const index of this.folders.values()) {
      for (const [relativePath, file] of index.files) yield { path: join(index.folder, relativePath), relativePath, file };
    }
  }

  /** A path as the model should see it: relative to its workspace folder. */
  displayPath(path: string): string {
    return this.locate(path)?.relativePath ?? toPosix(path);
  }

  get fileCount(): number {
    let count = 0;
    for (const index of this.folders.values()) count += index.files.size;
    return count;
  }

  private markDirty(index: FolderIndex): void {
    this.dirty.add(index);
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.flush().catch((error: unknown) => this.events.log("warn", `Could not save the symbol index: ${String(error)}`));
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  /** Writes every changed folder index now. */
  async flush(): Promise<void> {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const indexes = [...this.dirty];
    this.dirty.clear();
    for (const index of indexes) {
      await saveIndex(index.storeFile, { version: INDEX_FORMAT_VERSION, folder: index.folder, files: Object.fromEntries(index.files) });
    }
  }
}
