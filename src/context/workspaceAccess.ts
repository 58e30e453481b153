/**
 * What Hearth may read of a workspace (VS Code workspace trust). In an untrusted
 * workspace only the documents the user opened are analyzed: no workspace index, no
 * file read from disk for import signatures. Trusting the folder starts the index.
 */

export interface WorkspaceAccessInput {
  /** vscode.workspace.isTrusted */
  trusted: boolean;
  /** hearth.context.indexWorkspace */
  indexSetting: boolean;
  /** Workspace folders on the local file system. */
  folderCount: number;
}

export type IndexDecision = "index" | "off-untrusted" | "off-setting" | "off-no-folders";

export interface WorkspaceAccess {
  /** Whether files the user has not opened may be read (index, on-demand outlines of imported files). */
  readUnopenedFiles: boolean;
  index: IndexDecision;
}

export function workspaceAccess(input: WorkspaceAccessInput): WorkspaceAccess {
  const readUnopenedFiles = input.trusted;
  let index: IndexDecision = "index";
  if (!input.trusted) index = "off-untrusted";
  else if (!input.indexSetting) index = "off-setting";
  else if (input.folderCount === 0) index = "off-no-folders";
  return { readUnopenedFiles, index };
}
