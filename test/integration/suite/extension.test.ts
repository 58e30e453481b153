/** Integration tests inside the real extension host, against the real engine and stories260K. */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import { until } from "./until";

const EXTENSION_ID = "hearth.hearth";

/** What activate() returns, as far as these tests rely on it. */
interface HearthApiForTests {
  models?: { state(role: "completion" | "chat"): { kind: string; message?: string } };
  /** Optional: the registered provider, so a test can call it directly. */
  inlineCompletionProvider?: vscode.InlineCompletionItemProvider;
  pipeline?: { lastRequest: { at: Date } | undefined };
  /** The page Hearth's read-only page tab shows. */
  documents?: { readonly current: { title: string; markdown: string } | undefined };
}

/** Tabs of Hearth's read-only page (a webview panel of view type hearth.document). */
function documentTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith("hearth.document"));
}

const STORIES_SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

async function activated(): Promise<HearthApiForTests> {
  const extension = vscode.extensions.getExtension<HearthApiForTests>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not installed`);
  const api = await extension.activate();
  return api ?? {};
}

async function completionModelReady(api: HearthApiForTests): Promise<void> {
  if (!api.models) return;
  await until("the completion model to load", 90_000, () => {
    const state = api.models!.state("completion");
    if (state.kind === "error") throw new Error(`completion model failed: ${state.message ?? "error"}`);
    return state.kind === "ready" ? true : undefined;
  });
}

function itemText(item: vscode.InlineCompletionItem): string {
  return typeof item.insertText === "string" ? item.insertText : item.insertText.value;
}

suite("Hearth in the extension host", () => {
  test("the extension is installed and activates", async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} not found among ${vscode.extensions.all.length} extensions`);
    await extension.activate();
    assert.equal(extension.isActive, true);
    assert.equal(extension.packageJSON.publisher, "hearth");
  });

  test("its commands are registered", async () => {
    await activated();
    const commands = await vscode.commands.getCommands(true);
    for (const id of ["hearth.selectModel", "hearth.selectCompletionModel", "hearth.selectChatModel", "hearth.addModelFolder",
      "hearth.openModelFile", "hearth.showModelInfo", "hearth.unloadModels", "hearth.pauseCompletions", "hearth.resumeCompletions",
      "hearth.showLog", "hearth.showLastCompletionPrompt", "hearth.triggerCompletion", "hearth.openRawDocument", "hearth.openSettings",
      "hearth.askHearthAboutSelection"]) {
      assert.ok(commands.includes(id), `command ${id} is not registered`);
    }
  });

  test("its settings are read with their types", () => {
    const config = vscode.workspace.getConfiguration("hearth");
    const modelPath = config.get<unknown>("completion.modelPath");
    const folders = config.get<unknown>("modelFolders");
    assert.equal(typeof modelPath, "string");
    assert.equal(path.basename(modelPath as string), "stories260K.gguf", "the runner sets the test model");
    assert.ok(Array.isArray(folders), "hearth.modelFolders is an array");
    assert.ok((folders as unknown[]).every((f) => typeof f === "string"), "hearth.modelFolders holds strings");
    assert.equal((folders as unknown[]).length, 1);
    assert.equal(typeof config.get("completion.enabled"), "boolean");
    assert.equal(typeof config.get("completion.maxTokens"), "number");
  });

  test("the inline completion provider returns an item from the model", async function () {
    const api = await activated();
    await completionModelReady(api);
    const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "// Once upon a time" });
    const editor = await vscode.window.showTextDocument(document);
    const end = document.lineAt(document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);

    const commands = await vscode.commands.getCommands(true);
    if (commands.includes("vscode.executeInlineCompletionItemProvider")) {
      const result = await vscode.commands.executeCommand<vscode.InlineCompletionList | vscode.InlineCompletionItem[]>(
        "vscode.executeInlineCompletionItemProvider", document.uri, end);
      const items = Array.isArray(result) ? result : result?.items ?? [];
      assert.ok(items.some((item) => itemText(item).trim().length > 0), "no non-empty inline completion item");
      console.log(`      (vscode.executeInlineCompletionItemProvider: ${JSON.stringify(itemText(items[0]).slice(0, 60))})`);
      return;
    }
    if (api.inlineCompletionProvider) {
      const source = new vscode.CancellationTokenSource();
      const result = await api.inlineCompletionProvider.provideInlineCompletionItems(
        document, end, { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined }, source.token);
      source.dispose();
      const items = Array.isArray(result) ? result : result?.items ?? [];
      assert.ok(items.length > 0, "the provider returned no items");
      assert.ok(itemText(items[0]).trim().length > 0, "the first item is empty");
      console.log(`      (provider from the extension's API: ${JSON.stringify(itemText(items[0]).slice(0, 60))})`);
      return;
    }
    // No direct way to call the provider: let VS Code ask it, then accept the suggestion.
    const before = document.getText();
    await until("an inline suggestion to be accepted", 60_000, async () => {
      await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await vscode.commands.executeCommand("editor.action.inlineSuggest.commit");
      return document.getText() !== before ? true : undefined;
    });
    const added = document.getText().slice(before.length);
    assert.ok(document.getText().startsWith(before), "accepting changed the existing text");
    assert.ok(added.trim().length > 0, "the accepted suggestion is empty");
    console.log(`      (editor.action.inlineSuggest.trigger + commit: ${JSON.stringify(added.slice(0, 60))})`);
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
  });

  test("no request is sent while completions are paused or the language is turned off", async () => {
    const api = await activated();
    assert.ok(api.inlineCompletionProvider && api.pipeline, "the extension exposes its provider and pipeline");
    await completionModelReady(api);
    const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "Once upon a time" });
    await vscode.window.showTextDocument(document);
    const end = document.lineAt(0).range.end;
    const ask = async () => {
      const source = new vscode.CancellationTokenSource();
      try {
        const result = await api.inlineCompletionProvider?.provideInlineCompletionItems(
          document, end, { triggerKind: vscode.InlineCompletionTriggerKind.Automatic, selectedCompletionInfo: undefined }, source.token);
        return Array.isArray(result) ? result : result?.items ?? [];
      } finally {
        source.dispose();
      }
    };
    await vscode.commands.executeCommand("hearth.pauseCompletions");
    const before = api.pipeline.lastRequest;
    assert.deepEqual(await ask(), [], "nothing while paused");
    assert.equal(api.pipeline.lastRequest, before, "no request reached the model while paused");
    await vscode.commands.executeCommand("hearth.resumeCompletions");
    const config = vscode.workspace.getConfiguration("hearth.completion");
    await config.update("languages", { "*": true, typescript: false }, vscode.ConfigurationTarget.Global);
    try {
      assert.deepEqual(await ask(), [], "nothing for a language turned off");
      assert.equal(api.pipeline.lastRequest, before);
    } finally {
      await config.update("languages", undefined, vscode.ConfigurationTarget.Global);
    }
    const items = await ask();
    assert.ok(items.length > 0 && itemText(items[0]).trim().length > 0, "suggestions again after resuming");
  });

  test("the prompt inspector and model info render in one reused page tab; the raw Markdown opens from it", async function () {
    this.timeout(60_000);
    const api = await activated();
    await completionModelReady(api);
    assert.ok(api.documents, "the extension exposes its page view");
    const documents = api.documents;
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    const groupsBefore = vscode.window.tabGroups.all.length;
    await vscode.commands.executeCommand("hearth.showLastCompletionPrompt");
    const inspector = await until("the prompt inspector", 10_000, () => documents.current?.title === "Last Completion Prompt" ? documents.current : undefined);
    assert.match(inspector.markdown, /Exact prompt/);
    assert.match(inspector.markdown, /Once upon a time/);
    await until("the page tab", 10_000, () => documentTabs().length === 1 || undefined);

    await vscode.commands.executeCommand("hearth.showModelInfo");
    const info = await until("model info with its sha256", 30_000, () => {
      const current = documents.current;
      return current?.title === "Model Info" && current.markdown.includes(STORIES_SHA256) ? current : undefined;
    });
    assert.match(info.markdown, /Architecture \| llama/);
    assert.match(info.markdown, /\| Load settings \| 1 thread, /, "one thread, not '1 threads'");
    await vscode.commands.executeCommand("hearth.showLastCompletionPrompt");
    await until("the prompt inspector again", 10_000, () => documents.current?.title === "Last Completion Prompt" || undefined);
    // The tab takes the page's title (the workbench tells the extension host a moment later).
    await until("the page tab titled after the page", 10_000, () => documentTabs().some((tab) => tab.label === "Last Completion Prompt") || undefined);
    const tabs = documentTabs();
    assert.equal(tabs.length, 1, `one page tab, reused: ${tabs.map((tab) => tab.label).join(", ")}`);
    assert.ok(vscode.window.tabGroups.all.length <= Math.max(2, groupsBefore), `no new editor group per command: ${vscode.window.tabGroups.all.length} groups`);
    assert.equal(vscode.workspace.textDocuments.filter((doc) => doc.uri.scheme === "hearth-info").length, 0, "no raw Markdown editor unless asked");

    // One click away: the raw Markdown, read-only, in the page's group.
    await vscode.commands.executeCommand("hearth.openRawDocument");
    const raw = await until("the raw Markdown", 10_000, () => {
      const editor = vscode.window.activeTextEditor;
      return editor?.document.uri.scheme === "hearth-info" ? editor : undefined;
    });
    assert.equal(raw.document.languageId, "markdown");
    assert.equal(raw.document.getText(), documents.current?.markdown);
    assert.equal(raw.viewColumn, tabs[0].group.viewColumn);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  test("Unload Models leaves the configured model 'unloaded'; the next completion loads it again", async function () {
    this.timeout(60_000);
    const api = await activated();
    await completionModelReady(api);
    await vscode.commands.executeCommand("hearth.unloadModels");
    assert.equal(api.models?.state("completion").kind, "unloaded");
    const document = await vscode.workspace.openTextDocument({ language: "typescript", content: "Once upon a time" });
    await vscode.window.showTextDocument(document);
    const source = new vscode.CancellationTokenSource();
    try {
      const result = await api.inlineCompletionProvider?.provideInlineCompletionItems(document, document.lineAt(0).range.end,
        { triggerKind: vscode.InlineCompletionTriggerKind.Invoke, selectedCompletionInfo: undefined }, source.token);
      const items = Array.isArray(result) ? result : result?.items ?? [];
      assert.ok(items.length > 0, "a suggestion after the model loaded again");
    } finally {
      source.dispose();
    }
    assert.equal(api.models?.state("completion").kind, "ready");
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
  });

  test("the chat view resolves", async () => {
    await activated();
    await vscode.commands.executeCommand("hearth.chatView.focus");
  });
});
