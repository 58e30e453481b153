import * as vscode from "vscode";
import { documentPageHtml } from "../core/documents/documentPage";

interface ShownDocument {
  title: string;
  uri: vscode.Uri;
}

/**
 * Hearth's read-only pages (Model Info, Last Completion Prompt, Show Prompt) rendered in one
 * webview tab that every such command reuses; "Open Raw Markdown" (in the page and the editor
 * toolbar) opens the page's Markdown source as a read-only text document.
 */
export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = "hearth-info";
  static readonly viewType = "hearth.document";
  static readonly openRawCommand = "hearth.openRawDocument";
  /** Pages whose Markdown stays available (for the raw source and refreshes). */
  private static readonly kept = 20;
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly renderers = new Map<string, () => string>();
  private readonly disposables: vscode.Disposable[];
  private panel: vscode.WebviewPanel | undefined;
  private shown: ShownDocument | undefined;

  constructor(private readonly extensionUri: vscode.Uri) {
    this.disposables = [
      vscode.workspace.registerTextDocumentContentProvider(ReadOnlyDocuments.scheme, this),
      vscode.commands.registerCommand(ReadOnlyDocuments.openRawCommand, () => this.openRaw()),
    ];
  }

  /** The page in the tab now: its title and Markdown (the integration tests read it). */
  get current(): { title: string; markdown: string } | undefined {
    return this.shown && this.panel ? { title: this.shown.title, markdown: this.render(this.shown.uri) } : undefined;
  }

  /**
   * Shows the page `title` in Hearth's page tab; `render` is called again on every refresh.
   * `key` tells apart pages of the same title (the prompts of two chat replies).
   */
  async show(title: string, render: () => string, { key = title }: { key?: string } = {}): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: ReadOnlyDocuments.scheme, path: `/${title}.md`, query: key === title ? "" : `key=${encodeURIComponent(key)}` });
    this.renderers.delete(uri.toString());
    this.renderers.set(uri.toString(), render);
    // Every chat reply's prompt is a page of its own: keep the most recent ones (and what they hold).
    for (const stale of [...this.renderers.keys()].slice(0, Math.max(0, this.renderers.size - ReadOnlyDocuments.kept))) this.renderers.delete(stale);
    this.changed.fire(uri);
    this.shown = { title, uri };
    const existing = this.panel;
    const panel = existing ?? this.createPanel();
    panel.title = title;
    this.paint();
    if (existing) panel.reveal(panel.viewColumn, false);
    return uri;
  }

  /** Renders the page again if it is shown (and its raw source, if open). */
  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
    if (this.shown?.uri.toString() === uri.toString()) this.paint();
  }

  /** Opens the shown page's Markdown source as a read-only text document beside the page. */
  async openRaw(): Promise<void> {
    if (!this.shown) return;
    const document = await vscode.workspace.openTextDocument(this.shown.uri);
    await vscode.window.showTextDocument(document, { preview: true, viewColumn: this.panel?.viewColumn ?? vscode.ViewColumn.Active });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.render(uri);
  }

  private render(uri: vscode.Uri): string {
    return this.renderers.get(uri.toString())?.() ?? "This page is no longer available.";
  }

  private createPanel(): vscode.WebviewPanel {
    // Next to the editor in use: the other editor group when there is one, else a new one beside it.
    const other = vscode.window.tabGroups.all.find((group) => !group.isActive)?.viewColumn;
    const panel = vscode.window.createWebviewPanel(ReadOnlyDocuments.viewType, "Hearth", { viewColumn: other ?? vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: false,
      enableCommandUris: [ReadOnlyDocuments.openRawCommand],
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "media"), vscode.Uri.joinPath(this.extensionUri, "node_modules", "@vscode", "codicons", "dist")],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "hearth.svg");
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    this.panel = panel;
    return panel;
  }

  private paint(): void {
    if (!this.panel || !this.shown) return;
    const webview = this.panel.webview;
    const asset = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...path)).toString();
    webview.html = documentPageHtml({
      title: this.shown.title,
      markdown: this.render(this.shown.uri),
      cspSource: webview.cspSource,
      stylesheets: [asset("node_modules", "@vscode", "codicons", "dist", "codicon.css"), asset("media", "document.css")],
      rawCommandUri: `command:${ReadOnlyDocuments.openRawCommand}`,
    });
  }

  dispose(): void {
    this.panel?.dispose();
    for (const disposable of this.disposables) disposable.dispose();
    this.changed.dispose();
  }
}
