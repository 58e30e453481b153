/** Notebook cells for inline completion: which notebook a cell document belongs to, and its cells as plain text. */
import * as vscode from "vscode";
import type { DocumentSnapshot } from "../core/completion/documentSnapshot";
import { notebookContext, withNotebookContext, type NotebookCellText } from "../core/completion/notebookContext";

export const NOTEBOOK_CELL_SCHEME = "vscode-notebook-cell";

/** The notebook cell whose document this is; undefined for other documents (and cells of closed notebooks). */
export function notebookCellOf(document: vscode.TextDocument): vscode.NotebookCell | undefined {
  if (document.uri.scheme !== NOTEBOOK_CELL_SCHEME) return undefined;
  const key = document.uri.toString();
  for (const notebook of vscode.workspace.notebookDocuments) {
    const cell = notebook.getCells().find((candidate) => candidate.document.uri.toString() === key);
    if (cell) return cell;
  }
  return undefined;
}

/**
 * The cell's snapshot with the notebook's earlier code cells as prefix and later ones as
 * suffix; the file path shown to the model is the notebook's. `snapshot` must hold the whole cell.
 */
export function inNotebook<T extends DocumentSnapshot>(snapshot: T, cell: vscode.NotebookCell): T {
  const cells: NotebookCellText[] = cell.notebook.getCells().map((candidate) => ({
    kind: candidate.kind === vscode.NotebookCellKind.Code ? "code" : "markup",
    languageId: candidate.document.languageId,
    text: candidate.document.getText(),
  }));
  const context = notebookContext(cells, cell.index);
  return { ...withNotebookContext(snapshot, context), filePath: vscode.workspace.asRelativePath(cell.notebook.uri) };
}
