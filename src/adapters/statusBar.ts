import * as vscode from "vscode";
import type { CompletionRequestRecord } from "../core/completion/completionPipeline";
import type { ModelController } from "../core/models/modelController";
import { modelStatusView } from "../core/models/modelStatus";

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
    const view = modelStatusView(this.models.state("completion"), { paused: this.paused, busy: this.busy > 0, lastRequest: this.lastRequest });
    this.item.text = view.text;
    this.item.tooltip = new vscode.MarkdownString(view.tooltip);
    this.item.backgroundColor = view.tone === "normal" ? undefined : new vscode.ThemeColor(`statusBarItem.${view.tone}Background`);
    this.item.accessibilityInformation = { label: `Hearth model status: ${this.item.text.replace(/\$\([^)]*\)\s*/g, "")}` };
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
    this.pauseToggle.dispose();
  }
}
