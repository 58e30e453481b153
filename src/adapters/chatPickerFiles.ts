import { posix } from "node:path";
import * as vscode from "vscode";
import type { FileCandidate } from "../core/chat/contextPickerItems";
import { IGNORE_FILE_NAMES, enabledGlobs, filterWorkspaceFiles, searchExcludeGlob, type IgnoreFile } from "../core/chat/workspaceFiles";

/** The picker lists at most this many files (Quick Open's search has no list to keep; the picker filters one). */
export const MAX_PICKER_FILES = 20_000;
/** Ignore files larger than this are not read (a .gitignore is a few KB). */
const MAX_IGNORE_FILE_BYTES = 256 * 1024;
const MAX_IGNORE_FILES = 200;

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.type !== vscode.FileType.File || stat.size > MAX_IGNORE_FILE_BYTES) return undefined;
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/**
 * Every file of the workspace that Quick Open would list, for the `@` picker: VS Code's
 * file search (which applies `files.exclude`), then `search.exclude` and, unless
 * `search.useIgnoreFiles` is off, the folders' .gitignore and .ignore files.
 */
export async function listWorkspaceFiles(): Promise<{ files: FileCandidate[]; capped: boolean }> {
  const files: FileCandidate[] = [];
  let capped = false;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const room = MAX_PICKER_FILES - files.length;
    if (room <= 0) {
      capped = true;
      break;
    }
    const search = vscode.workspace.getConfiguration("search", folder.uri);
    const excludes = enabledGlobs(search.get("exclude"));
    const useIgnoreFiles = search.get<boolean>("useIgnoreFiles", true);
    const rootIgnore = useIgnoreFiles ? await readText(vscode.Uri.joinPath(folder.uri, ".gitignore")) : undefined;
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, "**/*"), searchExcludeGlob(excludes, rootIgnore), room);
    if (found.length >= room) capped = true;
    const byPath = new Map<string, vscode.Uri>();
    for (const uri of found) byPath.set(posix.relative(folder.uri.path, uri.path), uri);
    const ignoreFiles: IgnoreFile[] = [];
    if (rootIgnore !== undefined && !byPath.has(".gitignore")) ignoreFiles.push({ directory: "", content: rootIgnore });
    if (useIgnoreFiles) {
      const names: readonly string[] = IGNORE_FILE_NAMES;
      const candidates = [...byPath.keys()].filter((path) => names.includes(posix.basename(path))).slice(0, MAX_IGNORE_FILES);
      for (const path of candidates) {
        const uri = byPath.get(path);
        const content = uri ? await readText(uri) : undefined;
        if (content !== undefined) ignoreFiles.push({ directory: posix.dirname(path) === "." ? "" : posix.dirname(path), content });
      }
    }
    for (const path of filterWorkspaceFiles([...byPath.keys()], excludes, ignoreFiles)) {
      const uri = byPath.get(path);
      if (uri) files.push({ uri: uri.toString(), relativePath: vscode.workspace.asRelativePath(uri, false) });
    }
  }
  return { files, capped };
}
