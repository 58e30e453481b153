/**
 * Inline completion in notebook cells, inside the real extension host with the real engine and
 * stories260K. Notebooks are opened through VS Code's built-in ipynb extension (notebook type
 * `jupyter-notebook`), which code-server ships: no test-only notebook type is needed.
 */
import * as assert from "node:assert/strict";
import * as vscode from "vscode";

const EXTENSION_ID = "hearth.hearth";
const FIRST_CELL = "first_cell = 'Lily went to the park'";
const MARKDOWN_CELL = "markdown_cell_is_not_code";
const CURRENT_CELL = "Once upon a time";

/** What activate() returns, as far as these tests rely on it. */
interface HearthApiForNotebookTests {
  models: { state(role: "completion"): { kind: string; message?: string } };
  inlineCompletionProvider: vscode.InlineCompletionItemProvider;
  pipeline: { lastRequest: { prompt: string; filePath: string } | undefined };
}

async function activated(): Promise<HearthApiForNotebookTests> {
  const extension = vscode.extensions.getExtension<HearthApiForNotebookTests>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not installed`);
  const api = await extension.activate();
  assert.ok(api?.inlineCompletionProvider && api.pipeline && api.models, "the extension exposes its provider, pipeline and models");
  return api;
}

async function completionModelReady(api: HearthApiForNotebookTests): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const state = api.models.state("completion");
    if (state.kind === "error") throw new Error(`completion model failed: ${state.message ?? "error"}`);
    if (state.kind === "ready") return;
    if (Date.now() > deadline) throw new Error("timed out waiting for the completion model to load");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Asks the provider for the end of the cell's last line, as VS Code would while typing. */
async function ask(api: HearthApiForNotebookTests, cell: vscode.NotebookCell): Promise<{ items: vscode.InlineCompletionItem[]; end: vscode.Position }> {
  const end = cell.document.lineAt(cell.document.lineCount - 1).range.end;
  const source = new vscode.CancellationTokenSource();
  try {
    const result = await api.inlineCompletionProvider.provideInlineCompletionItems(
      cell.document, end, { triggerKind: vscode.InlineCompletionTriggerKind.Automatic, selectedCompletionInfo: undefined }, source.token);
    return { items: Array.isArray(result) ? result : result?.items ?? [], end };
  } finally {
    source.dispose();
  }
}

function itemText(item: vscode.InlineCompletionItem): string {
  return typeof item.insertText === "string" ? item.insertText : item.insertText.value;
}

/** An ipynb file of two code cells, as a notebook stored in some other place than a file or an untitled editor. */
const FOREIGN_NOTEBOOK = JSON.stringify({
  cells: [FIRST_CELL, CURRENT_CELL].map((source) => ({ cell_type: "code", source: [source], metadata: {}, outputs: [], execution_count: null })),
  metadata: { language_info: { name: "python" } },
  nbformat: 4,
  nbformat_minor: 5,
});

/** A read-only file system of one notebook, under a scheme Hearth must not complete in. */
class ForeignNotebookFileSystem implements vscode.FileSystemProvider {
  static readonly scheme = "hearth-test-remote";
  private readonly content = new TextEncoder().encode(FOREIGN_NOTEBOOK);
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    if (uri.path === "/") return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    if (uri.path !== "/story.ipynb") throw vscode.FileSystemError.FileNotFound(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: 0, size: this.content.byteLength };
  }

  readDirectory(): [string, vscode.FileType][] {
    return [["story.ipynb", vscode.FileType.File]];
  }

  readFile(uri: vscode.Uri): Uint8Array {
    this.stat(uri);
    return this.content;
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  dispose(): void {
    this.changes.dispose();
  }
}

suite("Hearth in notebook cells", () => {
  test("a code cell is completed after the notebook's earlier code cells, and the item lands in the cell", async () => {
    const api = await activated();
    await completionModelReady(api);
    const notebook = await vscode.workspace.openNotebookDocument("jupyter-notebook", new vscode.NotebookData([
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, FIRST_CELL, "python"),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, MARKDOWN_CELL, "markdown"),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, CURRENT_CELL, "python"),
    ]));
    assert.equal(notebook.uri.scheme, "untitled");
    const cell = notebook.cellAt(2);
    assert.equal(cell.document.uri.scheme, "vscode-notebook-cell");

    const before = api.pipeline.lastRequest;
    const { items, end } = await ask(api, cell);
    const request = api.pipeline.lastRequest;
    assert.ok(request && request !== before, "the model was asked");
    const first = request.prompt.indexOf(FIRST_CELL);
    assert.ok(first >= 0, `the prompt has the first cell: ${JSON.stringify(request.prompt.slice(-300))}`);
    assert.ok(first < request.prompt.lastIndexOf(CURRENT_CELL), "the first cell comes before the current one");
    assert.ok(!request.prompt.includes(MARKDOWN_CELL), "markdown cells are not sent as code");
    assert.match(request.filePath, /\.ipynb$/, "the model is told the notebook's name");

    assert.ok(items.length > 0 && itemText(items[0]).trim() !== "", "the provider returned a suggestion");
    assert.deepEqual([items[0].range?.start.line, items[0].range?.start.character], [end.line, end.character], "the item starts at the cursor in the cell");
  });

  test("cells of a notebook that is neither a file nor untitled get no suggestion", async () => {
    const api = await activated();
    await completionModelReady(api);
    const fileSystem = new ForeignNotebookFileSystem();
    const registration = vscode.workspace.registerFileSystemProvider(ForeignNotebookFileSystem.scheme, fileSystem, { isReadonly: true });
    try {
      const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.from({ scheme: ForeignNotebookFileSystem.scheme, path: "/story.ipynb" }));
      const cell = notebook.cellAt(1);
      assert.equal(cell.document.getText(), CURRENT_CELL);
      // A python code cell, which Hearth would complete in a file's notebook: only the scheme differs.
      assert.equal(cell.kind, vscode.NotebookCellKind.Code);
      assert.equal(cell.document.languageId, "python");
      const before = api.pipeline.lastRequest;
      const { items } = await ask(api, cell);
      assert.deepEqual(items, []);
      assert.equal(api.pipeline.lastRequest, before, "no request reached the model");
    } finally {
      registration.dispose();
      fileSystem.dispose();
    }
  });
});
