/** Composition root: creates the services, wires them to VS Code, and disposes them. */
import * as vscode from "vscode";
import { CompletionPipeline } from "./core/completion/completionPipeline";
import { EngineClient } from "./core/engine/engineClient";
import { ModelController } from "./core/models/modelController";
import { isSettingKey, settingsNeedingReload } from "./core/settings";
import { ChatViewProvider } from "./adapters/chatViewProvider";
import { ContextSync } from "./adapters/contextSync";
import { DEFAULT_LAYOUT } from "./core/completion/promptLayout";
import type { DocumentSnapshot } from "./core/completion/documentSnapshot";
import type { ModelRole } from "./protocol/engineProtocol";
import { registerLanguageModelProvider, type LanguageModelProviderRegistration } from "./adapters/languageModelProvider";
import { connectPickerToIndex } from "./adapters/chatContextPicker";
import { getSetting, logSettingProblems, modelConfiguration, openSettings } from "./adapters/configuration";
import { HearthInlineCompletionProvider } from "./adapters/inlineCompletionProvider";
import { showModelInfo } from "./adapters/modelInfo";
import { showLastPrompt } from "./adapters/promptInspector";
import { ReadOnlyDocuments } from "./adapters/readOnlyDocuments";
import { downloadModelCommand } from "./adapters/downloadModelCommand";
import { addModelFolder, browseForModel, selectModel, showModelError, switchModel } from "./adapters/selectModelCommand";
import { ModelCatalog } from "./core/models/modelCatalog";
import { HashCache } from "./core/models/sha256";
import { ModelStatusBar } from "./adapters/statusBar";
import { WalkthroughProgress } from "./adapters/walkthroughProgress";

export interface HearthApi {
  readonly engine: EngineClient;
  readonly models: ModelController;
  readonly pipeline: CompletionPipeline;
  /** For the in-host integration tests: what the provider itself returns. */
  readonly inlineCompletionProvider: vscode.InlineCompletionItemProvider;
  /** For the in-host integration tests: the vscode.lm provider's state and its last response. */
  readonly languageModels: Pick<LanguageModelProviderRegistration, "registered" | "lastResponse">;
  /** For the in-host integration tests: the page Hearth's read-only page tab shows. */
  readonly documents: Pick<ReadOnlyDocuments, "current">;
  /** Milliseconds from the start of activate() until the completion model first served (benchmark figure). */
  readonly startup: { completionReadyMs: number | undefined };
  /** For the in-host integration tests: a setting as Hearth uses it (VS Code's scopes applied, then clamped to its range). */
  readonly setting: typeof getSetting;
  /** For the in-host integration tests: what the context worker gives completions and the chat. */
  readonly context: Pick<ContextSync, "gatherForCompletion" | "filesNamedIn">;
}

let engine: EngineClient | undefined;

const SAMPLE_FILE = [
  "// Try Hearth: type after the `{` below, pause, and press Tab to accept the grey suggestion.",
  "interface Point {",
  "  x: number;",
  "  y: number;",
  "}",
  "",
  "function distance(a: Point, b: Point): number {",
].join("\n");

export function activate(context: vscode.ExtensionContext): HearthApi {
  const activationStarted = performance.now();
  const startup: { completionReadyMs: number | undefined } = { completionReadyMs: undefined };
  const log = vscode.window.createOutputChannel("Hearth", { log: true });
  const client = new EngineClient({ enginePath: vscode.Uri.joinPath(context.extensionUri, "dist", "engine.js").fsPath });
  engine = client;
  const models = new ModelController(client, modelConfiguration, (level, message) => log[level](message));
  const statusBar = new ModelStatusBar(models);

  const contextSync = new ContextSync(context, log);
  // Subscribed before the first index progress event (indexing starts on a timer).
  const pickerIndex = connectPickerToIndex(contextSync.client);
  /** The open document and cursor a pipeline snapshot was taken from. */
  const locate = (snapshot: DocumentSnapshot) => {
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === snapshot.uri);
    return document ? { document, position: document.positionAt((snapshot.windowStart ?? 0) + snapshot.offset) } : undefined;
  };

  let warnedNoFim = "";
  /** The provider owns idle prefill; it is created after the pipeline that asks for one. */
  const prefiller: { provider?: HearthInlineCompletionProvider } = {};
  const pipeline = new CompletionPipeline({
    model: async () => {
      const info = await models.ensure("completion");
      if (!info) return undefined;
      if (!info.fim && warnedNoFim !== info.modelPath) {
        warnedNoFim = info.modelPath;
        log.warn(`${info.displayName} has no fill-in-the-middle tokens: completions use the text before the cursor only.`);
      }
      return { name: info.displayName, fim: info.fim };
    },
    infill: async (params, signal) => {
      const result = await client.request("infill", params, { signal });
      models.confirmServing("completion");
      return result;
    },
    complete: async (params, signal) => {
      const result = await client.request("complete", params, { signal });
      models.confirmServing("completion");
      return result;
    },
    // Only into a model already serving: a prefill never loads one.
    prefill: (params, signal) => models.serving("completion")
      ? client.request("prefill", params, { signal })
      : Promise.resolve({ ran: false, complete: false, promptTokens: 0, reusedTokens: 0, evaluatedTokens: 0, promptMs: 0 }),
  }, {
    maxTokens: { singleLine: 48, multiLine: getSetting("hearth.completion.maxTokens") },
    debounceMs: () => getSetting("hearth.completion.debounceMs"),
    suggestIn: () => ({ comments: getSetting("hearth.completion.inComments"), strings: getSetting("hearth.completion.inStrings") }),
    timeBudgetMs: 3000,
    // A request evaluates at most about a second of uncached prompt; idle prefill does the rest.
    promptBudgetMs: 1000,
    requestPrefill: () => prefiller.provider?.requestPrefill(),
    speculate: true,
    context: async (snapshot) => {
      const at = locate(snapshot);
      return at ? contextSync.gatherForCompletion(at.document, at.position, DEFAULT_LAYOUT) : [];
    },
    checkSyntax: async (snapshot, completion, query) => {
      const at = locate(snapshot);
      if (!at) return undefined;
      return contextSync.checkCompletion(at.document, at.position, completion, {
        replaceLength: query.replaceEnd - snapshot.offset, headerOffset: query.headerOffset,
      });
    },
  });
  const completionProvider = new HearthInlineCompletionProvider(pipeline, statusBar, log);
  prefiller.provider = completionProvider;
  const documents = new ReadOnlyDocuments(context.extensionUri);
  const languageModels = registerLanguageModelProvider(client, models, log);
  const chatView = new ChatViewProvider({ extensionUri: context.extensionUri, storageUri: context.globalStorageUri, engine: client, models, log, documents });
  const hashKey = (key: string) => `sha256:${key}`;
  const catalog = new ModelCatalog(client, new HashCache({
    get: (key) => context.globalState.get<string>(hashKey(key)),
    set: (key, value) => context.globalState.update(hashKey(key), value),
  }));
  void vscode.commands.executeCommand("setContext", "hearth.completionsPaused", false);
  const walkthrough = new WalkthroughProgress(() => models.chosen("completion") || models.chosen("chat"));
  const pickModel = (role: ModelRole | "both") => () => selectModel(role, models, catalog, log, () => walkthrough.announce());

  context.subscriptions.push(
    log,
    logSettingProblems((message) => log.warn(message)),
    contextSync,
    statusBar,
    chatView,
    completionProvider,
    documents,
    walkthrough,
    { dispose: () => pipeline.dispose() },
    { dispose: () => models.dispose() },
    { dispose: client.onLog((line) => log[line.level](line.message)).dispose },
    { dispose: client.onExit((exit) => {
      if (!exit.crashed) return;
      if (exit.restarting) {
        // Restarted at once: the models that served before are being reloaded and keep serving.
        log.error(`The Hearth engine ${exit.unresponsive ? "stopped responding" : `stopped (${exit.signal ?? `code ${exit.code}`})`}${exit.blamedModel ? ` on ${exit.blamedModel}` : ""}; it is restarting and reloading the models.`);
        return;
      }
      const message = exit.gaveUp
        ? "The Hearth engine crashed repeatedly and will not be restarted."
        : `The Hearth engine stopped unexpectedly (${exit.signal ?? `code ${exit.code}`}). It restarts on the next request.`;
      log.error(message);
      models.engineStopped(message);
      if (exit.gaveUp) void showModelError(`${message} Choose another model or check the log.`);
    }).dispose },
    { dispose: models.onDidChangeState((role) => {
      const state = models.state(role);
      if (state.kind === "error" && state.cause === "load") void showModelError(state.message);
      if (role === "completion") pipeline.cache.clear();
      if (state.kind === "ready") walkthrough.announce();
      if (role === "completion" && state.kind === "ready" && startup.completionReadyMs === undefined) {
        startup.completionReadyMs = Math.round(performance.now() - activationStarted);
        log.info(`Completions available ${startup.completionReadyMs} ms after activation (${state.info.displayName})`);
      }
      const anyLoaded = models.serving("completion") !== undefined || models.serving("chat") !== undefined;
      void vscode.commands.executeCommand("setContext", "hearth.modelLoaded", anyLoaded);
    }).dispose },
    vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, completionProvider),
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, chatView),
    vscode.commands.registerCommand("hearth.askAboutSelection", () => chatView.askAboutSelection()),
    // The editor context menu's entry: the same command under a title that says whose it is.
    vscode.commands.registerCommand("hearth.askHearthAboutSelection", () => chatView.askAboutSelection()),
    languageModels,
    pickerIndex,
    vscode.commands.registerCommand("hearth.selectModel", pickModel("both")),
    vscode.commands.registerCommand("hearth.selectCompletionModel", pickModel("completion")),
    vscode.commands.registerCommand("hearth.selectChatModel", pickModel("chat")),
    vscode.commands.registerCommand("hearth.addModelFolder", () => addModelFolder()),
    vscode.commands.registerCommand("hearth.openModelFile", async () => {
      const path = await browseForModel();
      if (path) await switchModel("both", path, models, log);
    }),
    vscode.commands.registerCommand("hearth.downloadModel", () => downloadModelCommand(context.globalStorageUri, models, log)),
    vscode.commands.registerCommand("hearth.showModelInfo", () => showModelInfo(documents, models, client, catalog)),
    vscode.commands.registerCommand("hearth.unloadModels", async () => {
      await models.unload("completion");
      await models.unload("chat");
      log.info("models unloaded");
    }),
    vscode.commands.registerCommand("hearth.showLog", () => log.show()),
    vscode.commands.registerCommand("hearth.pauseCompletions", () => completionProvider.setPaused(true)),
    vscode.commands.registerCommand("hearth.resumeCompletions", () => completionProvider.setPaused(false)),
    vscode.commands.registerCommand("hearth.toggleCompletions", () => completionProvider.setPaused(!completionProvider.isPaused)),
    vscode.commands.registerCommand("hearth.triggerCompletion", () => triggerCompletion()),
    vscode.commands.registerCommand("hearth.openSettings", (key?: unknown) => openSettings(isSettingKey(key) ? key : undefined)),
    vscode.commands.registerCommand("hearth.showLastCompletionPrompt", () => showLastPrompt(documents, () => pipeline.lastRequest)),
    vscode.commands.registerCommand("hearth.completionAccepted", (length: unknown) => {
      log.info(`completion accepted (${typeof length === "number" ? length : "?"} characters)`);
      void vscode.commands.executeCommand("setContext", "hearth.hasAcceptedCompletion", true);
    }),
    vscode.commands.registerCommand("hearth.openSampleFile", async () => {
      const document = await vscode.workspace.openTextDocument({ language: "typescript", content: SAMPLE_FILE });
      const editor = await vscode.window.showTextDocument(document);
      const end = document.lineAt(document.lineCount - 1).range.end;
      editor.selection = new vscode.Selection(end, end);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (settingsNeedingReload().some((key) => event.affectsConfiguration(key))) {
        // A model unloaded on request stays unloaded until it is used, unless another model was chosen.
        if (models.inUse("completion") || event.affectsConfiguration("hearth.completion.modelPath")) void models.ensure("completion");
        if (models.inUse("chat")) void models.ensure("chat");
      }
    }),
  );

  if (modelConfiguration().completionModelPath) void models.ensure("completion");
  log.info("Hearth activated (the model runs in its own process; no network access)");
  return { engine: client, models, pipeline, inlineCompletionProvider: completionProvider, startup, languageModels, documents, setting: getSetting, context: contextSync };
}

/** "Hearth: Suggest Completion (Alternatives)" from the palette too: in the editor last used. */
async function triggerCompletion(): Promise<void> {
  if (!vscode.window.activeTextEditor) {
    void vscode.window.showInformationMessage("Hearth: open a file and place the cursor where a suggestion should go.");
    return;
  }
  await vscode.commands.executeCommand("workbench.action.focusActiveEditorGroup");
  await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
}

export async function deactivate(): Promise<void> {
  await engine?.dispose();
  engine = undefined;
}
