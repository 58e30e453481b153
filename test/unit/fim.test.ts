import { strict as assert } from "node:assert";
import { detectFimFormat, fimStopTokenRoles, usableMetadataFimTokens, type FimFormat } from "../../src/core/fim/fimFormat";
import { layoutFimPrompt, renderSegments } from "../../src/core/fim/fimLayout";

function vocabulary(...tokens: string[]) {
  const set = new Set(tokens);
  return { hasSpecialToken: (text: string) => set.has(text) };
}

describe("FIM format detection (from the vocabulary, never the file name)", () => {
  const cases: [string, string[], string][] = [
    ["Qwen2.5-Coder", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|endoftext|>"], "qwen"],
    ["CodeGemma", ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_separator|>"], "codegemma"],
    ["StarCoder2", ["<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<file_sep>", "<repo_name>", "<|endoftext|>"], "starcoder"],
    ["DeepSeek-Coder", ["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"], "deepseek"],
    ["CodeLlama", ["▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>"], "codellama"],
    ["Codestral", ["[PREFIX]", "[SUFFIX]", "[MIDDLE]"], "codestral"],
  ];
  for (const [family, tokens, expected] of cases) {
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
