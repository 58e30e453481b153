import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import { writeGgufFile } from "../support/gguf";
import { type TestModelSpec, getTestModel, sharedModelPath, suiteModels } from "../support/models";
import { RECIPES } from "../support/models/recipes";

const STORIES_GREEDY = ", there was a little girl named Lily.";

function sha256(path: string): string {
    return createHash("sha256").update(readFileSync(path)).digest("hex");
}

describe("test model factory (node-llama-cpp)", function () {
    this.timeout(120_000);
    let llama: NodeLlamaCpp.Llama;
    let nlc: typeof NodeLlamaCpp;

    before(async () => {
        nlc = await import("node-llama-cpp");
        llama = await nlc.getLlama({ gpu: false, build: "never", logLevel: nlc.LlamaLogLevel.error });
    });

    after(async () => {
        await llama?.dispose();
    });

    async function greedy(modelPath: string, prompt: string, maxTokens: number, loraPath?: string): Promise<string> {
        const model = await llama.loadModel({ modelPath });
        try {
            const context = await model.createContext({
                contextSize: 256,
                threads: 1,
                ...(loraPath === undefined ? {} : { lora: { adapters: [{ filePath: loraPath }] } })
            });
            try {
                const completion = new nlc.LlamaCompletion({ contextSequence: context.getSequence() });
                return await completion.generateCompletion(prompt, { maxTokens, temperature: 0 });
            } finally {
                await context.dispose();
            }
        } finally {
            await model.dispose();
        }
    }

    function checkFimTokens(model: NodeLlamaCpp.LlamaModel, spec: TestModelSpec): void {
        const fim = spec.fim;
        if (fim === undefined)
            return;
        const { prefix, suffix, middle } = model.tokens.infill;
        assert.notEqual(prefix ?? undefined, undefined, "infill prefix token");
        assert.notEqual(suffix ?? undefined, undefined, "infill suffix token");
        assert.notEqual(middle ?? undefined, undefined, "infill middle token");
        assert.equal(model.tokens.infill.prefixString, fim.prefix);
        assert.equal(model.tokens.infill.suffixString, fim.suffix);
        assert.equal(model.tokens.infill.middleString, fim.middle);
        for (const text of [fim.eot, fim.repoName, fim.fileSep]) {
            if (text === undefined)
                continue;
            const ids = model.tokenize(text, true);
            assert.equal(ids.length, 1, `${JSON.stringify(text)} is one special token`);
            assert.equal(model.detokenize(ids, true), text);
        }
    }

    for (const spec of suiteModels().filter((m) => m.kind === "model")) {
        it(`${spec.name}: generates, loads as ${spec.architecture}` +
            `${spec.expectedChatWrapper === undefined ? "" : `, resolves ${spec.expectedChatWrapper}`}` +
            `${spec.role === "completion" ? "" : ", answers one chat turn"}` +
            `${spec.fim === undefined ? "" : ", reports and runs infill"}`, async () => {
            const modelPath = await getTestModel(spec.name);
            const model = await llama.loadModel({ modelPath });
            try {
                assert.equal(model.fileInfo.metadata.general.architecture, spec.architecture);
                // resolving is slow for some templates (seconds for deepseek-coder's): do it once
                const chatWrapper = nlc.resolveChatWrapper(model);
                if (spec.expectedChatWrapper !== undefined)
                    assert.equal(chatWrapper.constructor.name, spec.expectedChatWrapper);

                if (spec.role !== "completion") {
                    const context = await model.createContext({ contextSize: 256, threads: 1 });
                    try {
                        const session = new nlc.LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper });
                        const answer = await session.prompt("Hello!", { maxTokens: 4 });
                        assert.equal(typeof answer, "string");
                        assert.ok(session.getChatHistory().length >= 2);
                    } finally {
                        await context.dispose();
                    }
                }

                if (spec.fim !== undefined) {
                    checkFimTokens(model, spec);
                    const context = await model.createContext({ contextSize: 256, threads: 1 });
                    try {
                        const completion = new nlc.LlamaCompletion({ contextSequence: context.getSequence() });
                        assert.equal(completion.infillSupported, true);
                        let tokens = 0;
                        const text = await completion.generateInfillCompletion("def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n", {
                            maxTokens: 4,
                            onToken: (t) => { tokens += t.length; }
                        });
                        assert.equal(typeof text, "string");
                        assert.ok(tokens <= 4);
                    } finally {
                        await context.dispose();
                    }
                } else {
                    assert.equal(model.tokens.infill.prefix ?? undefined, undefined, "no infill tokens expected");
                }
            } finally {
                await model.dispose();
            }
        });
    }

    it("stories260K-fim keeps the original greedy output", async () => {
        const original = await greedy(sharedModelPath("stories260K.gguf"), "Once upon a time", 24);
        const fim = await greedy(await getTestModel("stories260K-fim"), "Once upon a time", 24);
        assert.ok(original.startsWith(STORIES_GREEDY), JSON.stringify(original));
        assert.equal(fim, original);
    });

    it("stories260K-lora loads as a LoRA adapter and changes the greedy output", async () => {
        const base = await greedy(sharedModelPath("stories260K.gguf"), "Once upon a time", 16);
        const adapted = await greedy(sharedModelPath("stories260K.gguf"), "Once upon a time", 16, await getTestModel("stories260K-lora"));
        assert.ok(base.startsWith(STORIES_GREEDY));
        assert.notEqual(adapted, base);
    });

    it("generation is deterministic (a rebuilt model is byte-identical to the cached one)", async () => {
        const cached = await getTestModel("stories260K-fim");
        const dir = mkdtempSync(join(tmpdir(), "hearth-factory-"));
        try {
            const again = join(dir, "again.gguf");
            writeGgufFile(again, RECIPES["stories260K-fim"].build({ source: sharedModelPath }));
            assert.equal(sha256(again), sha256(cached));
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("names the missing source file when a model cannot be built", async () => {
        const saved = process.env["HEARTH_TEST_MODELS"];
        const empty = mkdtempSync(join(tmpdir(), "hearth-no-models-"));
        process.env["HEARTH_TEST_MODELS"] = empty;
        try {
            await assert.rejects(getTestModel("phi3"), (err: unknown) => {
                assert.ok(err instanceof Error);
                assert.ok(err.message.includes(join(empty, "vocab", "ggml-vocab-phi-3.gguf")), err.message);
                assert.match(err.message, /Provide "vocab\/ggml-vocab-phi-3\.gguf"/);
                return true;
            });
        } finally {
            if (saved === undefined)
                delete process.env["HEARTH_TEST_MODELS"];
            else
                process.env["HEARTH_TEST_MODELS"] = saved;
            rmSync(empty, { recursive: true, force: true });
        }
    });
});
