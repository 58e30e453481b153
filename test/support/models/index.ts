/**
 * Test model factory: real and derived GGUF models for Hearth's tests and benchmarks.
 *
 * Derived models are generated on first use into <repo>/.cache/models/ (git-ignored), under a
 * file name keyed by a hash of the recipe (factory version, recipe version, name and the sha256 of
 * every source file), and reused afterwards. Files are written to a temporary name and renamed,
 * so an interrupted run never leaves a partial model behind. Generation is deterministic.
 *
 * Source files come from $HEARTH_TEST_MODELS, default <repo>/../shared/models.
 */

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeGgufFile } from "../gguf";
import { modelCacheDir, sharedModelPath, testModelsDir } from "./paths";
import { type GeneratedModelName, RECIPES } from "./recipes";

export { modelCacheDir, repoRoot, sharedModelPath, testModelsDir } from "./paths";

/** Bump to regenerate every derived model (e.g. after a change in the GGUF writer). */
const FACTORY_VERSION = 1;

export type TestModelName = "stories260K" | GeneratedModelName;

export interface FimSpec {
    readonly prefix: string;
    readonly suffix: string;
    readonly middle: string;
    readonly eot?: string;
    readonly repoName?: string;
    readonly fileSep?: string;
}

export interface TestModelSpec {
    readonly name: TestModelName;
    readonly family: string;
    /** general.architecture of the file. */
    readonly architecture: string;
    readonly role: "chat" | "completion" | "both";
    /**
     * Class name of the chat wrapper node-llama-cpp 3.21.1's resolveChatWrapper(model) returns
     * (verified by test/engine/factory.test.ts).
     */
    readonly expectedChatWrapper?: string;
    readonly fim?: FimSpec;
    /** "model" (in the test suite), "adapter" (a LoRA for `baseModel`) or "shape-twin" (benchmarks only). */
    readonly kind: "model" | "adapter" | "shape-twin";
    readonly baseModel?: TestModelName;
    /** Where the tokenizer comes from. */
    readonly tokenizer: string;
}

const QWEN_FIM: FimSpec = {
    prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>",
    eot: "<|endoftext|>", repoName: "<|repo_name|>", fileSep: "<|file_sep|>"
};

export const TEST_MODELS: readonly TestModelSpec[] = [
    {
        name: "stories260K", family: "llama2.c TinyStories", architecture: "llama", role: "completion", kind: "model",
        tokenizer: "stories260K.gguf (512-token SentencePiece)",
        // no chat template; its BOS "<s>" is a prefix of Llama 2's "<s>[INST] <<SYS>>"
        expectedChatWrapper: "Llama2ChatWrapper"
    },
    {
        name: "stories260K-fim", family: "llama2.c TinyStories + StarCoder-style FIM tokens", architecture: "llama",
        role: "completion", kind: "model", tokenizer: "stories260K.gguf + 3 appended control tokens",
        expectedChatWrapper: "Llama2ChatWrapper",
        fim: { prefix: "<fim_prefix>", suffix: "<fim_suffix>", middle: "<fim_middle>" }
    },
    {
        name: "stories260K-lora", family: "LoRA adapter for stories260K", architecture: "llama", role: "completion",
        kind: "adapter", baseModel: "stories260K", tokenizer: "(none: adapter)"
    },
    {
        // hand-built, not trained: writes CODE_CHAIN_TEXT after an indented empty line (./codeChain.ts)
        name: "code-chain-260K", family: "bigram chain on the stories260K tokenizer (writes fixed code)", architecture: "llama",
        role: "completion", kind: "model", tokenizer: "stories260K.gguf + pieces \"▁▁\", \"▁▁▁\" appended",
        expectedChatWrapper: "Llama2ChatWrapper"
    },
    {
        // hand-built, not trained: writes BLOCK_CHAIN_TEXT after a line ending in "a" (./codeChain.ts)
        name: "block-chain-260K", family: "bigram chain on the stories260K tokenizer (writes a block header and body)", architecture: "llama",
        role: "completion", kind: "model", tokenizer: "stories260K.gguf + piece \"▁▁\" appended",
        expectedChatWrapper: "Llama2ChatWrapper"
    },
    {
        name: "llama3", family: "Llama 3 Instruct", architecture: "llama", role: "chat", kind: "model",
        tokenizer: "GPT-2 BPE + Llama 3 special tokens, pre-tokenizer llama-bpe", expectedChatWrapper: "Llama3ChatWrapper"
    },
    {
        name: "mixtral", family: "Mixtral 8x7B Instruct (MoE)", architecture: "llama", role: "chat", kind: "model",
        tokenizer: "vocab/ggml-vocab-llama-spm.gguf",
        // the v0.1 "[INST]" template renders differently from MistralChatWrapper (v3 layout), so
        // node-llama-cpp keeps the Jinja template
        expectedChatWrapper: "JinjaTemplateChatWrapper"
    },
    {
        name: "phi3", family: "Phi-3 mini", architecture: "phi3", role: "chat", kind: "model",
        tokenizer: "vocab/ggml-vocab-phi-3.gguf", expectedChatWrapper: "JinjaTemplateChatWrapper"
    },
    {
        name: "gemma", family: "Gemma Instruct", architecture: "gemma", role: "chat", kind: "model",
        tokenizer: "LLaMA SPM + <start_of_turn>/<end_of_turn>", expectedChatWrapper: "GemmaChatWrapper"
    },
    {
        name: "mpt", family: "MPT chat (ChatML)", architecture: "mpt", role: "chat", kind: "model",
        tokenizer: "vocab/ggml-vocab-mpt.gguf + <|im_start|>/<|im_end|> at 50277/50278", expectedChatWrapper: "ChatMLChatWrapper"
    },
    {
        name: "falcon", family: "Falcon Instruct", architecture: "falcon", role: "chat", kind: "model",
        tokenizer: "vocab/ggml-vocab-falcon.gguf", expectedChatWrapper: "FalconChatWrapper"
    },
    {
        name: "qwen2.5-coder", family: "Qwen2.5-Coder", architecture: "qwen2", role: "both", kind: "model",
        tokenizer: "GPT-2 BPE + Qwen2.5 special tokens, pre-tokenizer qwen2", expectedChatWrapper: "QwenChatWrapper", fim: QWEN_FIM
    },
    {
        name: "deepseek-coder", family: "DeepSeek-Coder", architecture: "llama", role: "both", kind: "model",
        tokenizer: "vocab/ggml-vocab-deepseek-coder.gguf", expectedChatWrapper: "JinjaTemplateChatWrapper",
        fim: { prefix: "<｜fim▁begin｜>", suffix: "<｜fim▁hole｜>", middle: "<｜fim▁end｜>", eot: "<｜end▁of▁sentence｜>" }
    },
    {
        name: "starcoder2", family: "StarCoder2", architecture: "starcoder2", role: "completion", kind: "model",
        tokenizer: "vocab/ggml-vocab-starcoder.gguf", expectedChatWrapper: "GeneralChatWrapper",
        fim: { prefix: "<fim_prefix>", suffix: "<fim_suffix>", middle: "<fim_middle>", eot: "<|endoftext|>", repoName: "<repo_name>", fileSep: "<file_sep>" }
    },
    {
        name: "codellama", family: "Code Llama", architecture: "llama", role: "completion", kind: "model",
        tokenizer: "LLaMA SPM padded to 32,016 with ▁<PRE> ▁<SUF> ▁<MID> ▁<EOT> at 32007..32010",
        expectedChatWrapper: "GeneralChatWrapper",
        fim: { prefix: "▁<PRE>", suffix: "▁<SUF>", middle: "▁<MID>", eot: "▁<EOT>" }
    },
    {
        name: "codestral", family: "Codestral", architecture: "llama", role: "completion", kind: "model",
        tokenizer: "LLaMA SPM + [INST] [/INST] [PREFIX] [SUFFIX] [MIDDLE]",
        // no chat template: picked from general.name ("... codestral") by node-llama-cpp's name rules
        expectedChatWrapper: "MistralChatWrapper",
        fim: { prefix: "[PREFIX]", suffix: "[SUFFIX]", middle: "[MIDDLE]", eot: "</s>" }
    },
    {
        name: "codegemma", family: "CodeGemma", architecture: "gemma", role: "completion", kind: "model",
        tokenizer: "LLaMA SPM + Gemma turn tokens + CodeGemma FIM tokens",
        // no chat template: picked from the architecture
        expectedChatWrapper: "GemmaChatWrapper",
        fim: { prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>", eot: "<|file_separator|>", fileSep: "<|file_separator|>" }
    },
    {
        name: "qwen2.5-coder-0.5b-shape", family: "Qwen2.5-Coder-0.5B (shape twin)", architecture: "qwen2", role: "both",
        kind: "shape-twin", tokenizer: "GPT-2 BPE padded to 151,936 + Qwen2.5 specials at their real ids",
        expectedChatWrapper: "QwenChatWrapper", fim: QWEN_FIM
    },
    {
        name: "qwen2.5-coder-1.5b-shape", family: "Qwen2.5-Coder-1.5B (shape twin)", architecture: "qwen2", role: "both",
        kind: "shape-twin", tokenizer: "GPT-2 BPE padded to 151,936 + Qwen2.5 specials at their real ids",
        expectedChatWrapper: "QwenChatWrapper", fim: QWEN_FIM
    }
];

export function getTestModelSpec(name: TestModelName): TestModelSpec {
    const spec = TEST_MODELS.find((m) => m.name === name);
    if (spec === undefined)
        throw new Error(`unknown test model ${name}`);
    return spec;
}

/** Models the test suite generates and loads (everything except the benchmark shape twins). */
export function suiteModels(): readonly TestModelSpec[] {
    return TEST_MODELS.filter((m) => m.kind !== "shape-twin");
}

function isGenerated(name: TestModelName): name is GeneratedModelName {
    return name !== "stories260K";
}

const fileHashes = new Map<string, string>();

function sha256File(path: string): string {
    const st = statSync(path);
    const memoKey = `${path}:${st.size}:${st.mtimeMs}`;
    const memo = fileHashes.get(memoKey);
    if (memo !== undefined)
        return memo;
    const h = createHash("sha256").update(readFileSync(path)).digest("hex");
    fileHashes.set(memoKey, h);
    return h;
}

/** The cache file name of a generated model: "<name>-<16 hex digits of the recipe hash>.gguf". */
export function cachedModelFileName(name: GeneratedModelName): string {
    const recipe = RECIPES[name];
    const inputs = recipe.sources.map((s) => ({ source: s, sha256: sha256File(sharedModelPath(s)) }));
    const key = JSON.stringify({ factory: FACTORY_VERSION, name, version: recipe.version, inputs });
    return `${name}-${createHash("sha256").update(key).digest("hex").slice(0, 16)}.gguf`;
}

const inFlight = new Map<string, Promise<string>>();

/**
 * Absolute path of a test model, generating it first if needed.
 * "stories260K" is the shared original. Throws an Error naming the missing source file if a
 * source is not available.
 */
export function getTestModel(name: TestModelName): Promise<string> {
    if (!isGenerated(name))
        return Promise.resolve(sharedModelPath("stories260K.gguf"));
    const existing = inFlight.get(name);
    if (existing !== undefined)
        return existing;
    const p = new Promise<string>((resolvePath, reject) => {
        try {
            resolvePath(buildTestModelSync(name));
        } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
        }
    });
    inFlight.set(name, p);
    // memoize only while in progress: a later call re-checks the sources (and the cache file)
    p.then(() => inFlight.delete(name), () => inFlight.delete(name));
    return p;
}

/** Synchronous variant of getTestModel for generated models (used by the CLI). */
export function buildTestModelSync(name: GeneratedModelName): string {
    const dir = modelCacheDir();
    const path = join(dir, cachedModelFileName(name));
    if (existsSync(path))
        return path;
    mkdirSync(dir, { recursive: true });
    const recipe = RECIPES[name].build({ source: sharedModelPath });
    writeGgufFile(path, recipe);
    return path;
}

/** Where the source files are looked up (re-exported for error messages in tests). */
export function describeModelSources(): string {
    return `test models folder: ${testModelsDir()} (override with HEARTH_TEST_MODELS)`;
}
