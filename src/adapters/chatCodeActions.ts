import * as vscode from "vscode";
import { languageIdForFence } from "../core/chat/fenceLanguage";
import { reindentForInsertion } from "../core/chat/reindent";
import type { CodeAction } from "../protocol/webviewProtocol";

export interface CodeActionResult {
  ok: boolean;
  message: string;
}

function lines(text: string): string {
  const count = text.split("\n").length;
  return `${count} line${count === 1 ? "" : "s"}`;
}

/**
 * The actions of a code block in a reply. Insert and Replace indent the code for the
 * place it goes and apply it as one edit, so one Undo takes it back.
 */
export async function runCodeAction(action: CodeAction, code: string, language: string, editor: vscode.TextEditor | undefined): Promise<CodeActionResult> {
  switch (action) {
    case "copy":
      await vscode.env.clipboard.writeText(code);
      return { ok: true, message: "Copied" };
    case "newFile": {
      const languageId = languageIdForFence(language, await vscode.languages.getLanguages());
      const document = await vscode.workspace.openTextDocument({ content: code, language: languageId });
      await vscode.window.showTextDocument(document, { preview: false });
      return { ok: true, message: "Opened in a new file" };
    }
    case "insert":
    case "replace":
      return applyToEditor(action, code, editor);
  }
}

async function applyToEditor(action: "insert" | "replace", code: string, editor: vscode.TextEditor | undefined): Promise<CodeActionResult> {
  if (!editor) return { ok: false, message: "Open a file in an editor first." };
  const selection = editor.selection;
  if (action === "replace" && selection.isEmpty) return { ok: false, message: "Select the code to replace in the editor first." };
  const document = editor.document;
  const at = action === "replace" ? selection.start : selection.active;
  const lineBefore = document.lineAt(at.line).text.slice(0, at.character);
  const eol = document.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n";
  const text = reindentForInsertion(code, lineBefore, eol);
  const applied = await editor.edit((edit) => {
    if (action === "replace") edit.replace(selection, text);
    else edit.insert(at, text);
  }, { undoStopBefore: true, undoStopAfter: true });
  if (!applied) return { ok: false, message: `${vscode.workspace.asRelativePath(document.uri, false)} could not be edited (read-only?).` };
  await vscode.window.showTextDocument(document, { viewColumn: editor.viewColumn, preserveFocus: false });
  return { ok: true, message: action === "replace" ? `Replaced the selection (${lines(text)})` : `Inserted ${lines(text)}` };
}
