/**
 * One scenario of specialFiles.test.ts, run in a child process so that a scenario which
 * exhausts memory or blocks for good can be killed by the test instead of taking the test
 * run (or the machine) with it: the real context client and worker, as in the extension host.
 *
 *   node specialFileScenario.js <scenario> <workspace> <storage> <hostile relative path>
 *
 * Prints one line `RESULT {json}` with what the worker answered and how long each step took.
 */
import { unlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { ContextClient } from "../../../src/context/contextClient";
import type { ContextChunk } from "../../../src/context/contextTypes";
import { WORKER_PATH } from "./harness";

export const SCENARIOS = ["import", "watcher", "gitignore", "chat"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface ScenarioResult {
  /** Milliseconds per step, in order. */
  steps: { name: string; ms: number }[];
  /** Import-signature chunks (import scenario). */
  chunks?: ContextChunk[];
  /** Indexed paths relative to the workspace (watcher, gitignore). */
  indexed?: string[];
  /** Files the chat found named in a question (chat). */
  named?: string[];
  /** Warnings the worker logged. */
  warnings: string[];
}

export const MAIN_FILE = "main.ts";
export const MAIN_TEXT = [
  'import { realHelper } from "./real";',
  'import { hostile } from "./hostile";',
  "",
  "export function useThem(value: number): number {",
  "  return realHelper(value) + hostile(value);",
  "}",
  "",
].join("\n");
export const REAL_TEXT = "export function realHelper(input: number): number {\n  return input * 2;\n}\n";

async function main(): Promise<void> {
  const [scenario, workspace, storage, hostile] = process.argv.slice(2);
  const client = new ContextClient({ workerPath: WORKER_PATH });
  const result: ScenarioResult = { steps: [], warnings: [] };
  client.onLog((line) => { if (line.level !== "info") result.warnings.push(line.message); });
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await work();
    result.steps.push({ name, ms: Math.round(performance.now() - started) });
    return value;
  };
  const relative = (paths: string[]) => paths.map((path) => path.slice(workspace.length + 1)).sort();
  await client.setFileAccess(true);
  const index = () => client.indexFolders({ folders: [workspace], storageDir: storage, excludes: [] });

  switch (scenario) {
    case "import": {
      const uri = `file://${join(workspace, MAIN_FILE)}`;
      await step("open", () => client.openDocument({ uri, filePath: join(workspace, MAIN_FILE), languageId: "typescript", version: 1, text: MAIN_TEXT }));
      const offset = MAIN_TEXT.indexOf("realHelper(value)");
      result.chunks = await step("import signatures", () => client.gatherForCompletion(
        { uri, offset, window: { startLine: 3, endLine: 6 } },
        { importSignatureMs: 20_000, similarWindowMs: 0, enclosingHeaderMs: 0, recentMs: 0, maxChunksPerSource: 8 }));
      break;
    }
    case "watcher": {
      // The folder is indexed first (the scan lists only regular files); then the watcher announces the link or pipe.
      await step("index", index);
      await step("file created", () => client.fileChanged(join(workspace, hostile), "created"));
      await step("file changed", () => client.fileChanged(join(workspace, hostile), "changed"));
      result.indexed = relative((await client.indexedFiles(100)).paths);
      break;
    }
    case "gitignore": {
      result.indexed = relative((await step("index", index)).folders.length > 0 ? (await client.indexedFiles(100)).paths : []);
      break;
    }
    case "chat": {
      await step("index", index);
      // As after a checkout that the watcher did not report: the indexed file is now a link or a pipe.
      unlinkSync(join(workspace, "real.ts"));
      symlinkSync(join(workspace, hostile), join(workspace, "real.ts"));
      result.named = (await step("files named in a question", () => client.filesNamedIn("What does real.ts do?"))).map((chunk) => chunk.filePath);
      break;
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
  // The worker must still answer: nothing it read may have blocked it.
  await step("worker answers", () => client.stats());
  await client.dispose();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  void main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
