/** Composition root: creates the services, wires them to VS Code, and disposes them. */
import * as vscode from "vscode";
import { CompletionPipeline } from "./core/completion/completionPipeline";
import { EngineClient } from "./core/engine/engineClient";
import { ModelController } from "./core/models/modelController";
import { settingsNeedingReload } from "./core/settings";
import { ChatViewProvider } from "./adapters/chatViewProvider";
import { getSetting, modelConfiguration } from "./adapters/configuration";
import { HearthInlineCompletionProvider } from "./adapters/inlineCompletionProvider";
import { PromptInspector } from "./adapters/promptInspector";
import { selectModel, showModelError } from "./adapters/selectModelCommand";
import { ModelStatusBar } from "./adapters/statusBar";

export interface HearthApi {
  readonly engine: EngineClient;
  readonly models: ModelController;
  readonly pipeline: CompletionPipeline;
  /** For the in-host integration tests: what the provider itself returns. */
  readonly inlineCompletionProvider: vscode.InlineCompletionItemProvider;
}

let engine: EngineClient | undefined;

export function activate(context: vscode.ExtensionContext): HearthApi {
  const log = vscode.window.createOutputChannel("Hearth", { log: true });
  const client = new EngineClient({ enginePath: vscode.Uri.joinPath(context.extensionUri, "dist", "engine.js").fsPath });
  engine = client;
  const models = new ModelController(client, modelConfiguration, (level, message) => log[level](message));
  const statusBar = new ModelStatusBar(models);
  const chatView = new ChatViewProvider(context.extensionUri, client, models, log);

  let warnedNoFim = "";
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
  }, {
    maxTokens: { singleLine: 48, multiLine: getSetting("hearth.completion.maxTokens") },
    debounceMs: () => getSetting("hearth.completion.debounceMs"),
    timeBudgetMs: 3000,
    speculate: true,
  });
  const completionProvider = new HearthInlineCompletionProvider(pipeline, statusBar, log);
  const inspector = new PromptInspector(() => pipeline.lastRequest);
  void vscode.commands.executeCommand("setContext", "hearth.completionsPaused", false);

  context.subscriptions.push(
    log,
    statusBar,
    chatView,
    completionProvider,
    inspector,
    { dispose: () => pipeline.dispose() },
    { dispose: () => models.dispose() },
    { dispose: client.onLog((line) => log[line.level](line.message)).dispose },
    { dispose: client.onExit((exit) => {
      if (!exit.crashed) return;
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
    }).dispose },
    vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, completionProvider),
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, chatView),
    vscode.commands.registerCommand("hearth.selectModel", () => selectModel(models, log)),
    vscode.commands.registerCommand("hearth.showLog", () => log.show()),
    vscode.commands.registerCommand("hearth.pauseCompletions", () => completionProvider.setPaused(true)),
    vscode.commands.registerCommand("hearth.resumeCompletions", () => completionProvider.setPaused(false)),
    vscode.commands.registerCommand("hearth.toggleCompletions", () => completionProvider.setPaused(!completionProvider.isPaused)),
    vscode.commands.registerCommand("hearth.triggerCompletion", () => vscode.commands.executeCommand("editor.action.inlineSuggest.trigger")),
    vscode.commands.registerCommand("hearth.showLastCompletionPrompt", () => inspector.show()),
    vscode.commands.registerCommand("hearth.completionAccepted", (length: unknown) => {
      log.info(`completion accepted (${typeof length === "number" ? length : "?"} characters)`);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (settingsNeedingReload().some((key) => event.affectsConfiguration(key))) {
        void models.ensure("completion");
        if (models.state("chat").kind !== "none") void models.ensure("chat");
      }
    }),
  );

  if (modelConfiguration().completionModelPath) void models.ensure("completion");
  log.info("Hearth activated (the model runs in its own process; no network access)");
  return { engine: client, models, pipeline, inlineCompletionProvider: completionProvider };
}

export async function deactivate(): Promise<void> {
  await engine?.dispose();
  engine = undefined;
}
