import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import type { ContextItem } from "../core/chat/contextBudget";

/** Files and symbols read through the picker are cut here (the budget trims them further). */
const MAX_CHARS = 200_000;
const SYMBOL_LINES = 40;

interface Pick extends vscode.QuickPickItem {
  uri?: vscode.Uri;
  range?: vscode.Range;
  symbol?: string;
}

function basename(path: string): string {
  return path.replace(/^.*[\\/]/, "");
}

/**
 * The `@` picker: workspace files (vscode.workspace.findFiles) and, as the person types,
 * workspace symbols (the language servers' workspace symbol providers).
 */
export async function pickContext(): Promise<ContextItem | undefined> {
  const quickPick = vscode.window.createQuickPick<Pick>();
  quickPick.title = "Hearth: Attach to the Chat";
  quickPick.placeholder = "Type a file name, or a symbol name (functions, classes…)";
  quickPick.matchOnDescription = true;
  quickPick.busy = true;
  let files: Pick[] = [];
  let symbols: Pick[] = [];
  const refresh = () => {
    quickPick.items = [
      ...(symbols.length ? [{ label: "Symbols", kind: vscode.QuickPickItemKind.Separator }, ...symbols] : []),
      { label: "Files", kind: vscode.QuickPickItemKind.Separator },
      ...files,
    ];
  };
  void vscode.workspace.findFiles("**/*", undefined, 2000).then((uris) => {
    files = uris.map((uri) => {
      const path = vscode.workspace.asRelativePath(uri, false);
      return { label: basename(path), description: path, iconPath: vscode.ThemeIcon.File, resourceUri: uri, uri };
    }).sort((a, b) => (a.description ?? "").localeCompare(b.description ?? ""));
    quickPick.busy = false;
    refresh();
  }, () => (quickPick.busy = false));
  let timer: NodeJS.Timeout | undefined;
  let query = 0;
  const subscriptions = [
    quickPick.onDidChangeValue((value) => {
      if (timer) clearTimeout(timer);
      if (value.trim().length < 2) {
        symbols = [];
        refresh();
        return;
      }
      timer = setTimeout(() => {
        const mine = ++query;
        void vscode.commands.executeCommand<vscode.SymbolInformation[] | undefined>("vscode.executeWorkspaceSymbolProvider", value.trim()).then((found) => {
          if (mine !== query) return;
          symbols = (found ?? []).slice(0, 50).map((symbol) => ({
            label: `$(symbol-${symbolIcon(symbol.kind)}) ${symbol.name}`,
            description: `${symbol.containerName ? `${symbol.containerName} · ` : ""}${vscode.workspace.asRelativePath(symbol.location.uri, false)}`,
            alwaysShow: true, uri: symbol.location.uri, range: symbol.location.range, symbol: symbol.name,
          }));
          refresh();
        }, () => undefined);
      }, 200);
    }),
  ];
  try {
    const chosen = await new Promise<Pick | undefined>((resolve) => {
      subscriptions.push(
        quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0])),
        quickPick.onDidHide(() => resolve(undefined)),
      );
      quickPick.show();
    });
    quickPick.hide();
    return chosen?.uri ? await readPick(chosen.uri, chosen.range, chosen.symbol) : undefined;
  } finally {
    if (timer) clearTimeout(timer);
    for (const subscription of subscriptions) subscription.dispose();
    quickPick.dispose();
  }
}

async function readPick(uri: vscode.Uri, range: vscode.Range | undefined, symbol: string | undefined): Promise<ContextItem | undefined> {
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(uri);
  } catch (error) {
    void vscode.window.showWarningMessage(`Hearth: ${vscode.workspace.asRelativePath(uri, false)} cannot be attached: it is not a text file (${error instanceof Error ? error.message : String(error)}).`);
    return undefined;
  }
  const path = vscode.workspace.asRelativePath(uri, false);
  if (range && symbol) {
    // Providers give either the whole declaration or only its name: take at least SYMBOL_LINES lines.
    const endLine = Math.min(document.lineCount - 1, Math.max(range.end.line, range.start.line + SYMBOL_LINES - 1));
    const text = document.getText(new vscode.Range(range.start.line, 0, endLine, document.lineAt(endLine).text.length));
    return { id: randomUUID(), kind: "symbol", label: `${symbol} (${basename(path)}:${range.start.line + 1})`, path, languageId: document.languageId, text, startLine: range.start.line + 1 };
  }
  return { id: randomUUID(), kind: "file", label: basename(path), path, languageId: document.languageId, text: document.getText().slice(0, MAX_CHARS), startLine: 1 };
}

function symbolIcon(kind: vscode.SymbolKind): string {
  switch (kind) {
    case vscode.SymbolKind.Class: return "class";
    case vscode.SymbolKind.Interface: return "interface";
    case vscode.SymbolKind.Method: return "method";
    case vscode.SymbolKind.Function: return "method";
    case vscode.SymbolKind.Variable: return "variable";
    case vscode.SymbolKind.Constant: return "constant";
    case vscode.SymbolKind.Enum: return "enum";
    case vscode.SymbolKind.Property: return "property";
    case vscode.SymbolKind.Field: return "field";
    default: return "misc";
  }
}
