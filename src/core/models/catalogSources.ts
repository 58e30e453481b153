import { readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join, relative, sep } from "node:path";
import { readRegularFile } from "../files/regularFile";
import { modelDisplayName } from "./modelFiles";

export type ModelSource = "folder" | "lmstudio" | "ollama" | "huggingface" | "node-llama-cpp";

export interface CatalogFile {
  path: string;
  name: string;
  source: ModelSource;
  /** The folder or store the file was found in. */
  root: string;
  sizeBytes: number;
  mtimeMs: number;
}

export interface CatalogLocations {
  folders: readonly string[];
  home?: string;
  env?: NodeJS.ProcessEnv;
}

const SPLIT_PART = /-(\d{5})-of-(\d{5})\.gguf$/i;
const MAX_DEPTH = 4;
/**
 * An Ollama manifest is a few hundred bytes of JSON (a config and some layers); one larger than
 * this is not a manifest, and reading it whole would cost the extension host twice its size.
 */
const MAX_MANIFEST_BYTES = 256 * 1024;
/** More manifests than any Ollama store holds: a tree beyond this is not one. */
const MAX_MANIFESTS = 10_000;

/** The well-known places where local model tools keep GGUF files. */
export function wellKnownRoots(locations: CatalogLocations): { source: ModelSource; root: string }[] {
  const home = locations.home ?? homedir();
  const env = locations.env ?? process.env;
  const hfHome = env.HF_HUB_CACHE ?? join(env.HF_HOME ?? join(home, ".cache", "huggingface"), "hub");
  return [
    ...locations.folders.map((root) => ({ source: "folder" as const, root })),
    { source: "node-llama-cpp", root: join(home, ".node-llama-cpp", "models") },
    { source: "lmstudio", root: join(home, ".lmstudio", "models") },
    { source: "lmstudio", root: join(home, ".cache", "lm-studio", "models") },
    { source: "ollama", root: env.OLLAMA_MODELS ?? join(home, ".ollama", "models") },
    { source: "huggingface", root: hfHome },
  ];
}

/**
 * Finds the GGUF files of every source. Only names and sizes are read here (fast);
 * metadata and hashes are read later and separately. A split model is one entry
 * (its first part); broken links and non-files are skipped; a file found through
 * two sources is listed once, under the first.
 */
export async function scanCatalog(locations: CatalogLocations): Promise<CatalogFile[]> {
  const found = new Map<string, CatalogFile>();
  for (const { source, root } of wellKnownRoots(locations)) {
    const files = source === "ollama" ? await scanOllama(root)
      : source === "huggingface" ? await scanHuggingFace(root)
      : await scanFolder(root, source);
    for (const file of files) if (!found.has(file.path)) found.set(file.path, file);
  }
  return [...found.values()];
}

async function fileInfo(path: string): Promise<{ sizeBytes: number; mtimeMs: number } | undefined> {
  try {
    const info = await stat(path); // follows links: a broken link or a loop throws
    return info.isFile() ? { sizeBytes: info.size, mtimeMs: info.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

export async function scanFolder(root: string, source: ModelSource): Promise<CatalogFile[]> {
  const out: CatalogFile[] = [];
  await walk(root, 0, async (path) => {
    const info = await fileInfo(path);
    if (info) out.push({ path, name: modelDisplayName(path), source, root, ...info });
  });
  return out;
}

async function walk(dir: string, depth: number, onGguf: (path: string) => Promise<void>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (depth < MAX_DEPTH && !entry.name.startsWith(".")) await walk(full, depth + 1, onGguf);
    } else if (/\.gguf$/i.test(entry.name)) {
      const split = SPLIT_PART.exec(entry.name);
      if (!split || split[1] === "00001") await onGguf(full);
    }
  }
}

/**
 * Ollama keeps manifests (manifests/<host>/<namespace>/<model>/<tag>) whose layer of
 * media type "application/vnd.ollama.image.model" names the GGUF blob
 * (blobs/sha256-<hex>). The model is shown by its tag, as `ollama list` shows it.
 */
export async function scanOllama(root: string): Promise<CatalogFile[]> {
  const manifestsRoot = join(root, "manifests");
  const manifests: string[] = [];
  await collectFiles(manifestsRoot, 0, manifests);
  const out: CatalogFile[] = [];
  for (const manifestPath of manifests) {
    let layers: unknown;
    try {
      const read = await readRegularFile(manifestPath, MAX_MANIFEST_BYTES);
      if (!read.ok) continue;
      layers = (JSON.parse(read.bytes.toString("utf8")) as { layers?: unknown }).layers;
    } catch {
      continue;
    }
    if (!Array.isArray(layers)) continue;
    const modelLayer = layers.find((layer: unknown) =>
      typeof layer === "object" && layer !== null && (layer as { mediaType?: unknown }).mediaType === "application/vnd.ollama.image.model");
    const digest = (modelLayer as { digest?: unknown } | undefined)?.digest;
    if (typeof digest !== "string" || !/^sha256[:-][0-9a-f]{64}$/.test(digest)) continue;
    const blob = join(root, "blobs", digest.replace(":", "-"));
    const info = await fileInfo(blob);
    if (!info) continue;
    out.push({ path: blob, name: ollamaTagName(relative(manifestsRoot, manifestPath)), source: "ollama", root, ...info });
  }
  return out;
}

export function ollamaTagName(manifestRelativePath: string): string {
  const [host, ...rest] = manifestRelativePath.split(sep);
  const tag = rest.pop() ?? "latest";
  const repository = host === "registry.ollama.ai" && rest[0] === "library" ? rest.slice(1) : host === "registry.ollama.ai" ? rest : [host, ...rest];
  return `${repository.join("/")}:${tag}`;
}

async function collectFiles(dir: string, depth: number, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (out.length >= MAX_MANIFESTS) return;
    const full = join(dir, entry.name);
    if (entry.isDirectory() && depth < 5) await collectFiles(full, depth + 1, out);
    else if (entry.isFile()) out.push(full);
  }
}

/** Hugging Face cache: hub/models--<org>--<name>/snapshots/<revision>/<file>.gguf (links to blobs). */
export async function scanHuggingFace(hubRoot: string): Promise<CatalogFile[]> {
  let repos;
  try {
    repos = await readdir(hubRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: CatalogFile[] = [];
  for (const repo of repos) {
    if (!repo.isDirectory() || !repo.name.startsWith("models--")) continue;
    const repoName = repo.name.slice("models--".length).split("--").join("/");
    const snapshots = join(hubRoot, repo.name, "snapshots");
    await walk(snapshots, 0, async (path) => {
      const info = await fileInfo(path);
      const inSnapshot = relative(snapshots, path).split(sep).slice(1).join("/");
      if (info) out.push({ path, name: `${repoName}/${modelDisplayName(inSnapshot || basename(path))}`, source: "huggingface", root: hubRoot, ...info });
    });
  }
  return out;
}
