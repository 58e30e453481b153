import * as vscode from "vscode";

/** The context key the walkthrough's "Choose a local model" step completes on. */
const MODEL_CHOSEN_KEY = "hearth.walkthrough.modelChosen";

/**
 * Completes the walkthrough's "Choose a local model" step once a model is chosen. VS Code's
 * walkthrough service is created when the Welcome page first opens, and it counts an
 * `onContext` event only when the key turns true after that; a key that was already true then
 * (hearth.modelLoaded, with a model loaded at start-up) never ticks the step. Command events do
 * not help: a command the extension runs itself never reaches the workbench. So Hearth pulses a
 * key of its own (true, then false again) when a model is chosen or loads, and when a workbench
 * page such as the walkthrough opens while a model is configured.
 */
export class WalkthroughProgress implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;

  constructor(private readonly modelChosen: () => boolean) {
    // The Welcome page and walkthroughs are workbench editors: their tabs have no input type in the API.
    this.subscription = vscode.window.tabGroups.onDidChangeTabs((event) => {
      if (event.opened.some((tab) => tab.input === undefined)) this.announce();
    });
  }

  announce(): void {
    if (!this.modelChosen()) return;
    void Promise.resolve(vscode.commands.executeCommand("setContext", MODEL_CHOSEN_KEY, true))
      .then(() => vscode.commands.executeCommand("setContext", MODEL_CHOSEN_KEY, false));
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
