/** Composition root: creates the services, wires them to VS Code, and disposes them. */
import * as vscode from "vscode";
import { EngineClient } from "./core/engine/engineClient";
import { ModelController } from "./core/models/modelController";
import { settingsNeedingReload } from "./core/settings";
import { ChatViewProvider } from "./adapters/chatViewProvider";
import { modelConfiguration } from "./adapters/configuration";
import { HearthInlineCompletionProvider } from "./adapters/inlineCompletionProvider";
import { selectModel, showModelError } from "./adapters/selectModelCommand";
import { ModelStatusBar } from "./adapters/statusBar";

export interface HearthApi {
  readonly engine: EngineClient;
  readonly models: ModelController;
}

let engine: EngineClient | undefined;

export function activate(context: vscode.ExtensionContext): HearthApi {
  const log = vscode.window.createOutputChannel("Hearth", { log: true });
  engine = new EngineClient({ enginePath: vscode.Uri.joinPath(context.extensionUri, "dist", "engine.js").fsPath });
  const models = new ModelController(engine, modelConfiguration, (level, message) => log[level](message));
  const statusBar = new ModelStatusBar(models);
  const chatView = new ChatViewProvider(context.extensionUri, engine, models, log);
  const completionProvider = new HearthInlineCompletionProvider(engine, models, statusBar, log);

  context.subscriptions.push(
    log,
    statusBar,
    chatView,
    { dispose: () => models.dispose() },
    { dispose: engine.onLog((line) => log[line.level](line.message)).dispose },
    { dispose: engine.onExit((exit) => {
      if (!exit.crashed) return;
      const message = exit.gaveUp
        ? "The Hearth engine crashed repeatedly and will not be restarted."
        : `The Hearth engine stopped unexpectedly (${exit.signal ?? `code ${exit.code}`}). It restarts on the next request.`;
      log.error(message);
      models.engineStopped(message);
      if (exit.gaveUp) void showModelError(`${message} Choose another model or check the log.`);
    }).dispose },
    vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, completionProvider),
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, chatView, { webviewOptions: { retainContextWhenHidden: false } }),
    vscode.commands.registerCommand("hearth.selectModel", () => selectModel(models, log)),
    vscode.commands.registerCommand("hearth.showLog", () => log.show()),
    { dispose: models.onDidChangeState((role) => {
      const state = models.state(role);
      if (state.kind === "error" && state.cause === "load") void showModelError(state.message);
    }).dispose },
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (settingsNeedingReload().some((key) => event.affectsConfiguration(key))) {
        void models.ensure("completion");
        if (models.state("chat").kind !== "none") void models.ensure("chat");
      }
    }),
  );

  if (modelConfiguration().completionModelPath) void models.ensure("completion");
  log.info(`Hearth activated (engine runs in its own process; no network access)`);
  return { engine, models };
}

export async function deactivate(): Promise<void> {
  await engine?.dispose();
  engine = undefined;
}
