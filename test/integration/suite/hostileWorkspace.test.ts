/**
 * What a workspace can do to the extension host, in the real host with the packaged extension:
 *  - files named like source that are links to /dev/zero or named pipes, imported from the file
 *    being edited or announced by the file watcher (as after a git checkout): read whole, the
 *    first grew this host past 2 GB in 3 s, and a pipe blocked the context worker for good;
 *  - workspace settings: a token budget of 0 (node-llama-cpp's "unlimited") and machine settings
 *    written into .vscode/settings.json.
 * Figures are printed and written beside the suite's result file (hostile-workspace-figures.json).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { until } from "./until";

interface ContextChunkSeen {
  filePath: string;
  text: string;
}

interface HearthApiForHostileWorkspace {
  context: {
    gatherForCompletion(document: vscode.TextDocument, position: vscode.Position, budgets: Record<string, number>): Promise<ContextChunkSeen[]>;
    filesNamedIn(question: string): Promise<ContextChunkSeen[]>;
  };
  setting(key: string): unknown;
  languageModels: { readonly registered: boolean; readonly lastResponse: { stopReason: string; generatedTokens: number } | undefined };
}

function isApi(value: unknown): value is HearthApiForHostileWorkspace {
  return typeof value === "object" && value !== null && "context" in value && "setting" in value && "languageModels" in value;
}

/** Only the import source, with time to read cold files: what the worker finds, not whether it beats 40 ms. */
const IMPORTS_ONLY = { importSignatureMs: 10_000, similarWindowMs: 0, enclosingHeaderMs: 0, recentMs: 0 };

/** The host's growth past which a file was read whole: the test fails at once instead of exhausting the machine. */
const GROWTH_LIMIT_BYTES = 512 * 1024 * 1024;
const MAIN_TEXT = [
  'import { realHelper } from "./real";',
  'import { zero } from "./zero";',
  'import { piped } from "./pipe";',
  "",
  "export function useThem(value: number): number {",
  "  const doubled = realHelper(value);",
  "  return ",
].join("\n");

const figures: Record<string, unknown> = {};

function mkfifo(file: string): void {
  const made = spawnSync("mkfifo", [file]);
  assert.equal(made.status, 0, `mkfifo ${file}: ${String(made.stderr)}`);
}

async function activate(): Promise<HearthApiForHostileWorkspace> {
  const extension = vscode.extensions.getExtension("hearth.hearth");
  assert.ok(extension, "extension hearth.hearth is not installed");
  const api: unknown = await extension.activate();
  assert.ok(isApi(api), "activate() returns Hearth's API");
  return api;
}

function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}

suite("A hostile workspace", () => {
  suiteTeardown(() => {
    const resultFile = process.env.HEARTH_INTEGRATION_RESULT_FILE;
    if (resultFile) fs.writeFileSync(path.join(path.dirname(resultFile), "hostile-workspace-figures.json"), JSON.stringify(figures, null, 2) + "\n");
    console.log(`      HEARTH_HOSTILE_WORKSPACE_FIGURES ${JSON.stringify(figures)}`);
  });

  test("links to /dev/zero and named pipes, imported or announced by the file watcher, are not read: memory stays flat and context still comes", async function () {
    if (process.platform === "win32") this.skip();
    this.timeout(240_000);
    const api = await activate();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, "the integration workspace is a folder");
    const directory = fs.mkdtempSync(path.join(folder, "hostile-"));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-hostile-"));
    try {
      fs.writeFileSync(path.join(directory, "real.ts"), "export function realHelper(input: number): number {\n  return input * 2;\n}\n");
      fs.symlinkSync("/dev/zero", path.join(directory, "zero.ts"));
      mkfifo(path.join(directory, "pipe.ts"));
      fs.writeFileSync(path.join(directory, "main.ts"), MAIN_TEXT);
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const watchMemory = () => {
        peak = Math.max(peak, process.memoryUsage().rss);
        assert.ok(peak - rssBefore < GROWTH_LIMIT_BYTES, `the extension host grew by ${mib(peak - rssBefore)} MiB: a special file was read`);
      };

      const document = await vscode.workspace.openTextDocument(path.join(directory, "main.ts"));
      await vscode.window.showTextDocument(document);
      const position = document.lineAt(document.lineCount - 1).range.end;
      const hasRealImport = (chunks: ContextChunkSeen[]) => chunks.some((chunk) => chunk.filePath.endsWith("real.ts") && chunk.text.includes("realHelper(input: number)"));
      const started = Date.now();
      // The document reaches the worker as VS Code announces it: ask until it is there.
      const chunks = await until("import context with real.ts's signature", 60_000, async () => {
        const found = await api.context.gatherForCompletion(document, position, IMPORTS_ONLY);
        watchMemory();
        return hasRealImport(found) ? found : undefined;
      });
      const importMs = Date.now() - started;
      assert.ok(chunks.every((chunk) => !/zero\.ts|pipe\.ts/.test(chunk.filePath)), `no chunk from the special files: ${chunks.map((chunk) => chunk.filePath).join(", ")}`);

      // As after a git checkout: the watcher announces new links and pipes, and real.ts becomes a link to a pipe.
      fs.symlinkSync("/dev/zero", path.join(directory, "zero-too.ts"));
      mkfifo(path.join(directory, "pipe-too.ts"));
      mkfifo(path.join(outside, "fifo"));
      fs.rmSync(path.join(directory, "real.ts"));
      fs.symlinkSync(path.join(outside, "fifo"), path.join(directory, "real.ts"));
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const watcherStarted = Date.now();
      const named = await api.context.filesNamedIn(`What do ${path.basename(directory)}/real.ts and zero-too.ts do?`);
      const afterChunks = await api.context.gatherForCompletion(document, position, IMPORTS_ONLY);
      const afterWatcherMs = Date.now() - watcherStarted;
      watchMemory();
      assert.deepEqual(named.map((chunk) => chunk.filePath), [], "the chat reads neither the pipe behind real.ts nor the link to /dev/zero");
      assert.ok(!hasRealImport(afterChunks), "real.ts is a link to a pipe now: no signature from it");

      figures.specialFiles = {
        rssBeforeMiB: mib(rssBefore), peakGrowthMiB: mib(peak - rssBefore),
        msUntilContextWithRealImport: importMs, msOfChatAndCompletionContextAfterWatcherEvents: afterWatcherMs,
      };
      console.log(`      (host grew by at most ${mib(peak - rssBefore)} MiB; import context with real.ts after ${importMs} ms; chat and completion context after the watcher's events took ${afterWatcherMs} ms)`);
      await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test("a workspace's chat token budget of 0 is used as the minimum, never as unlimited, and a reply stops within it", async function () {
    this.timeout(180_000);
    const api = await activate();
    const chat = () => vscode.workspace.getConfiguration("hearth.chat");
    await chat().update("maxTokens", 0, vscode.ConfigurationTarget.Workspace);
    try {
      await until("the workspace value to be visible", 10_000, () => (chat().inspect("maxTokens")?.workspaceValue === 0 ? true : undefined));
      assert.equal(api.setting("hearth.chat.maxTokens"), 64, "clamped to the minimum");
      figures.chatMaxTokensZero = { used: api.setting("hearth.chat.maxTokens") };

      if (typeof vscode.lm?.registerLanguageModelChatProvider !== "function") return;
      await chat().update("languageModelProvider", true, vscode.ConfigurationTarget.Global);
      await until("the provider to be registered", 10_000, () => (api.languageModels.registered ? true : undefined));
      const [model] = await until("Hearth's model in vscode.lm", 30_000, async () => {
        const models = await vscode.lm.selectChatModels({ vendor: "hearth" });
        return models.length > 0 ? models : undefined;
      });
      const before = api.languageModels.lastResponse;
      const source = new vscode.CancellationTokenSource();
      const response = await model.sendRequest([vscode.LanguageModelChatMessage.User("Once upon a time, there was a little girl named Lily. She")], {}, source.token);
      for await (const part of response.text) void part;
      source.dispose();
      const outcome = await until("the reply's outcome", 60_000, () => (api.languageModels.lastResponse !== before ? api.languageModels.lastResponse : undefined));
      assert.ok(outcome.generatedTokens <= 64, `the reply generated ${outcome.generatedTokens} tokens`);
      figures.chatMaxTokensZero = { used: 64, generatedTokens: outcome.generatedTokens, stopReason: outcome.stopReason };
    } finally {
      await chat().update("maxTokens", undefined, vscode.ConfigurationTarget.Workspace);
      await chat().update("languageModelProvider", undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test("machine settings in the workspace's .vscode/settings.json are ignored", async function () {
    this.timeout(60_000);
    const api = await activate();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, "the integration workspace is a folder");
    const settingsFile = path.join(folder, ".vscode", "settings.json");
    const previous = fs.existsSync(settingsFile) ? fs.readFileSync(settingsFile, "utf8") : undefined;
    const userThreads = api.setting("hearth.engine.threads");
    const userContext = api.setting("hearth.engine.contextSize");
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({
      "hearth.engine.threads": 200, "hearth.engine.contextSize": 131072, "hearth.chat.languageModelProvider": true,
      "hearth.network.allowModelDownload": true, "hearth.completion.modelPath": "/tmp/evil.gguf",
      // A window setting, which a workspace may set: once it shows, VS Code has read the file.
      "hearth.completion.debounceMs": 321,
    }));
    try {
      await until("VS Code to read the workspace settings", 30_000, () => (api.setting("hearth.completion.debounceMs") === 321 ? true : undefined));
      // VS Code drops machine settings from a workspace's file when it parses it.
      assert.equal(vscode.workspace.getConfiguration("hearth.engine").inspect("threads")?.workspaceValue, undefined);
      assert.equal(api.setting("hearth.engine.threads"), userThreads);
      assert.equal(api.setting("hearth.engine.contextSize"), userContext);
      assert.equal(api.setting("hearth.chat.languageModelProvider"), false);
      assert.equal(api.setting("hearth.network.allowModelDownload"), false);
      assert.notEqual(api.setting("hearth.completion.modelPath"), "/tmp/evil.gguf");
    } finally {
      if (previous === undefined) fs.rmSync(settingsFile);
      else fs.writeFileSync(settingsFile, previous);
    }
  });
});
