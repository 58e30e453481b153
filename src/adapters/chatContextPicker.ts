import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import type { ContextItem } from "../core/chat/contextBudget";
import {
  MIN_SYMBOL_QUERY, basename, pickerEntries, type FileCandidate, type PickerEntry, type SymbolCandidate,
} from "../core/chat/contextPickerItems";
import type { ContextClient } from "../context/contextClient";
import { checkRegularFile } from "../core/files/regularFile";
import type { IndexProgress } from "../context/index/workspaceIndex";
import { listWorkspaceFiles } from "./chatPickerFiles";
import { getSetting } from "./configuration";

/** Files and symbols read through the picker are cut here (the budget trims them further). */
const MAX_CHARS = 200_000;
/** A file not open in the editor is opened only up to VS Code's own limit for extensions (50 MB). */
const MAX_UNOPENED_BYTES = 50 * 1024 * 1024;
/** A symbol whose provider gave only its name's line: take this many lines from there. */
const SYMBOL_LINES = 40;
const MAX_SYMBOL_LINES = 300;
const SYMBOL_RESULTS = 50;
const SYMBOL_DELAY_MS = 150;

interface Pick extends vscode.QuickPickItem {
  entry?: PickerEntry;
}

/** Where the picker's symbols come from, and what its placeholder says about it (files always come from VS Code's file search). */
interface PickerSource {
  placeholder: string;
  symbols(query: string): Promise<SymbolCandidate[]>;
}

/** The worker names files by path, and open documents that are not files (untitled) by URI. */
function uriOf(path: string): vscode.Uri {
  return /^[a-zA-Z][\w+.-]+:/.test(path) ? vscode.Uri.parse(path) : vscode.Uri.file(path);
}

/**
 * The workspace index as the picker sees it: ready once every folder's last progress
 * event said "done" (and the index is on and allowed).
 */
class PickerIndex implements vscode.Disposable {
  private readonly phases = new Map<string, IndexProgress["phase"]>();
  private readonly subscriptions: { dispose(): void }[];

  constructor(private readonly client: ContextClient) {
    this.subscriptions = [
      client.onIndexProgress((progress) => this.phases.set(progress.folder, progress.phase)),
      // A restarted worker starts with an empty index: not ready until it has indexed again.
      client.onDidRestart(() => this.phases.clear()),
    ];
  }

  /** Why the picker cannot use the index now, or undefined when it can. */
  unavailable(): string | undefined {
    if (!getSetting("hearth.context.indexWorkspace")) return "workspace indexing is off (hearth.context.indexWorkspace)";
    if (!vscode.workspace.isTrusted) return "Hearth indexes a workspace once it is trusted";
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === "file");
    if (folders.length === 0) return "no local folder is open to index";
    // Folders as ContextSync sends them to the worker (fsPath); a removed folder no longer counts.
    if (folders.some((folder) => this.phases.get(folder.uri.fsPath) !== "done")) return "Hearth is still indexing the workspace";
    return undefined;
  }

  source(): PickerSource {
    return {
      placeholder: "Type a file or symbol name (symbols from Hearth's workspace index)",
      symbols: async (query) => (await this.client.searchSymbols(query, SYMBOL_RESULTS)).map((match) => {
        const uri = uriOf(match.path);
        return {
          name: match.name, kind: match.kind, uri: uri.toString(), relativePath: vscode.workspace.asRelativePath(uri, false),
          startLine: match.range.startLine, endLine: match.range.endLine, score: match.score,
          ...(match.container ? { container: match.container } : {}),
        };
      }),
    };
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** The language servers' workspace symbol providers. */
function vscodeSource(reason: string): PickerSource {
  return {
    placeholder: `Type a file or symbol name (symbols from VS Code: ${reason})`,
    symbols: async (query) => {
      const found = await vscode.commands.executeCommand<vscode.SymbolInformation[] | undefined>("vscode.executeWorkspaceSymbolProvider", query);
      return (found ?? []).map((symbol) => {
        const { range, uri } = symbol.location;
        return {
          name: symbol.name, kind: (vscode.SymbolKind[symbol.kind] ?? "").toLowerCase(), uri: uri.toString(),
          relativePath: vscode.workspace.asRelativePath(uri, false), startLine: range.start.line,
          // A one-line range is often just the name: readPick then takes SYMBOL_LINES lines.
          ...(range.end.line > range.start.line ? { endLine: range.end.line } : {}),
          ...(symbol.containerName ? { container: symbol.containerName } : {}),
        };
      });
    },
  };
}

let index: PickerIndex | undefined;

/**
 * Lets the `@` picker use the context worker's fuzzy symbol search while the workspace
 * index is ready; until then, or without this call, it asks VS Code's symbol providers and
 * says so. Files always come from VS Code's file search, as in Quick Open.
 */
export function connectPickerToIndex(client: ContextClient): vscode.Disposable {
  index?.dispose();
  const connected = new PickerIndex(client);
  index = connected;
  return {
    dispose: () => {
      connected.dispose();
      if (index === connected) index = undefined;
    },
  };
}

function toPick(entry: PickerEntry): Pick {
  if (entry.type === "separator") return { label: entry.label, kind: vscode.QuickPickItemKind.Separator };
  // The list is already filtered and ranked: VS Code must not hide what the index found.
  if (entry.type === "file") {
    const uri = vscode.Uri.parse(entry.file.uri);
    return { label: entry.label, description: entry.description, iconPath: vscode.ThemeIcon.File, resourceUri: uri, alwaysShow: true, entry };
  }
  return { label: entry.label, description: entry.description, alwaysShow: true, entry };
}

/** The `@` picker: workspace files and, as the person types, symbols; the chosen one as a chat context item. */
export async function pickContext(): Promise<ContextItem | undefined> {
  const reason = index ? index.unavailable() : "Hearth's workspace index is not running";
  let usingIndex = index !== undefined && reason === undefined;
  let source = index && reason === undefined ? index.source() : vscodeSource(reason ?? "");
  const quickPick = vscode.window.createQuickPick<Pick>();
  quickPick.title = "Hearth: Attach to the Chat";
  quickPick.placeholder = source.placeholder;
  // Highlights only: every item is alwaysShow. VS Code still moves items whose label matches
  // the typed text to the top, in its own order (sortByLabel is a proposed API).
  quickPick.matchOnDescription = true;
  quickPick.busy = true;
  let files: FileCandidate[] = [];
  let symbols: SymbolCandidate[] = [];
  /** The query `symbols` were found for: their scores hold for that query only. */
  let symbolsQuery = "";
  const refresh = () => {
    const query = quickPick.value.trim();
    const current = symbolsQuery === query ? symbols : symbols.map(({ score: _score, ...rest }) => rest);
    quickPick.items = pickerEntries(query, files, current).map(toPick);
  };
  void listWorkspaceFiles().then((listed) => {
    files = listed.files;
    if (listed.capped) quickPick.placeholder = `${source.placeholder}; the first ${listed.files.length.toLocaleString("en-US")} files`;
  }, (error: Error) => {
    quickPick.placeholder = `${source.placeholder}; the workspace files could not be listed (${error.message})`;
  }).finally(() => {
    quickPick.busy = false;
    refresh();
  });
  const searchSymbols = async (query: string): Promise<SymbolCandidate[]> => {
    try {
      return await source.symbols(query);
    } catch (error) {
      if (!usingIndex) throw error;
      // The worker failed (or restarted): VS Code's symbol providers still answer.
      usingIndex = false;
      source = vscodeSource("the workspace index did not answer");
      quickPick.placeholder = source.placeholder;
      return source.symbols(query);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;
  const subscriptions = [
    quickPick.onDidChangeValue((value) => {
      if (timer) clearTimeout(timer);
      refresh();
      const query = value.trim();
      if (query.length < MIN_SYMBOL_QUERY) return;
      timer = setTimeout(() => {
        const mine = ++generation;
        searchSymbols(query).then((found) => {
          if (mine !== generation) return;
          symbols = found;
          symbolsQuery = query;
          refresh();
        }, () => undefined);
      }, SYMBOL_DELAY_MS);
    }),
  ];
  try {
    const chosen = await new Promise<PickerEntry | undefined>((resolve) => {
      subscriptions.push(
        quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]?.entry)),
        quickPick.onDidHide(() => resolve(undefined)),
      );
      quickPick.show();
    });
    quickPick.hide();
    if (chosen?.type === "file") return await readFile(vscode.Uri.parse(chosen.file.uri));
    if (chosen?.type === "symbol") return await readSymbol(chosen.symbol);
    return undefined;
  } finally {
    if (timer) clearTimeout(timer);
    for (const subscription of subscriptions) subscription.dispose();
    quickPick.dispose();
  }
}

async function openText(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  if (open) return open;
  // Not open yet: VS Code would read it whole, and a link to a device never ends and a named pipe never answers.
  const refused = uri.scheme === "file" ? await checkRegularFile(uri.fsPath, MAX_UNOPENED_BYTES).catch(() => undefined) : undefined;
  if (refused) {
    void vscode.window.showWarningMessage(`Hearth: ${vscode.workspace.asRelativePath(uri, false)} cannot be attached: it is ${refused.detail}.`);
    return undefined;
  }
  try {
    return await vscode.workspace.openTextDocument(uri);
  } catch (error) {
    void vscode.window.showWarningMessage(`Hearth: ${vscode.workspace.asRelativePath(uri, false)} cannot be attached: it is not a text file (${error instanceof Error ? error.message : String(error)}).`);
    return undefined;
  }
}

async function readFile(uri: vscode.Uri): Promise<ContextItem | undefined> {
  const document = await openText(uri);
  if (!document) return undefined;
  const path = vscode.workspace.asRelativePath(uri, false);
  return { id: randomUUID(), kind: "file", label: basename(path), path, languageId: document.languageId, text: document.getText().slice(0, MAX_CHARS), startLine: 1 };
}

async function readSymbol(symbol: SymbolCandidate): Promise<ContextItem | undefined> {
  const uri = vscode.Uri.parse(symbol.uri);
  const document = await openText(uri);
  if (!document) return undefined;
  const path = vscode.workspace.asRelativePath(uri, false);
  const start = Math.min(symbol.startLine, document.lineCount - 1);
  // The index knows the whole definition; a provider that gave only the name's line gets SYMBOL_LINES.
  const wanted = Math.max(start, symbol.endLine ?? start + SYMBOL_LINES - 1);
  const endLine = Math.min(document.lineCount - 1, wanted, start + MAX_SYMBOL_LINES - 1);
  const text = document.getText(new vscode.Range(start, 0, endLine, document.lineAt(endLine).text.length));
  return { id: randomUUID(), kind: "symbol", label: `${symbol.name} (${basename(path)}:${start + 1})`, path, languageId: document.languageId, text, startLine: start + 1 };
}
