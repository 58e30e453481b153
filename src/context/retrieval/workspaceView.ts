/**
 * What retrieval may read: open documents first (their text is newer than disk),
 * then the index, then the file itself analysed on demand (not in an untrusted
 * workspace: see src/context/workspaceAccess.ts).
 */
import { stat } from "node:fs/promises";
import { readRegularFile } from "../../core/files/regularFile";
import type { FileOutline } from "../contextTypes";
import { analyzeFile } from "../index/fileAnalyzer";
import type { WorkspaceIndex } from "../index/workspaceIndex";
import type { DocumentState, DocumentStore } from "../parsing/documentStore";
import { decodeFile, MAX_PARSE_CHARS } from "../parsing/inputGuard";

const ON_DEMAND_CACHE = 200;

export class WorkspaceView {
  private readonly onDemand = new Map<string, { mtimeMs: number; outline: FileOutline }>();
  private folders: readonly string[] = [];
  private readUnopenedFiles = true;

  constructor(readonly documents: DocumentStore, readonly index: WorkspaceIndex) {}

  setFolders(folders: readonly string[]): void {
    this.folders = folders;
  }

  setFileAccess(readUnopenedFiles: boolean): void {
    this.readUnopenedFiles = readUnopenedFiles;
    if (!readUnopenedFiles) this.onDemand.clear();
  }

  get readsUnopenedFiles(): boolean {
    return this.readUnopenedFiles;
  }

  roots(): readonly string[] {
    return this.folders;
  }

  documentAt(path: string): DocumentState | undefined {
    return this.documents.recentDocuments().find((state) => state.filePath === path && state.tree !== undefined)
      ?? this.documents.recentDocuments().find((state) => state.filePath === path);
  }

  displayPath(path: string): string {
    const shown = this.index.displayPath(path);
    if (shown !== path) return shown;
    for (const root of this.folders) if (path.startsWith(`${root}/`)) return path.slice(root.length + 1);
    return path;
  }

  /** The outline of any file by path, or undefined when it does not exist or is not source. */
  async outlineOf(path: string): Promise<FileOutline | undefined> {
    const open = this.documentAt(path);
    if (open) return open.tree || open.verdict !== "parse" ? this.documents.outline(open) : undefined;
    const indexed = this.index.entry(path);
    if (indexed) return { definitions: indexed.definitions, imports: indexed.imports, heuristic: indexed.heuristic };
    if (!this.readUnopenedFiles) return undefined;
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(path)).mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.onDemand.get(path);
    if (cached?.mtimeMs === mtimeMs) return cached.outline;
    const result = await analyzeFile(path).catch(() => undefined);
    if (result?.kind !== "indexed") return undefined;
    const outline = { definitions: result.file.definitions, imports: result.file.imports, heuristic: result.file.heuristic };
    if (this.onDemand.size >= ON_DEMAND_CACHE) this.onDemand.clear();
    this.onDemand.set(path, { mtimeMs, outline });
    return outline;
  }

  /** A file's text: the open document's, or read from disk within the limits. */
  async textOf(path: string): Promise<string | undefined> {
    const open = this.documentAt(path);
    if (open) return open.lines.text;
    if (!this.readUnopenedFiles) return undefined;
    try {
      // Only a regular file, and no more of it than the parser would take (decodeFile skips larger ones).
      const read = await readRegularFile(path, MAX_PARSE_CHARS);
      if (!read.ok) return undefined;
      const decoded = decodeFile(read.bytes);
      return decoded.verdict === "skip" ? undefined : decoded.text;
    } catch {
      return undefined;
    }
  }
}
