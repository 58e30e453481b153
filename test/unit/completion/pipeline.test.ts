import { strict as assert } from "node:assert";
import { AdaptiveDebounce, sleep } from "../../../src/core/completion/adaptiveDebounce";
import { CompletionCache } from "../../../src/core/completion/completionCache";
import { CompletionPipeline, acceptInto } from "../../../src/core/completion/completionPipeline";
import type { DocumentSnapshot } from "../../../src/core/completion/documentSnapshot";
import { DEFAULT_LAYOUT, fimInputFor } from "../../../src/core/completion/promptLayout";
import { RequestManager } from "../../../src/core/completion/requestManager";
import { ScriptedBackend } from "../../../src/core/completion/scriptedBackend";
import { detectFimFormat, type FimFormat } from "../../../src/core/fim/fimFormat";
import type { InfillParams } from "../../../src/protocol/engineProtocol";

const qwen = detectFimFormat({ hasSpecialToken: (text) => ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"].includes(text) }) as FimFormat;

function doc(text: string, uri = "file:///a.ts"): DocumentSnapshot {
  const offset = text.indexOf("█");
  return { uri, languageId: "typescript", filePath: "a.ts", text: text.replace("█", ""), offset };
}

function pipeline(backend: ScriptedBackend, speculate = false): CompletionPipeline {
  return new CompletionPipeline(backend, { maxTokens: { singleLine: 32, multiLine: 96 }, debounceMs: () => 0, timeBudgetMs: 1000, speculate });
}

const signal = () => new AbortController().signal;

describe("completion cache", () => {
  it("serves the rest of a suggestion whose start was typed (typed ahead)", () => {
    const cache = new CompletionCache();
    cache.set("u", "const total = ", "", { text: "items.length;", origin: "model" });
    assert.deepEqual(cache.get("u", "const total = ", ""), { text: "items.length;", origin: "model", typedAhead: 0 });
    assert.deepEqual(cache.get("u", "const total = ite", ""), { text: "ms.length;", origin: "model", typedAhead: 3 });
    assert.equal(cache.get("u", "const total = itx", ""), undefined, "typed something else");
    assert.equal(cache.get("u", "const total = items.length;", ""), undefined, "fully typed");
    assert.equal(cache.get("other", "const total = ", ""), undefined);
    assert.equal(cache.get("u", "const total = ", ")"), undefined, "the rest of the line changed");
  });

  it("is bounded", () => {
    const cache = new CompletionCache(3);
    for (let index = 0; index < 10; index++) cache.set("u", `line ${index} `, "", { text: "x", origin: "model" });
    assert.equal(cache.size, 3);
    assert.equal(cache.get("u", "line 0 ", ""), undefined);
    assert.ok(cache.get("u", "line 9 ", ""));
  });
});

describe("adaptive debounce", () => {
  it("starts from the configured delay, then waits out nearly every gap of the user's rhythm", () => {
    const debounce = new AdaptiveDebounce();
    assert.equal(debounce.delayMs(150), 150, "nothing learned yet");
    // Letters 100 ms apart, a 300 ms gap after each word: a pause must outlast the gaps between words.
    for (let at = 0, key = 0; key < 60; key++) {
      debounce.recordKeystroke(at);
      at += key % 5 === 4 ? 300 : 100;
    }
    assert.equal(debounce.delayMs(0), 390);
    assert.equal(debounce.delayMs(150), 390);
    assert.equal(debounce.delayMs(1000), 1000, "never sooner than the configured delay");
    const fast = new AdaptiveDebounce();
    for (let at = 0; at < 2000; at += 60) fast.recordKeystroke(at);
    assert.equal(fast.delayMs(0), 78);
    assert.equal(fast.delayMs(150), 150);
    const slow = new AdaptiveDebounce();
    for (let at = 0; at < 9000; at += 900) slow.recordKeystroke(at);
    assert.equal(slow.delayMs(0), 600, "at most the maximum");
    // Thinking pauses (a second or more) are not rhythm.
    const thinking = new AdaptiveDebounce();
    for (let at = 0; at < 30_000; at += 1500) thinking.recordKeystroke(at);
    assert.equal(thinking.delayMs(150), 150);
  });

  it("counts the wait from the last keystroke or cursor move, so time VS Code spent before asking is not waited twice", () => {
    let now = 0;
    const debounce = new AdaptiveDebounce({ now: () => now });
    for (let key = 0; key < 20; key++, now += 100) debounce.recordKeystroke();
    now -= 100;
    // 19 gaps of 100 ms: the wait is 130 ms from the last key.
    assert.equal(debounce.delayMs(0), 130);
    assert.equal(debounce.remainingMs(0), 130, "asked at the keystroke");
    now += 50;
    assert.equal(debounce.remainingMs(0), 80, "asked 50 ms after it");
    now += 500;
    assert.equal(debounce.remainingMs(0), 0, "the pause already outlasted the wait");
    assert.equal(new AdaptiveDebounce().remainingMs(150), 150, "no keystroke yet: the whole wait");
    debounce.recordMove();
    assert.equal(debounce.remainingMs(0), 130, "a cursor move starts the wait again");
    assert.equal(debounce.delayMs(0), 130, "and leaves the rhythm as it was");
  });

  it("sleep resolves false when aborted", async () => {
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort();
    assert.equal(await pending, false);
    assert.equal(await sleep(1), true);
  });
});

describe("request manager", () => {
  it("a newer request aborts the older one", () => {
    const manager = new RequestManager();
    const first = manager.begin();
    const second = manager.begin();
    assert.equal(first.signal.aborted, true);
    assert.equal(second.signal.aborted, false);
    const caller = new AbortController();
    const third = manager.begin(caller.signal);
    caller.abort();
    assert.equal(third.signal.aborted, true);
  });
});

describe("prompt layout for cache reuse", () => {
  it("moves the window in coarse steps; lines typed since its last step go with the current line, after the middle token", () => {
    const lines = Array.from({ length: 200 }, (_, index) => `line${index}`);
    const at = (line: number) => doc(lines.slice(0, line).join("\n") + "\n  cur█\n" + lines.slice(line).join("\n"));
    const first = fimInputFor(at(150));
    const next = fimInputFor(doc(lines.slice(0, 150).join("\n") + "\n  cur\n█\n" + lines.slice(150).join("\n")));
    assert.equal(first.currentLine, "  cur");
    assert.ok(first.prefix.startsWith("line32\n") && first.prefix.endsWith("line127\n"), first.prefix.slice(0, 20));
    assert.equal(first.recentLines, lines.slice(128, 150).map((line) => `${line}\n`).join(""));
    // Pressing Enter appends a recent line: the prefix and the suffix before the middle token stay the same.
    assert.equal(next.prefix, first.prefix);
    assert.equal(next.recentLines, `${first.recentLines}  cur\n`);
    assert.equal(next.currentLine, "");
    assert.equal(next.suffix, first.suffix);
    assert.ok(first.suffix.split("\n").length <= DEFAULT_LAYOUT.suffixLines + 1);
    // At the step (line 160 = 5 × 32) the window moves: the recent lines join the prefix.
    const stepped = fimInputFor(at(160));
    assert.ok(stepped.prefix.startsWith("line64\n") && stepped.prefix.endsWith("line159\n"), stepped.prefix.slice(-20));
    assert.equal(stepped.recentLines, "");
    assert.equal(fimInputFor(at(159)).recentLines?.split("\n").length, 32);
  });

  it("moves the end of the prefix down when the recent lines are too long", () => {
    const lines = Array.from({ length: 60 }, (_, index) => `const v${index} = "${"y".repeat(200)}";`);
    const input = fimInputFor(doc(lines.slice(0, 60).join("\n") + "\n█\n"));
    const recent = input.recentLines ?? "";
    assert.ok(recent.length > 0 && recent.length <= DEFAULT_LAYOUT.recentChars, `${recent.length}`);
    const above = lines.map((line) => `${line}\n`).join("");
    assert.ok(above.endsWith(input.prefix + recent), "the prefix and the recent lines are the lines above, without a gap");
    assert.ok(input.prefix.length > 0);
  });

  it("bounds the prompt by characters as well as lines, still moving the window in steps", () => {
    // 200 lines of 120 characters: 96 lines would be 11.6k characters, over the 6k limit.
    const long = (index: number) => `const value${index} = ${"x".repeat(100)};`.padEnd(120, " ");
    const lines = Array.from({ length: 200 }, (_, index) => long(index));
    const at = (line: number) => doc(lines.slice(0, line).join("\n") + "\n  cur█\n" + lines.slice(line).join("\n"));
    const first = fimInputFor(at(150));
    const next = fimInputFor(at(151));
    assert.ok(first.prefix.length <= DEFAULT_LAYOUT.prefixChars, `prefix of ${first.prefix.length} characters`);
    // Lines 96..149 hold 6.5k characters; the next step, 128, is the first that fits.
    assert.ok(first.prefix.startsWith(`${long(128)}\n`), first.prefix.slice(0, 20));
    assert.equal(next.prefix, first.prefix, "pressing Enter leaves the prefix as it was");
    assert.ok(first.suffix.length <= DEFAULT_LAYOUT.suffixChars);
  });

  it("keeps the end nearest the cursor of a minified line longer than the limits", () => {
    const minified = "var a=1;".repeat(5000);
    const input = fimInputFor(doc(`${minified}\n${minified}█${minified}\n`));
    assert.equal(input.prefix.length, DEFAULT_LAYOUT.prefixChars);
    assert.ok(input.prefix.endsWith("var a=1;\n"));
    assert.equal(input.currentLine.length, DEFAULT_LAYOUT.currentLineChars);
    assert.equal(input.suffix.length, DEFAULT_LAYOUT.suffixChars);
  });
});

describe("completion pipeline", () => {
  it("asks the model in its FIM format and caches the answer; typing the start is served without a request", async () => {
    const backend = new ScriptedBackend(["items.length;"], qwen);
    const completions = pipeline(backend);
    const first = await completions.provide(doc("const total = █\n"), { manual: false, signal: signal() });
    assert.equal(first?.source, "model");
    assert.equal(first?.suggestions[0].text, "items.length;");
    assert.equal(backend.requests.length, 1);
    const request = backend.requests[0] as InfillParams;
    assert.equal(request.currentLine, "const total = ");
    assert.ok(first?.request?.prompt.includes("<|fim_middle|>const total = "));
    const typed = await completions.provide(doc("const total = item█\n"), { manual: false, signal: signal() });
    assert.equal(typed?.source, "typed-ahead");
    assert.equal(typed?.suggestions[0].text, "s.length;");
    assert.equal(backend.requests.length, 1, "no new request");
  });

  it("gives several lines of code the multi-line budget, their first line the single-line one", async () => {
    const backend = new ScriptedBackend(["items.length;"], qwen);
    const completions = pipeline(backend);
    // End of a line: the model may write the rest of the line or a header and its block.
    await completions.provide(doc("const total = █\n"), { manual: false, signal: signal() });
    // After a block opener: the body, whose first line is a line like any other.
    await completions.provide(doc("function f() {█\n"), { manual: false, signal: signal() });
    // Before text on the line: one line only.
    await completions.provide(doc("call(█, 2);\n"), { manual: false, signal: signal() });
    // Prose: a paragraph's lines may be long.
    await completions.provide({ ...doc("Some notes about the █\n"), languageId: "markdown", filePath: "a.md", uri: "file:///a.md" }, { manual: false, signal: signal() });
    const asked = backend.requests.map((request) => [request.span?.shape, request.maxTokens, request.firstLineMaxTokens]);
    assert.deepEqual(asked, [["line-or-block", 96, 32], ["block", 96, 32], ["line", 32, undefined], ["paragraph", 96, undefined]]);
  });

  it("falls back to prefix-only completion for a model without FIM tokens", async () => {
    const backend = new ScriptedBackend(["42;"], null);
    const result = await pipeline(backend).provide(doc("const answer = █\n"), { manual: false, signal: signal() });
    assert.equal(result?.suggestions[0].text, "42;");
    assert.equal("prompt" in backend.requests[0] ? backend.requests[0].prompt : undefined, "const answer = ");
  });

  it("speculates the next suggestion as if the shown one were accepted", async () => {
    const backend = new ScriptedBackend(["\n  const a = 1;\n  return a;", "\n  return 2;", "\n  return a;"], qwen);
    const completions = pipeline(backend, true);
    const document = doc("function f() {█\n}\n");
    const shown = await completions.provide(document, { manual: false, signal: signal() });
    assert.equal(shown?.suggestions[0].text, "\n  const a = 1;\n  return a;");
    await sleep(20);
    assert.equal(backend.requests.length, 3, "one request and two speculative ones");
    const accepted = acceptInto(document, shown?.suggestions[0] ?? { text: "", replaceEnd: 0 }, "\n  const a = 1;");
    const next = await completions.provide(accepted, { manual: false, signal: signal() });
    assert.ok(next?.source === "speculative" || next?.source === "typed-ahead", next?.source);
    assert.equal(backend.requests.length, 3, "served without a new request");
  });

  it("keeps the rest after a partial accept", async () => {
    const backend = new ScriptedBackend(["items.map((item) => item.id);"], qwen);
    const completions = pipeline(backend);
    const document = doc("const ids = █\n");
    const shown = await completions.provide(document, { manual: false, signal: signal() });
    const suggestion = shown?.suggestions[0] ?? { text: "", replaceEnd: 0 };
    completions.acceptedPartially(document, suggestion, "items".length);
    const rest = await completions.provide(acceptInto(document, suggestion, "items"), { manual: false, signal: signal() });
    assert.equal(rest?.suggestions[0].text, ".map((item) => item.id);");
    assert.equal(backend.requests.length, 1);
  });

  it("offers up to three different alternatives on a manual trigger", async () => {
    const backend = new ScriptedBackend(["a;", "b;", "a;"], qwen);
    const result = await pipeline(backend).provide(doc("const x = █\n"), { manual: true, signal: signal(), alternatives: 3 });
    assert.deepEqual(result?.suggestions.map((suggestion) => suggestion.text), ["a;", "b;"]);
  });

  it("asks the model once the pause since the last keystroke outlasts the debounce, not a debounce after the call", async () => {
    const backend = new ScriptedBackend(["1;", "2;"], qwen);
    let now = 10_000;
    const completions = new CompletionPipeline(backend, { maxTokens: { singleLine: 8, multiLine: 8 }, debounceMs: () => 60_000, timeBudgetMs: 1000, speculate: false, now: () => now });
    completions.debounce.recordKeystroke();
    now += 60_000;
    const started = Date.now();
    const result = await completions.provide(doc("let a = █\n"), { manual: false, signal: signal() });
    assert.equal(result?.suggestions[0]?.text, "1;");
    assert.ok(Date.now() - started < 30_000, "a minute-long debounce already spent before the call is not waited again");
    completions.dispose();
  });

  it("sends nothing when aborted during the debounce", async () => {
    const backend = new ScriptedBackend(["x"], qwen);
    const completions = new CompletionPipeline(backend, { maxTokens: { singleLine: 8, multiLine: 8 }, debounceMs: () => 50, timeBudgetMs: 100, speculate: false });
    const controller = new AbortController();
    const pending = completions.provide(doc("let a = █\n"), { manual: false, signal: controller.signal });
    controller.abort();
    assert.equal(await pending, undefined);
    assert.equal(backend.requests.length, 0);
  });
});

describe("completion pipeline: context chunks at stable moments and idle prefill", () => {
  const chunk = (name: string) => ({ filePath: name, text: `export const ${name} = 1;` });
  /** 100 lines, the cursor at the end of line `line`. */
  const at = (line: number, uri = "file:///a.ts") => {
    const lines = Array.from({ length: 100 }, (_, index) => `const v${index} = ${index};`);
    return doc(lines.slice(0, line + 1).join("\n") + "█\n" + lines.slice(line + 1).join("\n"), uri);
  };

  it("gathers context chunks again only at a window step, another file or a save, keeping kept chunks first", async () => {
    const backend = new ScriptedBackend(["x"], qwen);
    let gathered = 0;
    let answer = [chunk("a"), chunk("b")];
    const completions = new CompletionPipeline(backend, {
      maxTokens: { singleLine: 8, multiLine: 8 }, debounceMs: () => 0, timeBudgetMs: 1000, speculate: false,
      context: async () => {
        gathered++;
        return answer;
      },
    });
    const chunksOf = (index: number) => ((backend.requests[index] as InfillParams).chunks ?? []).map((c) => c.filePath);
    await completions.provide(at(40), { manual: false, signal: signal() });
    answer = [chunk("c"), chunk("b")];
    await completions.provide(at(41), { manual: false, signal: signal() });
    await completions.provide(at(45), { manual: false, signal: signal() });
    assert.equal(gathered, 1, "typing and Enter within a window step keep the chunks");
    assert.deepEqual(chunksOf(2), ["a", "b"]);
    await completions.provide(at(64), { manual: false, signal: signal() });
    assert.equal(gathered, 2, "the window stepped");
    assert.deepEqual(chunksOf(3), ["b", "c"], "b keeps its place at the front, c (new) goes after it");
    completions.documentSaved();
    await completions.provide(at(65), { manual: false, signal: signal() });
    await completions.provide(at(65, "file:///b.ts"), { manual: false, signal: signal() });
    assert.equal(gathered, 4, "a save, then another file");
  });

  it("prefills the prompt the next request needs, and asks for a prefill when a request left context out", async () => {
    const backend = new ScriptedBackend(["x"], qwen);
    let asked = 0;
    const completions = new CompletionPipeline({
      ...backend,
      model: () => backend.model(),
      complete: (params) => backend.complete(params),
      prefill: (params) => backend.prefill(params),
      infill: async (params) => {
        const result = await backend.infill(params);
        return { ...result, stats: { ...result.stats, leftOutTokens: params.promptBudgetMs === 250 ? 120 : 0 } };
      },
    }, { maxTokens: { singleLine: 8, multiLine: 8 }, debounceMs: () => 0, timeBudgetMs: 1000, speculate: false, promptBudgetMs: 250, requestPrefill: () => asked++ });
    const document = at(50);
    const result = await completions.prefill(document);
    assert.equal(result?.ran, true);
    assert.deepEqual(backend.prefills[0].fim, fimInputFor(document));
    assert.equal(backend.prefills[0].promptBudgetMs, 250, "the prompt a request would cut to comes first");
    await completions.provide(document, { manual: false, signal: signal() });
    assert.equal((backend.requests[0] as InfillParams).promptBudgetMs, 250);
    assert.equal(asked, 1, "the left-out context is prefilled next");
  });

  it("prefills where a suggestion will soon be made (a comment before its first word, mid-word), not where the settings keep them out", async () => {
    const backend = new ScriptedBackend(["x"], qwen);
    let suggestIn = { comments: true, strings: true };
    const completions = new CompletionPipeline(backend, { maxTokens: { singleLine: 8, multiLine: 8 }, debounceMs: () => 0, timeBudgetMs: 1000, speculate: false, suggestIn: () => suggestIn });
    const code = "export function load(path: string) {\n  return read(path);\n}\n";
    const inDocComment = doc(`/**\n * █\n */\n${code}`);
    const midWord = doc(`${code}const val█ue = 1;\n`);
    const inString = doc(`${code}const name = "ab█";\n`);
    assert.equal((await completions.prefill(inDocComment))?.ran, true, "a doc comment before its first word");
    assert.equal((await completions.prefill(midWord))?.ran, true, "the middle of a word");
    assert.equal((await completions.prefill(inString))?.ran, true);
    suggestIn = { comments: false, strings: false };
    assert.equal(await completions.prefill(inDocComment), undefined, "comments are off");
    assert.equal(await completions.prefill(inString), undefined, "strings are off");
    assert.equal(backend.prefills.length, 3);
  });

  it("does not prefill while a request is open", async () => {
    let release: () => void = () => undefined;
    const backend = new ScriptedBackend(["x"], qwen);
    const completions = new CompletionPipeline({
      model: () => backend.model(),
      complete: (params) => backend.complete(params),
      prefill: (params) => backend.prefill(params),
      infill: async (params) => {
        await new Promise<void>((resolve) => (release = resolve));
        return backend.infill(params);
      },
    }, { maxTokens: { singleLine: 8, multiLine: 8 }, debounceMs: () => 0, timeBudgetMs: 1000, speculate: false });
    const pending = completions.provide(at(10), { manual: false, signal: signal() });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await completions.prefill(at(10)), undefined);
    release();
    await pending;
    assert.equal(backend.prefills.length, 0);
  });
});
