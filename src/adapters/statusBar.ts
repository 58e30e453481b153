import * as vscode from "vscode";
import type { CompletionRequestRecord } from "../core/completion/completionPipeline";
import type { ModelController } from "../core/models/modelController";

/** Shows the completion model's state; a click opens the model picker. */
export class ModelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("hearth.status", vscode.StatusBarAlignment.Right, 100);
  private readonly pauseToggle = vscode.window.createStatusBarItem("hearth.pauseToggle", vscode.StatusBarAlignment.Right, 99);
  private readonly subscription: { dispose(): void };
  private busy = 0;
  private paused = false;
  private lastRequest: CompletionRequestRecord | undefined;

  constructor(private readonly models: ModelController) {
    this.item.name = "Hearth";
    this.item.command = "hearth.selectModel";
    this.subscription = models.onDidChangeState(() => this.render());
    this.pauseToggle.name = "Hearth: Pause/Resume Completions";
    this.pauseToggle.command = "hearth.toggleCompletions";
    this.render();
    this.item.show();
    this.pauseToggle.show();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.render();
  }

  /** The last request's timings go into the tooltip. */
  showRequest(record: CompletionRequestRecord): void {
    this.lastRequest = record;
    this.render();
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
    this.pauseToggle.text = this.paused ? "$(play)" : "$(debug-pause)";
    this.pauseToggle.tooltip = this.paused ? "Hearth completions are paused: click to resume" : "Pause Hearth completions";
    this.pauseToggle.accessibilityInformation = { label: this.paused ? "Resume Hearth completions" : "Pause Hearth completions" };
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
      case "ready": {
        const icon = this.paused ? "$(debug-pause)" : this.busy > 0 ? "$(loading~spin)" : "$(hubot)";
        this.item.text = `${icon} Hearth: ${state.info.displayName}${this.paused ? " (paused)" : ""}`;
        const fim = state.info.fim
          ? `Fill-in-the-middle format: ${state.info.fim.name}.`
          : "This model has no fill-in-the-middle tokens: completions use the text before the cursor only.";
        const last = this.lastRequest;
        const timings = last
          ? `\n\nLast completion: prompt ${Math.round(last.stats.promptMs)} ms (${last.stats.reusedTokens} of ${last.stats.promptTokens} tokens reused), ` +
            `first token ${Math.round(last.stats.firstTokenMs)} ms, total ${Math.round(last.stats.generationMs)} ms.`
          : "";
        this.item.tooltip = new vscode.MarkdownString(
          `**${state.info.displayName}** (${state.info.architecture})\n\n` +
          `Context ${state.info.contextSize} tokens, ${state.info.threads} threads, loaded in ${state.info.loadMs} ms. ${fim}${timings}\n\n` +
          `${this.paused ? "Completions are paused. " : ""}Click to select another model.`);
        break;
      }
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
    this.pauseToggle.dispose();
  }
}
