import { strict as assert } from "node:assert";
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import { layoutFimPrompt, renderSegments, type FimInput } from "../../src/core/fim/fimLayout";
import { detectModelFim, fimTokenId } from "../../src/engine/modelHost";
import { chooseLineSplit, MemoizedTokenizer, promptPieces, renderPieces, splitLines } from "../../src/engine/promptPieces";
import { piecesTokens } from "../../src/engine/promptFit";
import { getTestModel, type TestModelName } from "../support/models";

/**
 * The model sees a well-formed prompt in every FIM format: the engine tokenizes a prompt a line
 * at a time (so lines keep their tokens wherever they move), and the tokens must be those of the
 * whole text, the FIM tokens as single special tokens in the format's order, and no word-start
 * space slipped in by a SentencePiece tokenizer.
 */
describe("FIM prompt tokens per format (real tokenizers)", function () {
  this.timeout(120_000);
  let nlc: typeof NodeLlamaCpp;
  let llama: NodeLlamaCpp.Llama;
  before(async () => {
    nlc = await import("node-llama-cpp");
    llama = await nlc.getLlama({ gpu: false, build: "never", logLevel: nlc.LlamaLogLevel.error });
  });
  after(async () => llama?.dispose());

  const input: FimInput = {
    prefix: "import { add } from \"./math\";\nfunction total(items) {\n  let sum = 0;\n",
    recentLines: "  for (const item of items) {\n    sum = add(sum, item.price);\n",
    currentLine: "    if (sum > ",
    suffix: ") break;\n  }\n  return sum;\n}\n",
    filePath: "src/total.js",
    commentPrefix: "//",
    chunks: [{ filePath: "src/math.js", text: "export function add(a, b) {\n  return a + b;\n}" }],
  };

  const names: TestModelName[] = ["stories260K-fim", "qwen2.5-coder", "deepseek-coder", "starcoder2", "codellama", "codestral", "codegemma"];
  for (const name of names) {
    it(`${name}: the pieces' tokens are the whole text's, with the FIM tokens in place`, async () => {
      const model = await llama.loadModel({ modelPath: await getTestModel(name) });
      try {
        const fim = detectModelFim(model);
        assert.ok(fim, "a FIM format");
        const continuation = (text: string) => model.tokenize(text, false, "trimLeadingSpace");
        const tokenizer = new MemoizedTokenizer<NodeLlamaCpp.Token>({ tokenize: continuation, special: (role) => fimTokenId(model, fim, role) },
          chooseLineSplit(continuation));
        const segments = layoutFimPrompt(fim, input);
        const pieces = promptPieces(fim, segments, tokenizer);
        const tokens = piecesTokens(pieces);
        assert.equal(renderPieces(pieces), renderSegments(fim, segments));

        // Expected: each run of text between special tokens tokenized whole, as a continuation.
        const expected: number[] = [];
        let run = "";
        const flush = () => {
          if (run) expected.push(...model.tokenize(run, false, "trimLeadingSpace"));
          run = "";
        };
        for (const segment of segments) {
          if (segment.kind === "text") {
            run += segment.text;
          } else {
            flush();
            expected.push(fimTokenId(model, fim, segment.role));
          }
        }
        flush();
        assert.deepEqual(tokens, expected);

        // The FIM tokens, once each, in the format's order; the text reads back exactly.
        const fimIds = new Map([fim.tokens.prefix, fim.tokens.suffix, fim.tokens.middle].map((text, index) => [model.tokenize(text, true)[0], index]));
        const order = tokens.filter((token) => fimIds.has(token)).map((token) => fimIds.get(token));
        assert.deepEqual(order, fim.order === "spm" ? [1, 0] : [0, 1, 2]);
        const after = tokens.lastIndexOf(model.tokenize(fim.order === "spm" ? fim.tokens.prefix : fim.tokens.middle, true)[0]) + 1;
        const textAfterMiddle = model.detokenize(tokens.slice(after), false, tokens.slice(0, after));
        const expectedAfter = fim.order === "spm" ? `${fim.tokens.fileSep ? "" : "// src/math.js\n"}` : "";
        assert.ok(textAfterMiddle.endsWith(`${input.recentLines}${input.currentLine}`), JSON.stringify(textAfterMiddle));
        assert.ok(textAfterMiddle.startsWith(expectedAfter), JSON.stringify(textAfterMiddle));
      } finally {
        await model.dispose();
      }
    });
  }

  it("splits text before each line that starts with text; blank lines stay with the line above", () => {
    assert.deepEqual(splitLines("a\n\n  b\n   \nc"), ["a\n\n", "  b\n   \n", "c"]);
    assert.deepEqual(splitLines("a\n\n  b\n   \nc\n  1", "word-start"), ["a\n\n ", " b\n   ", "\nc\n  ", "1"]);
    assert.deepEqual(splitLines("\n\nx\n"), ["\n\n", "x\n"]);
    assert.deepEqual(splitLines(""), []);
  });
});
