import { strict as assert } from "node:assert";
import { CompletionPipeline } from "../../../src/core/completion/completionPipeline";
import { documentOffset, type DocumentSnapshot } from "../../../src/core/completion/documentSnapshot";
import { CELL_SEPARATOR, notebookContext, withNotebookContext, type NotebookCellText } from "../../../src/core/completion/notebookContext";
import { ScriptedBackend } from "../../../src/core/completion/scriptedBackend";
import { detectFimFormat, type FimFormat } from "../../../src/core/fim/fimFormat";
import type { InfillParams } from "../../../src/protocol/engineProtocol";

const qwen = detectFimFormat({ hasSpecialToken: (text) => ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"].includes(text) }) as FimFormat;
const signal = () => new AbortController().signal;

const code = (text: string, languageId = "python"): NotebookCellText => ({ kind: "code", languageId, text });
const markdown = (text: string): NotebookCellText => ({ kind: "markup", languageId: "markdown", text });

/** The snapshot of one cell (█ marks the cursor), as the adapter takes it before adding the notebook. */
function cellSnapshot(text: string, uri = "vscode-notebook-cell:/work/analysis.ipynb#W2sZmlsZQ%3D%3D"): DocumentSnapshot {
  return { uri, languageId: "python", filePath: "analysis.ipynb", text: text.replace("█", ""), offset: text.indexOf("█"), windowStart: 0 };
}

/** A notebook whose cell `index` is `current` (with its cursor), as the pipeline would get it. */
function inNotebook(cells: NotebookCellText[], index: number, current: string, uri?: string): DocumentSnapshot {
  const all = cells.map((cell, at) => at === index ? code(current.replace("█", "")) : cell);
  return withNotebookContext(cellSnapshot(current, uri), notebookContext(all, index));
}

function pipeline(backend: ScriptedBackend): CompletionPipeline {
  return new CompletionPipeline(backend, { maxTokens: { singleLine: 32, multiLine: 96 }, debounceMs: () => 0, timeBudgetMs: 1000, speculate: false });
}

describe("notebook context", () => {
  const notebook = [
    code("import numpy as np\n"),
    markdown("## Data\nA table:\n| a | b |"),
    code("SELECT * FROM t", "sql"),
    code("   \n"),
    code("values = np.arange(10)\n\n"),
    code("total = "),
    markdown("Done."),
    code("print(total)"),
    code("%%bash\necho hi", "shellscript"),
    code("plot(values)"),
  ];

  it("puts the earlier code cells of the cell's language before it and the later ones after it", () => {
    const context = notebookContext(notebook, 5);
    assert.equal(context.prefix, "import numpy as np\n\nvalues = np.arange(10)\n\n");
    assert.equal(context.suffix, "\n\nprint(total)\n\nplot(values)");
  });

  it("leaves out markdown cells, cells of other languages and empty cells", () => {
    const context = notebookContext(notebook, 5);
    for (const left of ["## Data", "| a | b |", "SELECT", "echo hi", "Done."]) {
      assert.ok(!context.prefix.includes(left) && !context.suffix.includes(left), `${left} is not context`);
    }
    assert.ok(!/\n\n\n/.test(context.prefix), "an empty cell adds no blank lines");
  });

  it("has nothing to add for a first and last cell, or a cell alone in its language", () => {
    assert.deepEqual(notebookContext([code("x = 1")], 0), { prefix: "", suffix: "" });
    assert.deepEqual(notebookContext([markdown("# Title"), code("x = 1"), code("y", "r")], 1), { prefix: "", suffix: "" });
    const cell = cellSnapshot("x = █");
    assert.equal(withNotebookContext(cell, { prefix: "", suffix: "" }), cell);
  });

  it("keeps the nearest cells within its limits, in whole lines", () => {
    const cells = [code("far = 1\nfar = 2"), code("a = 1\nb = 2\nc = 3"), code("d = 4"), code(""), code("e = 5\nf = 6\ng = 7"), code("h = 8")];
    // "d = 4" and its separator take 7 of 19 characters; of the cell before, "c = 3" fits, "b = 2\nc = 3" does not.
    const context = notebookContext(cells, 3, { prefixChars: 19, suffixChars: 14 });
    assert.equal(context.prefix, "c = 3\n\nd = 4\n\n");
    assert.equal(context.suffix, "\n\ne = 5\nf = 6");
    assert.equal(notebookContext(cells, 3, { prefixChars: 20, suffixChars: 14 }).prefix, "b = 2\nc = 3\n\nd = 4\n\n", "one more line fits exactly");
    assert.deepEqual(notebookContext(cells, 3, { prefixChars: 4, suffixChars: 4 }), { prefix: "", suffix: "" }, "no room for a whole line");
  });

  it("keeps the cursor's place in the cell: offsets map back to the cell's document", () => {
    const cell = cellSnapshot("total = █\n");
    const snapshot = withNotebookContext(cell, notebookContext(notebook, 5));
    const cellStart = -(snapshot.windowStart ?? 0);
    assert.equal(cellStart, "import numpy as np\n\nvalues = np.arange(10)\n\n".length);
    assert.equal(snapshot.text.slice(cellStart, cellStart + cell.text.length), cell.text);
    assert.equal(snapshot.text.slice(0, snapshot.offset), `import numpy as np${CELL_SEPARATOR}values = np.arange(10)${CELL_SEPARATOR}total = `);
    assert.equal(documentOffset(snapshot, snapshot.offset), cell.offset);
    assert.equal(snapshot.uri, cell.uri, "still the cell's document");
  });
});

describe("completion pipeline in a notebook cell", () => {
  const cells = [code("import numpy as np"), markdown("Some prose"), code("values = np.arange(10)"), code(""), code("print(total)")];

  it("sends the earlier cells as the FIM prefix and the later ones in the suffix", async () => {
    const backend = new ScriptedBackend(["values.sum()"], qwen);
    const result = await pipeline(backend).provide(inNotebook(cells, 3, "total = █"), { manual: false, signal: signal() });
    assert.equal(result?.suggestions[0].text, "values.sum()");
    const request = backend.requests[0] as InfillParams;
    // Lines before the cursor's line: the prefix window, then the lines since its last step (here all of them).
    assert.equal(request.prefix + (request.recentLines ?? ""), "import numpy as np\n\nvalues = np.arange(10)\n\n");
    assert.equal(request.currentLine, "total = ");
    assert.match(request.suffix, /print\(total\)/);
    assert.ok(!result?.request?.prompt.includes("Some prose"), "markdown is not in the prompt");
  });

  it("continues the notebook's code for a model without FIM tokens", async () => {
    const backend = new ScriptedBackend(["values.sum()"], null);
    await pipeline(backend).provide(inNotebook(cells, 3, "total = █"), { manual: false, signal: signal() });
    assert.equal("prompt" in backend.requests[0] ? backend.requests[0].prompt : undefined, "import numpy as np\n\nvalues = np.arange(10)\n\ntotal = ");
  });

  it("returns a range inside the cell, covering the bracket the editor closed", async () => {
    const backend = new ScriptedBackend(["values)"], qwen);
    const snapshot = inNotebook(cells, 3, "total = sum(█)");
    const result = await pipeline(backend).provide(snapshot, { manual: false, signal: signal() });
    const suggestion = result?.suggestions[0];
    assert.equal(suggestion?.text, "values)");
    assert.equal(documentOffset(snapshot, snapshot.offset), "total = sum(".length);
    assert.equal(documentOffset(snapshot, suggestion?.replaceEnd ?? -1), "total = sum()".length, "the range ends at the cell's line end");
  });

  it("serves typed-ahead text from the cache per cell", async () => {
    const backend = new ScriptedBackend(["values.sum()"], qwen);
    const completions = pipeline(backend);
    await completions.provide(inNotebook(cells, 3, "total = █"), { manual: false, signal: signal() });
    const typed = await completions.provide(inNotebook(cells, 3, "total = val█"), { manual: false, signal: signal() });
    assert.equal(typed?.source, "typed-ahead");
    assert.equal(typed?.suggestions[0].text, "ues.sum()");
    assert.equal(backend.requests.length, 1, "no new request");
    // The same text in another cell (another uri) is that cell's own request.
    const other = await completions.provide(inNotebook(cells, 3, "total = val█", "vscode-notebook-cell:/work/analysis.ipynb#W3sZmlsZQ%3D%3D"), { manual: false, signal: signal() });
    assert.equal(other?.source, "model");
    assert.equal(backend.requests.length, 2);
  });
});
