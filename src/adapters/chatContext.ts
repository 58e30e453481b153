import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { lineCount, windowAround, type ContextItem } from "../core/chat/contextBudget";
import type { ContextChip } from "../protocol/webviewProtocol";

/** The active file is attached up to this many characters around the cursor (then fitted to the model). */
const ACTIVE_FILE_CHARS = 12_000;
const AUTO_ID = "auto";
const IGNORED_SCHEMES = new Set(["output", "hearth-info", "debug", "vscode-settings", "git", "comment", "vscode-chat-code-block"]);

function basename(path: string): string {
  return path.replace(/^.*[\\/]/, "");
}

/**
 * The file around the cursor, within ACTIVE_FILE_CHARS. Only the characters near the cursor are
 * read (getText(range)): this runs whenever the cursor rests, and copying a multi-megabyte
 * document each time stalls typing.
 */
function activeFileWindow(document: vscode.TextDocument, active: vscode.Position): { text: string; startLine: number; whole: boolean } {
  const length = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
  if (length <= ACTIVE_FILE_CHARS) return windowAround(document.getText(), active.line, ACTIVE_FILE_CHARS);
  const cursor = document.offsetAt(active);
  const from = document.positionAt(Math.max(0, cursor - ACTIVE_FILE_CHARS));
  const to = document.positionAt(Math.min(length, cursor + ACTIVE_FILE_CHARS));
  // Whole lines where they fit; a line longer than the budget (minified code) is cut around the cursor.
  const start = from.line < active.line ? new vscode.Position(from.line + 1, 0) : from;
  const end = to.line > active.line ? new vscode.Position(to.line, 0) : to;
  const nearby = windowAround(document.getText(new vscode.Range(start, end)), active.line - start.line, ACTIVE_FILE_CHARS);
  const cutAt = Math.max(0, cursor - document.offsetAt(start) - ACTIVE_FILE_CHARS * 0.75);
  const text = nearby.text.length > ACTIVE_FILE_CHARS ? nearby.text.slice(cutAt, cutAt + ACTIVE_FILE_CHARS) : nearby.text;
  return { text, startLine: start.line + nearby.startLine, whole: false };
}

/** A context item for an editor: its selection, or the file around the cursor when nothing is selected. */
export function editorContext(editor: vscode.TextEditor, id: string): ContextItem {
  const document = editor.document;
  const path = vscode.workspace.asRelativePath(document.uri, false);
  const selection = editor.selection;
  if (!selection.isEmpty) {
    const start = selection.start.line + 1;
    const end = selection.end.character === 0 && selection.end.line > selection.start.line ? selection.end.line : selection.end.line + 1;
    return {
      id, kind: "selection", label: `${basename(path)}:${start}-${end}`, path, languageId: document.languageId,
      text: document.getText(selection), startLine: start,
    };
  }
  const window = activeFileWindow(document, selection.active);
  const lines = lineCount(window.text);
  return {
    id, kind: "file", label: window.whole ? basename(path) : `${basename(path)}:${window.startLine}-${window.startLine + lines - 1}`,
    path, languageId: document.languageId, text: window.text, startLine: window.startLine,
  };
}

/**
 * What the next chat message carries: the active editor's selection (or file) as an
 * automatic chip the person can remove, plus what they attached with `@` or
 * "Ask About Selection".
 */
export class ChatContextTracker implements vscode.Disposable {
  private explicit: ContextItem[] = [];
  private lastEditor: vscode.TextEditor | undefined;
  /** The auto chip the person removed; it comes back when the editor or selection changes. */
  private dismissedKey: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[];

  constructor() {
    this.lastEditor = this.usable(vscode.window.activeTextEditor);
    this.disposables = [
      this.changed,
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        // Focus moving to the chat view leaves the last editor as the target.
        if (this.usable(editor)) this.lastEditor = editor;
        this.fireSoon();
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (event.textEditor === this.lastEditor) this.fireSoon();
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.fireSoon()),
    ];
  }

  private usable(editor: vscode.TextEditor | undefined): vscode.TextEditor | undefined {
    return editor && !IGNORED_SCHEMES.has(editor.document.uri.scheme) ? editor : undefined;
  }

  /** The editor code actions and the automatic context refer to. */
  editor(): vscode.TextEditor | undefined {
    const active = this.usable(vscode.window.activeTextEditor);
    if (active) return (this.lastEditor = active);
    if (this.lastEditor && !this.lastEditor.document.isClosed && vscode.window.visibleTextEditors.includes(this.lastEditor)) return this.lastEditor;
    return undefined;
  }

  private fireSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(), 150);
  }

  private autoKey(editor: vscode.TextEditor): string {
    const selection = editor.selection;
    return `${editor.document.uri.toString()}#${selection.isEmpty ? "" : `${selection.start.line}:${selection.start.character}-${selection.end.line}:${selection.end.character}`}`;
  }

  private auto(): ContextItem | undefined {
    const editor = this.editor();
    if (!editor || this.dismissedKey === this.autoKey(editor)) return undefined;
    const item = editorContext(editor, AUTO_ID);
    return this.explicit.some((other) => other.label === item.label) ? undefined : item;
  }

  chips(): ContextChip[] {
    const auto = this.auto();
    const chip = (item: ContextItem, isAuto: boolean): ContextChip => ({
      id: item.id, kind: item.kind, label: item.label, auto: isAuto,
      detail: `${item.path}${isAuto ? ` (${item.kind === "selection" ? "your selection" : "the active file"}, attached automatically)` : ""}`,
    });
    return [...this.explicit.map((item) => chip(item, false)), ...(auto ? [chip(auto, true)] : [])];
  }

  /** The items for a message sent now (the automatic one read fresh), and clears the explicit ones. */
  takeItems(): ContextItem[] {
    const auto = this.auto();
    const items = [...this.explicit, ...(auto ? [{ ...auto, id: randomUUID() }] : [])];
    this.explicit = [];
    this.changed.fire();
    return items;
  }

  attach(item: ContextItem): void {
    this.explicit = [...this.explicit.filter((other) => other.label !== item.label), item];
    this.changed.fire();
  }

  remove(id: string): void {
    if (id === AUTO_ID) {
      const editor = this.editor();
      if (editor) this.dismissedKey = this.autoKey(editor);
    } else {
      this.explicit = this.explicit.filter((item) => item.id !== id);
    }
    this.changed.fire();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const disposable of this.disposables) disposable.dispose();
  }
}
