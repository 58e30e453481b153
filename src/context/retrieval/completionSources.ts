/**
 * The context sources for one completion. Each runs against its own deadline and
 * returns what it has when the deadline passes; the client skips a late answer.
 */
import { dirname } from "node:path";
import type { ContextChunk, Definition, FileOutline, ImportBinding, ImportInfo, LineRange } from "../contextTypes";
import { enclosingDefinitions, identifiersNear } from "../analysis/scopes";
import { languageFamily, languageIdForPath } from "../languages";
import type { DocumentState } from "../parsing/documentStore";
import { goImportMatches, importCandidates } from "./importResolver";
import type { RecentChunks } from "./recentChunks";
import { DEFAULT_WINDOW_OPTIONS, similarWindows, type WindowCandidate } from "./similarWindows";
import { tokenSet } from "./tokens";
import type { WorkspaceView } from "./workspaceView";

export type CompletionSource = "import-signature" | "similar-window" | "enclosing-header" | "recent";

export interface CompletionSourceRequest {
  uri: string;
  offset: number;
  /** The prompt's prefix and suffix windows: chunks must not repeat them. */
  window: LineRange;
  /** Date.now() after which the source stops and returns what it has. */
  deadline: number;
  maxChunks: number;
}

/** Lines around the cursor whose names count as "used in the current scope". */
const SCOPE_LINES_ABOVE = 60;
const SCOPE_LINES_BELOW = 20;
const QUERY_LINES = 20;
const MAX_SAME_NAME = 2;
const MAX_WINDOW_FILES = 20;
const CURRENT_FILE_SCAN_LINES = 600;

function overlaps(a: LineRange, b: LineRange): boolean {
  return a.startLine <= b.endLine && b.startLine <= a.endLine;
}

/** Headers of scopes around the cursor that start above the prefix window. */
export function enclosingHeaders(state: DocumentState, around: readonly Definition[], request: CompletionSourceRequest, view: WorkspaceView): ContextChunk[] {
  const line = state.lines.lineAt(request.offset);
  return enclosingDefinitions(around, line)
    .filter((definition) => definition.signatureRange.startLine < request.window.startLine)
    .map((definition) => ({
      filePath: view.displayPath(state.filePath),
      range: { startLine: definition.signatureRange.startLine, endLine: Math.min(definition.signatureRange.endLine, request.window.startLine - 1) },
      text: state.lines.lines(definition.signatureRange.startLine, Math.min(definition.signatureRange.endLine, request.window.startLine - 1)),
      reason: "enclosing-header" as const,
    }));
}

export function recentChunks(state: DocumentState, recent: RecentChunks, request: CompletionSourceRequest, view: WorkspaceView): ContextChunk[] {
  const current = view.displayPath(state.filePath);
  return recent.chunks().filter((chunk) => chunk.filePath !== current || !overlaps(chunk.range, request.window)).slice(-request.maxChunks);
}

export function similarWindowChunks(state: DocumentState, request: CompletionSourceRequest, view: WorkspaceView): ContextChunk[] {
  const line = state.lines.lineAt(request.offset);
  const query = tokenSet(state.lines, line - QUERY_LINES, line);
  const family = languageFamily(state.languageId);
  const candidates: WindowCandidate[] = [];
  for (const other of view.documents.recentDocuments()) {
    if (candidates.length >= MAX_WINDOW_FILES) break;
    if (languageFamily(other.languageId) !== family || other.verdict === "skip") continue;
    const filePath = view.displayPath(other.filePath);
    if (other.uri === state.uri) {
      // The current file changes with every keystroke, so its windows are not cached: scan only near the cursor.
      const within = { startLine: line - CURRENT_FILE_SCAN_LINES, endLine: line + CURRENT_FILE_SCAN_LINES };
      candidates.push({ filePath, lines: other.lines, exclude: request.window, within });
    } else {
      candidates.push({ filePath, lines: other.lines, cacheKey: `${other.uri}#${other.generation}@${other.version}` });
    }
  }
  return similarWindows(query, candidates, { ...DEFAULT_WINDOW_OPTIONS, maxResults: request.maxChunks, deadline: request.deadline });
}

interface Target {
  path: string;
  outline: FileOutline;
}

/** Files an import may refer to that exist in the workspace. */
async function resolveImport(state: DocumentState, info: ImportInfo, binding: ImportBinding | undefined, view: WorkspaceView): Promise<Target[]> {
  const targets: Target[] = [];
  if (languageFamily(state.languageId) === "go") {
    for (const entry of view.index.allFiles()) {
      const directory = dirname(entry.relativePath);
      if (entry.file.languageId === "go" && goImportMatches(info.module, directory === "." ? "" : directory)) {
        targets.push({ path: entry.path, outline: { definitions: entry.file.definitions, imports: entry.file.imports, heuristic: entry.file.heuristic } });
      }
    }
    return targets;
  }
  const name = binding && binding.name !== "*" ? binding.name : undefined;
  for (const candidate of importCandidates(state.filePath, state.languageId, info.module, name, view.roots())) {
    if (!languageIdForPath(candidate)) continue;
    const outline = await view.outlineOf(candidate);
    if (outline) {
      targets.push({ path: candidate, outline });
      break;
    }
  }
  return targets;
}

/** Go files of the same package see each other's names without imports. */
function samePackageTargets(state: DocumentState, view: WorkspaceView): Target[] {
  if (state.languageId !== "go") return [];
  return view.index.filesInDirectory(dirname(state.filePath))
    .filter((entry) => entry.path !== state.filePath && entry.file.languageId === "go")
    .map((entry) => ({ path: entry.path, outline: { definitions: entry.file.definitions, imports: entry.file.imports, heuristic: entry.file.heuristic } }));
}

function definitionsNamed(outline: FileOutline, name: string): Definition[] {
  return outline.definitions.filter((definition) => definition.name === name).slice(0, MAX_SAME_NAME);
}

/** The scope whose names matter: the innermost function around the cursor, capped. */
function scopeLines(state: DocumentState, around: readonly Definition[], line: number): LineRange {
  const enclosing = enclosingDefinitions(around, line).filter((definition) => definition.kind === "function" || definition.kind === "method");
  const innermost = enclosing[enclosing.length - 1];
  const startLine = Math.max(innermost?.range.startLine ?? 0, line - SCOPE_LINES_ABOVE);
  const endLine = Math.min(innermost?.range.endLine ?? state.lines.lineCount - 1, line + SCOPE_LINES_BELOW);
  return { startLine, endLine };
}

/**
 * Signatures of names used around the cursor and defined in other files: through
 * the file's imports (named, namespace and wildcard), Go's package, and for named
 * imports of files outside the workspace's reach, the index by name.
 */
/** `outline` may be a few versions old (names and imports only); `around` is exact. */
export async function importSignatures(state: DocumentState, outline: FileOutline, around: readonly Definition[], request: CompletionSourceRequest, view: WorkspaceView): Promise<ContextChunk[]> {
  const line = state.lines.lineAt(request.offset);
  // Names of the current function first, then of the lines around it (the class, the module).
  const scope = scopeLines(state, around, line);
  const wider = identifiersNear(state, line - SCOPE_LINES_ABOVE, line + SCOPE_LINES_BELOW, request.offset);
  const used = [...new Set([...identifiersNear(state, scope.startLine, scope.endLine, request.offset), ...wider])];
  const local = new Set(outline.definitions.map((definition) => definition.name));
  const named = new Map<string, { info: ImportInfo; binding: ImportBinding }>();
  const namespaceImports: ImportInfo[] = [];
  for (const info of outline.imports) {
    for (const binding of info.bindings) {
      if (binding.name === "*") namespaceImports.push(info);
      else named.set(binding.local, { info, binding });
    }
  }
  const usedSet = new Set(used);
  const chunks: ContextChunk[] = [];
  const seen = new Set<string>();
  const add = (path: string, definition: Definition, rank: number) => {
    const key = `${path}:${definition.range.startLine}`;
    if (seen.has(key) || chunks.length >= request.maxChunks) return;
    seen.add(key);
    chunks.push({ filePath: view.displayPath(path), range: definition.signatureRange, text: definition.signature, reason: "import-signature", score: 1 / (1 + rank) });
  };

  // Namespace and wildcard imports whose local name is used, plus the Go package.
  const broadTargets: Target[] = samePackageTargets(state, view);
  for (const info of namespaceImports) {
    if (Date.now() > request.deadline) return chunks;
    const usedHere = info.bindings.some((binding) => binding.local === "*" || usedSet.has(binding.local));
    if (usedHere) broadTargets.push(...await resolveImport(state, info, undefined, view));
  }

  for (const [rank, name] of used.entries()) {
    if (Date.now() > request.deadline || chunks.length >= request.maxChunks) break;
    if (local.has(name)) continue;
    const explicit = named.get(name);
    if (explicit) {
      const targets = await resolveImport(state, explicit.info, explicit.binding, view);
      let found = false;
      for (const target of targets) for (const definition of definitionsNamed(target.outline, explicit.binding.name)) { add(target.path, definition, rank); found = true; }
      if (!found) {
        // Outside the resolver's reach (path aliases, packages): the index by name, same language family.
        const family = languageFamily(state.languageId);
        const hits = view.index.lookup(explicit.binding.name).filter((hit) => languageFamily(hit.file.languageId) === family && hit.path !== state.filePath);
        const tail = explicit.info.module.split(/[/.:]+/).pop() ?? "";
        hits.sort((a, b) => Number(b.path.includes(tail)) - Number(a.path.includes(tail)) || Number(b.definition.exported) - Number(a.definition.exported));
        for (const hit of hits.slice(0, 1)) add(hit.path, hit.definition, rank);
      }
      continue;
    }
    for (const target of broadTargets) for (const definition of definitionsNamed(target.outline, name)) if (definition.exported || state.languageId === "go") add(target.path, definition, rank);
  }
  return chunks;
}
