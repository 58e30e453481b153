/**
 * Tokenizer metadata builder: loads the `tokenizer.*` keys of a GGUF file (a real model or one of
 * llama.cpp's vocab-only files) and lets recipes add or replace tokens and special-token keys.
 *
 * Token types (llama.cpp src/llama-vocab.h / gguf-py TokenType): 1 normal, 2 unknown, 3 control,
 * 4 user defined, 5 unused, 6 byte. Key names: llama.cpp src/llama-arch.cpp (LLM_KV_TOKENIZER_*).
 */

import { type GgufFile, type GgufMetadataEntry, type GgufValue, getMetadata, gv, readGgufFile } from "../gguf";

export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export class VocabBuilder {
    readonly tokens: string[];
    readonly types: number[];
    readonly scores: number[] | undefined;
    private readonly merges: readonly string[] | undefined;
    private readonly keys = new Map<string, GgufValue>();
    /** Array item types of scores/token_type in the source (kept for byte-faithful copies). */
    private readonly typesItemType: "i32" | "u32";

    private constructor(file: GgufFile) {
        const tokens = getMetadata(file, "tokenizer.ggml.tokens");
        if (tokens === undefined || tokens.type !== "array" || tokens.itemType !== "string")
            throw new Error(`${file.path} has no tokenizer.ggml.tokens string array`);
        this.tokens = [...tokens.values];
        const types = getMetadata(file, "tokenizer.ggml.token_type");
        if (types !== undefined && types.type === "array" && (types.itemType === "i32" || types.itemType === "u32")) {
            this.types = [...types.values];
            this.typesItemType = types.itemType;
        } else {
            this.types = this.tokens.map(() => TOKEN_TYPE.normal);
            this.typesItemType = "i32";
        }
        const scores = getMetadata(file, "tokenizer.ggml.scores");
        this.scores = scores !== undefined && scores.type === "array" && scores.itemType === "f32" ? [...scores.values] : undefined;
        const merges = getMetadata(file, "tokenizer.ggml.merges");
        this.merges = merges !== undefined && merges.type === "array" && merges.itemType === "string" ? merges.values : undefined;
        for (const e of file.metadata) {
            if (!e.key.startsWith("tokenizer."))
                continue;
            if (["tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.scores", "tokenizer.ggml.merges"].includes(e.key))
                continue;
            this.keys.set(e.key, e.value);
        }
    }

    static fromFile(path: string): VocabBuilder {
        return new VocabBuilder(readGgufFile(path));
    }

    get size(): number {
        return this.tokens.length;
    }

    idOf(text: string): number | undefined {
        const i = this.tokens.indexOf(text);
        return i < 0 ? undefined : i;
    }

    /** Appends a token; returns its id. Refuses duplicates. */
    append(text: string, type: number = TOKEN_TYPE.control, score = 0): number {
        if (this.tokens.includes(text))
            throw new Error(`token ${JSON.stringify(text)} already exists (id ${this.tokens.indexOf(text)})`);
        this.tokens.push(text);
        this.types.push(type);
        this.scores?.push(score);
        return this.tokens.length - 1;
    }

    /** Replaces the token at `id` (which must exist). */
    set(id: number, text: string, type: number = TOKEN_TYPE.control, score = 0): number {
        if (id < 0 || id >= this.tokens.length)
            throw new Error(`token id ${id} is outside the vocabulary (size ${this.tokens.length})`);
        const existing = this.tokens.indexOf(text);
        if (existing >= 0 && existing !== id)
            throw new Error(`token ${JSON.stringify(text)} already exists (id ${existing})`);
        this.tokens[id] = text;
        this.types[id] = type;
        if (this.scores !== undefined)
            this.scores[id] = score;
        return id;
    }

    /** Pads the vocabulary with unused placeholder tokens "[PAD<id>]" (as llama.cpp's converters do) up to `size`. */
    padTo(size: number): void {
        while (this.tokens.length < size) {
            this.tokens.push(`[PAD${this.tokens.length}]`);
            this.types.push(TOKEN_TYPE.unused);
            this.scores?.push(0);
        }
    }

    setKey(key: string, value: GgufValue): void {
        this.keys.set(key, value);
    }

    deleteKey(key: string): void {
        this.keys.delete(key);
    }

    /** Sets a `tokenizer.ggml.<name>_token_id` key (u32). */
    setSpecial(name: string, id: number): void {
        if (id < 0 || id >= this.tokens.length)
            throw new Error(`special token ${name} id ${id} is outside the vocabulary`);
        this.keys.set(`tokenizer.ggml.${name}_token_id`, gv.u32(id));
    }

    /** Metadata entries: model, pre, token arrays, then the other tokenizer keys. */
    entries(): GgufMetadataEntry[] {
        const out: GgufMetadataEntry[] = [];
        const model = this.keys.get("tokenizer.ggml.model");
        if (model !== undefined)
            out.push({ key: "tokenizer.ggml.model", value: model });
        const pre = this.keys.get("tokenizer.ggml.pre");
        if (pre !== undefined)
            out.push({ key: "tokenizer.ggml.pre", value: pre });
        out.push({ key: "tokenizer.ggml.tokens", value: gv.strings(this.tokens) });
        if (this.scores !== undefined)
            out.push({ key: "tokenizer.ggml.scores", value: gv.numbers("f32", this.scores) });
        out.push({ key: "tokenizer.ggml.token_type", value: gv.numbers(this.typesItemType, this.types) });
        if (this.merges !== undefined)
            out.push({ key: "tokenizer.ggml.merges", value: gv.strings(this.merges) });
        for (const [key, value] of this.keys) {
            if (key === "tokenizer.ggml.model" || key === "tokenizer.ggml.pre")
                continue;
            out.push({ key, value });
        }
        return out;
    }
}
