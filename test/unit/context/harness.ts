/** Starts the real context worker (compiled by tsc to out/src/context/worker.js) and loads fixtures. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContextClient } from "../../../src/context/contextClient";
import { languageIdForPath } from "../../../src/context/languages";

/** out/test/unit/context → out/src/context/worker.js */
export const WORKER_PATH = join(__dirname, "..", "..", "..", "src", "context", "worker.js");
/** Fixtures are not compiled: read them from the source tree. */
export const FIXTURES = join(__dirname, "..", "..", "..", "..", "test", "fixtures", "context");

export function startClient(): ContextClient {
  return new ContextClient({ workerPath: WORKER_PATH });
}

export function temporaryFolder(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `hearth-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CursorFile {
  uri: string;
  filePath: string;
  languageId: string;
  text: string;
  offset: number;
}

/** A fixture file with its cursor marker removed (`/*CURSOR*\/` or `# CURSOR`). */
export function fixtureWithCursor(relativePath: string): CursorFile {
  const filePath = join(FIXTURES, relativePath);
  const raw = readFileSync(filePath, "utf8");
  const marker = raw.includes("/*CURSOR*/") ? "/*CURSOR*/" : "# CURSOR";
  const offset = raw.indexOf(marker);
  if (offset < 0) throw new Error(`no cursor marker in ${relativePath}`);
  return { uri: `file://${filePath}`, filePath, languageId: languageIdForPath(filePath) ?? "plaintext", text: raw.slice(0, offset) + raw.slice(offset + marker.length), offset };
}

/** A deterministic PRNG (mulberry32) for property tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
