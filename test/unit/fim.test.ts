import { strict as assert } from "node:assert";
import { detectFimFormat, fimStopTokenRoles, usableMetadataFimTokens, type FimFormat } from "../../src/core/fim/fimFormat";
import { layoutFimPrompt, renderSegments } from "../../src/core/fim/fimLayout";
import { DEFAULT_LAYOUT, fimInputFor } from "../../src/core/completion/promptLayout";
import type { DocumentSnapshot } from "../../src/core/completion/documentSnapshot";

function vocabulary(...tokens: string[]) {
  const set = new Set(tokens);
  return { hasSpecialToken: (text: string) => set.has(text) };
}

/** Each family's vocabulary (its FIM and repo-level special tokens) and the format it must get. */
const FAMILY_VOCABULARIES: [string, string[], string][] = [
  ["Qwen2.5-Coder", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|endoftext|>"], "qwen"],
  ["CodeGemma", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_separator|>"], "codegemma"],
  ["StarCoder2", ["<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<file_sep>", "<repo_name>", "<|endoftext|>"], "starcoder"],
  ["DeepSeek-Coder", ["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"], "deepseek"],
  ["CodeLlama", ["▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>"], "codellama"],
  ["Codestral", ["[PREFIX]", "[SUFFIX]", "[MIDDLE]"], "codestral"],
];

describe("FIM format detection (from the vocabulary, never the file name)", () => {
  for (const [family, tokens, expected] of FAMILY_VOCABULARIES) {
    it(`recognises ${family}`, () => {
      assert.equal(detectFimFormat(vocabulary(...tokens))?.name, expected);
    });
  }

  it("keeps only the optional tokens the vocabulary has", () => {
    const format = detectFimFormat(vocabulary("<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<|endoftext|>"));
    assert.equal(format?.name, "starcoder");
    assert.equal(format?.tokens.fileSep, undefined);
    assert.equal(format?.tokens.eot, "<|endoftext|>");
    assert.deepEqual(format && fimStopTokenRoles(format), ["prefix", "suffix", "middle", "eot"]);
  });

  it("falls back to the FIM tokens named in the GGUF metadata", () => {
    const format = detectFimFormat({ hasSpecialToken: () => false, metadataFimTokens: { prefix: "<A>", suffix: "<B>", middle: "<C>" } });
    assert.deepEqual(format, { name: "generic", order: "psm", tokens: { prefix: "<A>", suffix: "<B>", middle: "<C>" } });
  });

  it("uses the metadata's FIM tokens only when they are three distinct special tokens that stand for themselves", () => {
    const special = (id: number, text: string) => ({ id, text, special: true, roundTrips: true });
    assert.deepEqual(usableMetadataFimTokens({ prefix: special(7, "<A>"), suffix: special(8, "<B>"), middle: special(9, "<C>") }), { tokens: { prefix: "<A>", suffix: "<B>", middle: "<C>" } });
    assert.deepEqual(usableMetadataFimTokens({}), {});
    const ordinary = usableMetadataFimTokens({ prefix: { id: 300, text: "ha", special: false, roundTrips: true }, suffix: special(8, "<B>"), middle: special(9, "<C>") });
    assert.equal(ordinary.tokens, undefined);
    assert.match(ordinary.problem ?? "", /tokenizer\.ggml\.fim_pre_token_id \(300, "ha"\) is an ordinary text token/);
    assert.match(usableMetadataFimTokens({ prefix: special(7, "<A>"), suffix: special(7, "<A>"), middle: special(9, "<C>") }).problem ?? "", /not three different tokens/);
    assert.match(usableMetadataFimTokens({ prefix: special(7, "<A>"), middle: special(9, "<C>") }).problem ?? "", /fim_suf_token_id is missing/);
    assert.match(usableMetadataFimTokens({ prefix: { ...special(7, "<A>"), roundTrips: false }, suffix: special(8, "<B>"), middle: special(9, "<C>") }).problem ?? "", /does not stand for itself/);
  });

  it("reports models without FIM tokens", () => {
    assert.equal(detectFimFormat(vocabulary("<s>", "</s>")), undefined);
    assert.equal(detectFimFormat(vocabulary("<|fim_prefix|>", "<|fim_suffix|>")), undefined);
  });
});

describe("FIM prompt layout", () => {
  const qwen = detectFimFormat(vocabulary("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|repo_name|>", "<|file_sep|>")) as FimFormat;
  const deepseek = detectFimFormat(vocabulary("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>")) as FimFormat;
  const codestral = detectFimFormat(vocabulary("[PREFIX]", "[SUFFIX]", "[MIDDLE]")) as FimFormat;
  const input = { prefix: "function add(a, b) {\n", currentLine: "  return a", suffix: "\n}\n" };

  it("puts the current line after the middle token", () => {
    assert.equal(renderSegments(deepseek, layoutFimPrompt(deepseek, input)),
      "<｜fim▁begin｜>function add(a, b) {\n<｜fim▁hole｜>\n}\n<｜fim▁end｜>  return a");
  });

  it("typing on the current line only changes the last segment", () => {
    const before = layoutFimPrompt(qwen, input);
    const after = layoutFimPrompt(qwen, { ...input, currentLine: "  return a + b" });
    assert.deepEqual(after.slice(0, -1), before.slice(0, -1));
  });

  it("uses repo-level tokens for context chunks where the model has them, oldest first", () => {
    const text = renderSegments(qwen, layoutFimPrompt(qwen, {
      ...input, repoName: "shop", filePath: "src/add.ts",
      chunks: [{ filePath: "src/old.ts", text: "export const x = 1;" }, { filePath: "src/new.ts", text: "export const y = 2;" }],
    }));
    assert.equal(text, "<|repo_name|>shop\n<|file_sep|>src/old.ts\nexport const x = 1;\n<|file_sep|>src/new.ts\nexport const y = 2;\n" +
      "<|file_sep|>src/add.ts\n<|fim_prefix|>function add(a, b) {\n<|fim_suffix|>\n}\n<|fim_middle|>  return a");
  });

  it("writes context as comments of the document's language where the model has no file separator", () => {
    const text = renderSegments(deepseek, layoutFimPrompt(deepseek, {
      ...input, filePath: "add.py", commentPrefix: "#", chunks: [{ filePath: "util.py", text: "def one(): return 1" }],
    }));
    assert.ok(text.startsWith("<｜fim▁begin｜># util.py\ndef one(): return 1\n# add.py\nfunction add"), text);
  });

  it("puts the suffix first for Codestral's order", () => {
    assert.equal(renderSegments(codestral, layoutFimPrompt(codestral, input)), "[SUFFIX]\n}\n[PREFIX]function add(a, b) {\n  return a");
  });
});

describe("FIM prompts of every format from a document: recent lines after the middle token", () => {
  // 70 lines; the cursor in line 50, past the window step at line 32: lines 32–49 are recent.
  const lines = Array.from({ length: 70 }, (_, index) => `  const v${index} = f(${index});`);
  const cursorLineNumber = 50;
  const textOf = (edited: string[]) => edited.join("\n") + "\n";
  const document = (text: string, offset: number): DocumentSnapshot =>
    ({ uri: "file:///w/a.ts", languageId: "typescript", filePath: "src/a.ts", text, offset, indent: { useTabs: false, size: 2 } });
  const base = textOf(lines);
  const lineStart = base.split("\n").slice(0, cursorLineNumber).join("\n").length + 1;
  const cursor = lineStart + "  const v50 = ".length;
  const chunks = [{ filePath: "src/b.ts", text: "export const b = 1;" }];
  const formats: [string, FimFormat][] = [
    ...FAMILY_VOCABULARIES.map(([family, tokens]): [string, FimFormat] => [family, detectFimFormat(vocabulary(...tokens)) as FimFormat]),
    ["metadata-only", detectFimFormat({ hasSpecialToken: () => false, metadataFimTokens: { prefix: "<A>", suffix: "<B>", middle: "<C>" } }) as FimFormat],
  ];
  const occurrences = (text: string, token: string) => text.split(token).length - 1;

  for (const [family, format] of formats) {
    it(`${family}: one of each FIM token in order, the text above the cursor whole, recent lines and the current line last`, () => {
      const input = fimInputFor(document(base, cursor), chunks, DEFAULT_LAYOUT);
      assert.equal(input.recentLines, lines.slice(32, cursorLineNumber).map((line) => `${line}\n`).join(""));
      assert.equal(input.currentLine, "  const v50 = ");
      assert.equal(input.prefix + input.recentLines + input.currentLine, base.slice(0, cursor), "prefix, recent lines and current line are the text above the cursor, no gap nor overlap");
      const prompt = renderSegments(format, layoutFimPrompt(format, input));
      const { prefix, suffix, middle } = format.tokens;
      assert.equal(occurrences(prompt, prefix), 1, prompt);
      assert.equal(occurrences(prompt, suffix), 1, prompt);
      assert.equal(occurrences(prompt, middle), format.order === "psm" ? 1 : 0, prompt);
      const suffixText = prompt.slice(prompt.indexOf(suffix) + suffix.length, format.order === "psm" ? prompt.indexOf(middle) : prompt.indexOf(prefix));
      assert.ok(base.slice(cursor).startsWith(suffixText) && suffixText.startsWith("f(50);\n  const v51"), JSON.stringify(suffixText));
      if (format.order === "psm") {
        assert.ok(prompt.indexOf(prefix) < prompt.indexOf(suffix), prompt);
        assert.equal(prompt.slice(prompt.indexOf(middle) + middle.length), input.recentLines + input.currentLine);
      } else {
        assert.ok(prompt.indexOf(suffix) < prompt.indexOf(prefix), prompt);
        assert.ok(prompt.endsWith(input.prefix + input.recentLines + input.currentLine), prompt);
      }
      // The context chunk and the file path come before the prefix text, in a file separator or as comments.
      assert.ok(prompt.indexOf("export const b = 1;") < prompt.indexOf(lines[0]), prompt);
      assert.ok(prompt.indexOf("src/a.ts") < prompt.indexOf(lines[0]), prompt);
    });

    it(`${family}: Enter and typing on the new line only append to the prompt`, () => {
      let text = base;
      let offset = cursor;
      let previous = renderSegments(format, layoutFimPrompt(format, fimInputFor(document(text, offset), chunks, DEFAULT_LAYOUT)));
      for (const typed of ["g(1);", "\n", "  ", "h", "\n", "\n", "  x"]) {
        text = text.slice(0, offset) + typed + text.slice(offset);
        offset += typed.length;
        const prompt = renderSegments(format, layoutFimPrompt(format, fimInputFor(document(text, offset), chunks, DEFAULT_LAYOUT)));
        assert.equal(prompt, previous + typed, `after ${JSON.stringify(typed)}`);
        previous = prompt;
      }
    });
  }
});
