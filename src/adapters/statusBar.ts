import * as vscode from "vscode";
import type { ModelController } from "../core/models/modelController";

/** Shows the completion model's state; a click opens the model picker. */
export class ModelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("hearth.status", vscode.StatusBarAlignment.Right, 100);
  private readonly subscription: { dispose(): void };
  private busy = 0;

  constructor(private readonly models: ModelController) {
    this.item.name = "Hearth";
    this.item.command = "hearth.selectModel";
    this.subscription = models.onDidChangeState(() => this.render());
    this.render();
    this.item.show();
  }

  /** Marks a completion request as running (spinner) until the returned function is called. */
  beginRequest(): () => void {
    this.busy += 1;
    this.render();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.busy -= 1;
      this.render();
    };
  }

  private render(): void {
    const state = this.models.state("completion");
    this.item.backgroundColor = undefined;
    switch (state.kind) {
      case "none":
        this.item.text = "$(circle-slash) Hearth: no model";
        this.item.tooltip = "Hearth has no model. Click to select a GGUF model file.";
        break;
      case "loading":
        this.item.text = `$(loading~spin) Hearth: loading ${state.name}…`;
        this.item.tooltip = `Loading ${state.name}`;
        break;
      case "ready":
        this.item.text = `${this.busy > 0 ? "$(loading~spin)" : "$(hubot)"} Hearth: ${state.info.displayName}`;
        this.item.tooltip = new vscode.MarkdownString(
          `**${state.info.displayName}** (${state.info.architecture})\n\n` +
          `Context ${state.info.contextSize} tokens, ${state.info.threads} threads, loaded in ${state.info.loadMs} ms.\n\n` +
          `${state.info.modelPath}\n\nClick to select another model.`);
        break;
      case "error":
        this.item.text = "$(error) Hearth: error";
        this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        this.item.tooltip = `${state.message}${state.previous ? `\n\nStill using ${state.previous.displayName}.` : ""}\n\nClick to select a model.`;
        break;
    }
    this.item.accessibilityInformation = { label: `Hearth model status: ${this.item.text.replace(/\$\([^)]*\)\s*/g, "")}` };
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
