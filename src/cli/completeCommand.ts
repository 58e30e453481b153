import { join } from "node:path";
import { EngineClient } from "../core/engine/engineClient";
import { CompletionPipeline, type CompletionBackend, type PipelineResult } from "../core/completion/completionPipeline";
import type { DocumentSnapshot } from "../core/completion/documentSnapshot";
import { ScriptedBackend } from "../core/completion/scriptedBackend";
import type { GenerationStats } from "../protocol/engineProtocol";
import { readRegularFile } from "../core/files/regularFile";
import { languageIdForPath } from "./languageIds";
import { checkCompletionText } from "../context/analysis/completionCheck";
import type { SyntaxChecker } from "../core/completion/syntaxVerdict";

const MAX_FILE_BYTES = 50 * 1024 * 1024;

export interface CompleteOptions {
  file: string;
  /** 1-based line and column, as editors show them. */
  line: number;
  column: number;
  /** Run everything after generation on this text instead of asking a model. */
  rawOutput?: string;
  /** Ask this GGUF model through the real engine. */
  model?: string;
  threads?: number;
  manual?: boolean;
}

export interface CompleteOutput {
  text: string | null;
  range: { startOffset: number; endOffset: number };
  source: PipelineResult["source"] | null;
  mode: PipelineResult["mode"] | null;
  timings?: GenerationStats;
  prompt?: string;
}

/** Offset of a 1-based line and column in `text`. */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const newline = text.indexOf("\n", offset);
    if (newline < 0) throw new Error(`line ${line} is past the end of the file (${current} lines)`);
    offset = newline + 1;
  }
  const lineEnd = text.indexOf("\n", offset);
  const length = (lineEnd < 0 ? text.length : lineEnd) - offset;
  if (column - 1 > length) throw new Error(`column ${column} is past the end of line ${line} (${length} characters)`);
  return offset + column - 1;
}

/** The syntax service in this process: the same check the context worker runs for the extension. */
export const inProcessSyntax: SyntaxChecker = async (document, completion, query) => checkCompletionText({
  languageId: document.languageId, text: document.text, offset: document.offset, completion, replaceEnd: query.replaceEnd, headerOffset: query.headerOffset,
});

/** A file's text with the cursor at `offset`, as the CLI hands it to the pipeline: language from the file name, indentation guessed. */
export function fileSnapshot(file: string, text: string, offset: number): DocumentSnapshot {
  return {
    uri: `file://${file}`, languageId: languageIdForPath(file), filePath: file, text, offset,
    indent: guessIndentation(text),
  };
}

/** Tabs when most indented lines start with a tab (one stray tab does not make a file tab-indented), else 4 spaces. */
function guessIndentation(text: string): { useTabs: boolean; size: number } {
  const tabs = text.match(/^\t/gm)?.length ?? 0;
  const spaces = text.match(/^ +\S/gm)?.length ?? 0;
  return { useTabs: tabs > spaces, size: 4 };
}

/** The pipeline shared by the CLI and the golden tests. */
export async function completeDocument(document: DocumentSnapshot, backend: CompletionBackend, manual = false): Promise<PipelineResult | undefined> {
  const pipeline = new CompletionPipeline(backend, {
    maxTokens: { singleLine: 48, multiLine: 160 },
    debounceMs: () => 0,
    timeBudgetMs: 5000,
    speculate: false,
    checkSyntax: inProcessSyntax,
    // A grammar's first load takes a moment: the CLI waits for it rather than guess.
    syntaxBudgetMs: 10_000,
  });
  try {
    return await pipeline.provide(document, { manual, signal: new AbortController().signal });
  } finally {
    pipeline.dispose();
  }
}

export async function runComplete(options: CompleteOptions, enginePath = join(__dirname, "engine.js")): Promise<CompleteOutput> {
  // The same limit as VS Code's for documents it gives extensions; a link to a device or a pipe is refused, not read forever.
  const read = await readRegularFile(options.file, MAX_FILE_BYTES);
  if (!read.ok) throw new Error(`${read.message}: give the path of a source file.`);
  const text = read.bytes.toString("utf8");
  const offset = offsetOf(text, options.line, options.column);
  const document = fileSnapshot(options.file, text, offset);
  let engine: EngineClient | undefined;
  let backend: CompletionBackend;
  if (options.rawOutput !== undefined) {
    backend = new ScriptedBackend([options.rawOutput]);
  } else if (options.model) {
    const client = new EngineClient({ enginePath });
    engine = client;
    const info = await client.request("loadModel", {
      role: "completion", modelPath: options.model,
      settings: { threads: options.threads ?? 0, contextSize: 4096, gpuLayers: "auto", gpu: "auto" },
    });
    backend = {
      model: async () => ({ name: info.displayName, fim: info.fim }),
      infill: (params, signal) => client.request("infill", params, { signal }),
      complete: (params, signal) => client.request("complete", params, { signal }),
    };
  } else {
    throw new Error("give --model <file.gguf> or --raw-output <text>");
  }
  try {
    const result = await completeDocument(document, backend, options.manual ?? false);
    const suggestion = result?.suggestions[0];
    return {
      text: suggestion?.text ?? null,
      range: { startOffset: offset, endOffset: suggestion?.replaceEnd ?? offset },
      source: result?.source ?? null,
      mode: result?.mode ?? null,
      timings: result?.request?.stats,
      prompt: result?.request?.prompt,
    };
  } finally {
    await engine?.dispose();
  }
}
