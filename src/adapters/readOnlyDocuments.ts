import * as vscode from "vscode";

/** Read-only Markdown documents rendered on demand (prompt inspector, model info). */
export class ReadOnlyDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = "hearth-info";
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly renderers = new Map<string, () => string>();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(ReadOnlyDocuments.scheme, this);

  /** Opens (or refreshes) the document `title`; `render` is called again on every refresh. */
  async show(title: string, render: () => string): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: ReadOnlyDocuments.scheme, path: `/${title}.md` });
    this.renderers.set(uri.toString(), render);
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    return uri;
  }

  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.renderers.get(uri.toString())?.() ?? "This document is no longer available.";
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
