/**
 * Hostile model files: what a user's disk, a broken download or a malicious file can put
 * where Hearth expects a GGUF model. Each case writes its file into a scratch folder, most of
 * them derived from a real model (stories260K) so that everything but the one defect is valid.
 */

import { execFileSync } from "node:child_process";
import { mkdir, open, readFile, symlink, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gv, type GgufValue } from "./types";
import { assembleGguf, disassembleGguf, rawEntry, RawBytes, type RawGguf } from "./rawGguf";
import { getTestModel, type TestModelName } from "../models";

/** What the engine must answer: its error code and words that show the message names the problem. */
export interface HostileExpectation {
    readonly code: "notGguf" | "loadFailed" | "modelNotFound";
    readonly says: RegExp;
}

export interface HostileCase {
    readonly name: string;
    readonly what: string;
    /** Creates the hostile path inside `dir` from the good model at `goodModel`; returns the path to load. */
    readonly create: (dir: string, goodModel: string) => Promise<string>;
    readonly expect: HostileExpectation;
    /** Why this case cannot run here (for example permissions when running as root). */
    readonly skipReason?: () => string | undefined;
    /** File permissions must bind the engine: as root it runs without the capabilities that bypass them. */
    readonly needsPermissionChecks?: boolean;
}

const GIB = 1024n ** 3n;

async function writeCase(dir: string, name: string, bytes: Uint8Array | string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
}

/** A case derived from the good model: `change` edits its taken-apart header. */
function derived(name: string, what: string, expect: HostileExpectation, change: (gguf: RawGguf) => void): HostileCase {
    return {
        name, what, expect,
        create: async (dir, goodModel) => {
            const gguf = disassembleGguf(goodModel);
            change(gguf);
            return writeCase(dir, `${name}.gguf`, assembleGguf(gguf));
        },
    };
}

/** A header written from scratch: magic, version, counts, then `rest`. */
function header(version: number, tensors: bigint, entries: bigint, rest: (bytes: RawBytes) => void = () => undefined): Buffer {
    const bytes = new RawBytes().raw("GGUF").u32(version).u64(tensors).u64(entries);
    rest(bytes);
    return bytes.toBuffer();
}

/** The strings of an array entry (the test models' vocabularies). */
function readStringArray(gguf: RawGguf, key: string): string[] {
    const entry = gguf.entries.find((candidate) => candidate.key === key);
    if (!entry) throw new Error(`the good model has no ${key}`);
    const payload = entry.payload;
    const count = Number(payload.readBigUInt64LE(4));
    const strings: string[] = [];
    let offset = 12;
    for (let index = 0; index < count; index++) {
        const length = Number(payload.readBigUInt64LE(offset));
        strings.push(payload.toString("utf8", offset + 8, offset + 8 + length));
        offset += 8 + length;
    }
    return strings;
}

function tensorIndex(gguf: RawGguf, name: string): number {
    const index = gguf.tensors.findIndex((tensor) => tensor.name === name);
    if (index < 0) throw new Error(`the good model has no tensor ${name}`);
    return index;
}

const damagedHeader = (detail: RegExp): HostileExpectation => ({ code: "notGguf", says: new RegExp(`damaged GGUF header: .*${detail.source}.*download the model again`, "i") });
const doesNotHoldTogether = (detail: RegExp): HostileExpectation => ({ code: "loadFailed", says: new RegExp(`does not hold together: .*${detail.source}.*download the model again`, "i") });
const beyondLimits = (detail: RegExp): HostileExpectation => ({ code: "notGguf", says: new RegExp(`larger than any real model in one respect: .*${detail.source}.*pick another model`, "i") });
const crashesLlamaCpp = (detail: RegExp): HostileExpectation => ({ code: "loadFailed", says: new RegExp(`model settings that would crash llama\\.cpp: .*${detail.source}.*download the model again`, "i") });

/** Sets (or adds) metadata entries of a taken-apart file. */
function setEntries(gguf: RawGguf, values: Record<string, GgufValue>): void {
    for (const [key, value] of Object.entries(values)) {
        const index = gguf.entries.findIndex((entry) => entry.key === key);
        if (index >= 0) gguf.entries[index] = rawEntry(key, value);
        else gguf.entries.push(rawEntry(key, value));
    }
}

/** What llama.cpp does with a file when nothing checks it first. */
export type LlamaCppVerdict = "aborts" | "hangs";

export interface AbortingCase extends HostileCase {
    /** Measured with node-llama-cpp 3.21.1's prebuilt binary (test/engine/hostileModels.test.ts checks it still holds). */
    readonly unchecked: LlamaCppVerdict;
}

/**
 * A sound file whose model settings make llama.cpp abort the process (GGML_ASSERT) or hang
 * instead of refusing it; `base` is one of the test models (stories260K for llama).
 */
function aborting(name: string, what: string, base: TestModelName, unchecked: LlamaCppVerdict, detail: RegExp, values: (gguf: RawGguf) => Record<string, GgufValue>): AbortingCase {
    return {
        name, what, unchecked, expect: crashesLlamaCpp(detail),
        create: async (dir) => {
            const gguf = disassembleGguf(await getTestModel(base));
            setEntries(gguf, values(gguf));
            return writeCase(dir, `${name}.gguf`, assembleGguf(gguf));
        },
    };
}

/** Each rule of src/engine/modelHyperparameters.ts, on a file that crashed or hung llama.cpp without it. */
export const abortingCases: readonly AbortingCase[] = [
    aborting("block-count-zero", "llama.block_count = 0", "stories260K", "aborts", /"llama.block_count" is 0; llama.cpp accepts 1 to 512 layers/, () => ({ "llama.block_count": gv.u32(0) })),
    aborting("block-count-huge", "llama.block_count of 4 billion", "stories260K", "aborts", /"llama.block_count" is 4000000000/, () => ({ "llama.block_count": gv.u32(4_000_000_000) })),
    aborting("nextn-above-layers", "more next-token prediction layers than layers", "stories260K", "aborts", /"llama.nextn_predict_layers" is 1000, more than the 5 layers/, () => ({ "llama.nextn_predict_layers": gv.u32(1000) })),
    aborting("experts-used-without-count", "llama.expert_used_count without llama.expert_count", "stories260K", "aborts", /"llama.expert_used_count" is 2, but the file has no experts/, () => ({ "llama.expert_used_count": gv.u32(2) })),
    aborting("experts-used-above-count", "4 experts used of 2", "stories260K", "aborts", /"llama.expert_used_count" is 4, more than the 2 experts/, () => ({ "llama.expert_count": gv.u32(2), "llama.expert_used_count": gv.u32(4) })),
    aborting("experts-used-per-layer-above-count", "a per-layer expert_used_count above expert_count", "stories260K", "aborts", /"llama.expert_used_count" is 3, more than the 2 experts/, () => ({ "llama.expert_count": gv.u32(2), "llama.expert_used_count": gv.numbers("u32", [1, 1, 1, 1, 3]) })),
    aborting("experts-none-used", "4 experts and none used", "stories260K", "aborts", /"llama.expert_count" is 4, but "llama.expert_used_count" is missing or 0/, () => ({ "llama.expert_count": gv.u32(4) })),
    aborting("expert-groups-without-experts", "expert groups without experts", "stories260K", "aborts", /"llama.expert_group_count" is 2, but the file has no experts/, () => ({ "llama.expert_group_count": gv.u32(2) })),
    aborting("head-count-zero", "llama.attention.head_count = 0", "stories260K", "aborts", /"llama.attention.head_count" is 0/, () => ({ "llama.attention.head_count": gv.u32(0) })),
    aborting("head-count-kv-zero", "llama.attention.head_count_kv = 0", "stories260K", "aborts", /"llama.attention.head_count_kv" is 0/, () => ({ "llama.attention.head_count_kv": gv.u32(0) })),
    aborting("head-count-kv-wraps", "2^31 key-value heads (32-bit sizes wrap to 0)", "stories260K", "aborts", /"llama.attention.head_count_kv" is 2147483648, more than the 8 attention heads/, () => ({ "llama.attention.head_count_kv": gv.u32(2 ** 31) })),
    aborting("feed-forward-zero", "llama.feed_forward_length = 0", "stories260K", "aborts", /"llama.feed_forward_length" is 0/, () => ({ "llama.feed_forward_length": gv.u32(0) })),
    aborting("value-length-zero", "llama.attention.value_length = 0", "stories260K", "aborts", /"llama.attention.value_length" is 0/, () => ({ "llama.attention.value_length": gv.u32(0) })),
    aborting("rope-scaling-unknown", "llama.rope.scaling.type = \"bogus\"", "stories260K", "aborts", /"llama.rope.scaling.type" is "bogus"; llama.cpp knows "none", "linear", "yarn", "longrope"/, () => ({ "llama.rope.scaling.type": gv.str("bogus") })),
    aborting("duplicate-token", "two tokens with the same text", "stories260K", "aborts", /tokens 510 and 511 of "tokenizer.ggml.tokens" are both/, (gguf) => {
        const tokens = readStringArray(gguf, "tokenizer.ggml.tokens");
        tokens[tokens.length - 1] = tokens[tokens.length - 2] ?? "";
        return { "tokenizer.ggml.tokens": gv.strings(tokens) };
    }),
    aborting("embedding-zero", "phi3.embedding_length = 0", "phi3", "aborts", /"phi3.embedding_length" is 0/, () => ({ "phi3.embedding_length": gv.u32(0) })),
    aborting("heads-wider-than-embedding", "more attention heads than embedding dimensions (gemma)", "gemma", "aborts", /"gemma.attention.head_count" is 128, more than the 64 of "gemma.embedding_length"/, () => ({ "gemma.attention.head_count": gv.u32(128), "gemma.attention.head_count_kv": gv.u32(128) })),
    aborting("key-value-head-sizes-differ", "phi3 key heads of 8 with value heads of 16", "phi3", "aborts", /key and value head sizes differ \(8 and 16\)/, () => ({ "phi3.attention.key_length": gv.u32(8) })),
    aborting("feed-forward-narrower-than-weights", "phi3.feed_forward_length of 8 for 128-wide Q8_0 weights", "phi3", "aborts", /"phi3.feed_forward_length" is 8, but the feed-forward weights of layer 0 are 128 wide/, () => ({ "phi3.feed_forward_length": gv.u32(8) })),
    aborting("experts-narrower-than-weights", "a Mixtral-style file whose feed_forward_length is 8 for 128-wide experts", "mixtral", "aborts", /"llama.feed_forward_length" is 8, but the experts' feed-forward weights of layer 0 are 128 wide/, () => ({ "llama.feed_forward_length": gv.u32(8) })),
    aborting("embedding-narrower-than-weights", "mpt.embedding_length of 8 for 64-wide embeddings", "mpt", "aborts", /"mpt.embedding_length" is 8, but the token embeddings of the file are 64 wide/, () => ({ "mpt.embedding_length": gv.u32(8) })),
    aborting("rope-dimensions-zero", "gemma.rope.dimension_count = 0 (llama.cpp spins for ever)", "gemma", "hangs", /"gemma.rope.dimension_count" is 0; rotary dimensions come in pairs/, () => ({ "gemma.rope.dimension_count": gv.u32(0) })),
    aborting("rope-dimensions-odd", "gemma.rope.dimension_count = 3", "gemma", "aborts", /"gemma.rope.dimension_count" is 3; rotary dimensions come in pairs/, () => ({ "gemma.rope.dimension_count": gv.u32(3) })),
    aborting("rope-dimensions-above-head", "gemma.rope.dimension_count above the head size", "gemma", "aborts", /"gemma.rope.dimension_count" is 32, more than the head size 16/, () => ({ "gemma.rope.dimension_count": gv.u32(32) })),
];

export const hostileCases: readonly HostileCase[] = [
    {
        name: "zero-byte", what: "an empty file (an interrupted copy)",
        create: (dir) => writeCase(dir, "zero-byte.gguf", ""),
        expect: { code: "notGguf", says: /is empty \(0 bytes\).*Download the model again/ },
    },
    {
        name: "wrong-magic", what: "a text file named .gguf",
        create: (dir) => writeCase(dir, "wrong-magic.gguf", "This is not a model, just some text that is long enough to look like one."),
        expect: { code: "notGguf", says: /is not a GGUF file.*download the model's GGUF version/ },
    },
    {
        name: "old-ggjt", what: "a pre-GGUF llama.cpp file (ggjt magic)",
        create: (dir) => writeCase(dir, "old-ggjt.gguf", Buffer.concat([Buffer.from("tjgg", "latin1"), Buffer.alloc(60)])),
        expect: { code: "notGguf", says: /old GGML format.*Download the model's GGUF version/ },
    },
    {
        name: "safetensors", what: "a safetensors file renamed to .gguf",
        create: (dir) => {
            const json = Buffer.from('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
            return writeCase(dir, "safetensors.gguf", Buffer.concat([new RawBytes().u64(BigInt(json.length)).toBuffer(), json, Buffer.alloc(4)]));
        },
        expect: { code: "notGguf", says: /safetensors file.*GGUF version/ },
    },
    {
        name: "git-lfs-pointer", what: "a Git LFS pointer instead of the model",
        create: (dir) => writeCase(dir, "git-lfs-pointer.gguf", "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 4683073184\n"),
        expect: { code: "notGguf", says: /Git LFS pointer.*git lfs pull/ },
    },
    {
        name: "html-page", what: "an HTML error page saved by a download",
        create: (dir) => writeCase(dir, "html-page.gguf", "<!DOCTYPE html><html><body>Access denied</body></html>"),
        expect: { code: "notGguf", says: /web page.*Download the model again/ },
    },
    {
        name: "truncated-header", what: "only the first 16 bytes of a GGUF file",
        create: async (dir, goodModel) => writeCase(dir, "truncated-header.gguf", (await readFile(goodModel)).subarray(0, 16)),
        expect: { code: "notGguf", says: /cut off inside its GGUF header.*Download the model again/ },
    },
    {
        name: "truncated-metadata", what: "a GGUF file cut inside its metadata",
        create: async (dir, goodModel) => writeCase(dir, "truncated-metadata.gguf", (await readFile(goodModel)).subarray(0, 3000)),
        expect: damagedHeader(/"tokenizer.ggml.tokens".* (runs past the end of the file|bytes are left in the file)/),
    },
    {
        name: "truncated-tensor-data", what: "a GGUF file cut inside its tensor data (an interrupted download)",
        create: async (dir, goodModel) => {
            const bytes = await readFile(goodModel);
            return writeCase(dir, "truncated-tensor-data.gguf", bytes.subarray(0, Math.floor(bytes.length * 0.9)));
        },
        expect: { code: "loadFailed", says: /is truncated: its tensors need \d+ bytes but the file has only \d+ \(tensor ".+" is cut off\).*download the model again/ },
    },
    derived("version-1", "GGUF version 1", { code: "notGguf", says: /GGUF version 1;.*no longer supported.*Download a current GGUF version/ }, (gguf) => { gguf.version = 1; }),
    derived("version-999", "an unknown future GGUF version", { code: "notGguf", says: /GGUF version 999;.*reads versions 2 and 3/ }, (gguf) => { gguf.version = 999; }),
    derived("big-endian", "a big-endian GGUF file", { code: "notGguf", says: /big-endian/ }, (gguf) => { gguf.version = 0x03000000; }),
    derived("tensor-count-huge", "a tensor count of 2^63", damagedHeader(/the tensor count at byte 8 is 9223372036854775808/), (gguf) => { gguf.tensorCount = 1n << 63n; }),
    derived("entry-count-huge", "a metadata count of 2^64-1", damagedHeader(/the metadata count at byte 16 is 18446744073709551615/), (gguf) => { gguf.entryCount = (1n << 64n) - 1n; }),
    derived("array-billions", "a metadata array claiming 4 billion elements", damagedHeader(/element count of "tokenizer.ggml.scores" .* is 4000000000/), (gguf) => {
        const index = gguf.entries.findIndex((entry) => entry.key === "tokenizer.ggml.scores");
        gguf.entries[index] = { key: "tokenizer.ggml.scores", typeId: 9, payload: new RawBytes().u32(6).u64(4_000_000_000n).toBuffer() };
    }),
    derived("string-array-billions", "a string array claiming 2^40 strings", damagedHeader(/element count of "tokenizer.ggml.tokens" .* is 1099511627776/), (gguf) => {
        const index = gguf.entries.findIndex((entry) => entry.key === "tokenizer.ggml.tokens");
        gguf.entries[index] = { key: "tokenizer.ggml.tokens", typeId: 9, payload: new RawBytes().u32(8).u64(1n << 40n).toBuffer() };
    }),
    derived("huge-string-length", "a string value claiming 2^62 bytes", damagedHeader(/length of "general.architecture" .* is 4611686018427387904/), (gguf) => {
        const index = gguf.entries.findIndex((entry) => entry.key === "general.architecture");
        gguf.entries[index] = { key: "general.architecture", typeId: 8, payload: new RawBytes().u64(1n << 62n).raw("llama").toBuffer() };
    }),
    {
        name: "huge-key-length", what: "a metadata key claiming 2^50 bytes",
        create: (dir) => writeCase(dir, "huge-key-length.gguf", header(3, 0n, 1n, (bytes) => bytes.u64(1n << 50n).raw("general.name"))),
        expect: damagedHeader(/the length of metadata key #0 at byte 24 is 1125899906842624/),
    },
    derived("invalid-utf8-key", "a metadata key that is not UTF-8", damagedHeader(/metadata key #19 at byte \d+ is not valid UTF-8/), (gguf) => {
        gguf.entries.push(rawEntry(Buffer.from([0x67, 0xff, 0xfe, 0xc3, 0x28]), gv.u32(1)));
    }),
    derived("duplicate-key", "the same metadata key twice", damagedHeader(/metadata key "general.architecture" appears twice/), (gguf) => {
        gguf.entries.push(rawEntry("general.architecture", gv.str("llama")));
    }),
    derived("unknown-value-type", "a metadata value of type 99", damagedHeader(/"general.weird" has the unknown value type 99/), (gguf) => {
        gguf.entries.push({ key: "general.weird", typeId: 99, payload: Buffer.alloc(8) });
    }),
    derived("nested-array", "an array of arrays", damagedHeader(/"general.nested" is an array of arrays/), (gguf) => {
        gguf.entries.push(rawEntry("general.nested", gv.arrays([gv.numbers("u8", [1])])));
    }),
    derived("alignment-not-power-of-two", "general.alignment = 3", damagedHeader(/"general.alignment" is 3, which is not a power of two/), (gguf) => {
        gguf.entries.push(rawEntry("general.alignment", gv.u32(3)));
    }),
    derived("alignment-wrong-type", "general.alignment as a string", damagedHeader(/"general.alignment" must be a u32/), (gguf) => {
        gguf.entries.push(rawEntry("general.alignment", gv.str("32")));
    }),
    derived("absurd-dimensions", "a tensor of 2^40 x 2^40 elements", damagedHeader(/tensor "token_embd.weight" has an impossible shape/), (gguf) => {
        const index = tensorIndex(gguf, "token_embd.weight");
        gguf.tensors[index] = { ...gguf.tensors[index]!, dims: [1n << 40n, 1n << 40n] };
    }),
    derived("negative-dimension", "a tensor dimension of -1", damagedHeader(/tensor "output_norm.weight" has a negative dimension \(-1\)/), (gguf) => {
        const index = tensorIndex(gguf, "output_norm.weight");
        gguf.tensors[index] = { ...gguf.tensors[index]!, dims: [(1n << 64n) - 1n] };
    }),
    derived("too-many-dimensions", "a tensor with 9 dimensions", damagedHeader(/tensor "output_norm.weight" has 9 dimensions \(at most 4\)/), (gguf) => {
        const index = tensorIndex(gguf, "output_norm.weight");
        gguf.tensors[index] = { ...gguf.tensors[index]!, nDims: 9 };
    }),
    derived("unknown-tensor-type", "a tensor of ggml type 200", damagedHeader(/tensor "output_norm.weight" has the unknown tensor type 200/), (gguf) => {
        const index = tensorIndex(gguf, "output_norm.weight");
        gguf.tensors[index] = { ...gguf.tensors[index]!, typeId: 200 };
    }),
    derived("offset-past-end", "a tensor offset 1 TiB past the end", { code: "notGguf", says: /damaged GGUF header: tensor "output.weight" starts at data offset 1099511627776/ }, (gguf) => {
        const index = tensorIndex(gguf, "output.weight");
        gguf.tensors[index] = { ...gguf.tensors[index]!, offset: 1024n * GIB };
    }),
    derived("misaligned-offset", "a tensor offset off by one", damagedHeader(/tensor "output.weight" starts at data offset \d+, but the tensors before it end at/), (gguf) => {
        const index = tensorIndex(gguf, "output.weight");
        gguf.tensors[index] = { ...gguf.tensors[index]!, offset: gguf.tensors[index]!.offset + 1n };
    }),
    derived("duplicate-tensor", "the same tensor name twice", damagedHeader(/tensor "output_norm.weight" appears twice/), (gguf) => {
        const index = tensorIndex(gguf, "output.weight");
        gguf.tensors[index] = { ...gguf.tensors[index]!, name: "output_norm.weight" };
    }),
    derived("long-tensor-name", "a tensor name of 300 bytes", damagedHeader(/the name of tensor #\d+ .* is 300 bytes long \(at most 63\)/), (gguf) => {
        const index = tensorIndex(gguf, "output.weight");
        gguf.tensors[index] = { ...gguf.tensors[index]!, name: "x".repeat(300) };
    }),
    {
        name: "sparse-huge-array", what: "a 16 GiB sparse file whose header claims 2^30 strings (each check must stay bounded)",
        create: async (dir) => {
            const path = await writeCase(dir, "sparse-huge-array.gguf", header(3, 0n, 1n, (bytes) => bytes.str("tokenizer.ggml.tokens").u32(9).u32(8).u64(1n << 30n)));
            await truncate(path, Number(16n * GIB));
            return path;
        },
        expect: beyondLimits(/"tokenizer.ggml.tokens" has 1073741824 entries; Hearth reads at most 524288/),
    },
    {
        name: "vocabulary-4m", what: "a vocabulary of 4 million tokens (describing it took 7.3 s of a stalled engine)",
        create: (dir, goodModel) => writeHugeVocabulary(dir, goodModel, "vocabulary-4m", 4_000_000),
        expect: beyondLimits(/"tokenizer.ggml.tokens" has 4000000 entries; Hearth reads at most 524288/),
    },
    {
        name: "vocabulary-above-embeddings", what: "300,000 tokens for a model with 512 embeddings",
        create: (dir, goodModel) => writeHugeVocabulary(dir, goodModel, "vocabulary-above-embeddings", 300_000),
        expect: doesNotHoldTogether(/"tokenizer.ggml.tokens" has 300000 tokens, but token_embd.weight has embeddings for 512/),
    },
    // llama.cpp refused it too, after parsing the whole vocabulary.
    derived("wrong-shape", "token_embd.weight with its dimensions swapped", doesNotHoldTogether(/has 512 tokens, but token_embd.weight has embeddings for 64/), (gguf) => {
        const index = tensorIndex(gguf, "token_embd.weight");
        gguf.tensors[index] = { ...gguf.tensors[index]!, dims: [...gguf.tensors[index]!.dims].reverse() };
    }),
    {
        name: "directory", what: "a folder named model.gguf",
        create: async (dir) => {
            const path = join(dir, "directory.gguf");
            await mkdir(path);
            return path;
        },
        expect: { code: "notGguf", says: /is a folder, not a model file.*Select Model/ },
    },
    {
        name: "symlink-loop", what: "two links pointing at each other",
        create: async (dir) => {
            await symlink(join(dir, "loop-b.gguf"), join(dir, "loop-a.gguf"));
            await symlink(join(dir, "loop-a.gguf"), join(dir, "loop-b.gguf"));
            return join(dir, "loop-a.gguf");
        },
        expect: { code: "notGguf", says: /symbolic link loop.*Fix or delete the link/ },
    },
    {
        name: "dangling-symlink", what: "a link to a file that was moved away",
        create: async (dir) => {
            const path = join(dir, "dangling.gguf");
            await symlink(join(dir, "moved-away.gguf"), path);
            return path;
        },
        expect: { code: "modelNotFound", says: /not found.*a link may point to a file that was moved/ },
    },
    {
        name: "named-pipe", what: "a FIFO named model.gguf (opening it would wait for a writer forever)",
        create: async (dir) => {
            const path = join(dir, "named-pipe.gguf");
            execFileSync("mkfifo", [path]);
            return path;
        },
        expect: { code: "notGguf", says: /is a named pipe, not a model file/ },
        skipReason: () => process.platform === "win32" ? "no named pipes in folders on Windows" : undefined,
    },
    {
        name: "unreadable", what: "a model file without read permission",
        create: async (dir, goodModel) => {
            const path = await writeCase(dir, "unreadable.gguf", await readFile(goodModel));
            const handle = await open(path, "r");
            await handle.chmod(0o000);
            await handle.close();
            return path;
        },
        expect: { code: "modelNotFound", says: /may not read .*EACCES.*permissions/ },
        needsPermissionChecks: true,
        skipReason: () => process.platform === "win32" ? "no POSIX permissions on Windows" : undefined,
    },
];

const llamaCppRefuses: HostileExpectation = { code: "loadFailed", says: /llama\.cpp could not load .*corrupt, truncated, or of an architecture.*download it again or pick another model/ };

/**
 * Files whose GGUF structure is sound but whose model is not: they reach node-llama-cpp and
 * llama.cpp, which must refuse them without taking the engine down.
 */
export const loaderCases: readonly HostileCase[] = [
    derived("missing-tensor", "a model without its last tensor", llamaCppRefuses, (gguf) => {
        gguf.tensors.pop();
    }),
    derived("no-tensors", "a model header without any tensor", llamaCppRefuses, (gguf) => {
        gguf.tensors = [];
        gguf.data = Buffer.alloc(0);
    }),
    derived("context-length-string", "llama.context_length stored as a string", llamaCppRefuses, (gguf) => {
        const index = gguf.entries.findIndex((entry) => entry.key === "llama.context_length");
        gguf.entries[index] = rawEntry("llama.context_length", gv.str("2048"));
    }),
    derived("tiny-vocabulary", "a vocabulary of 3 tokens for a 512-row embedding", llamaCppRefuses, (gguf) => {
        for (const [key, value] of [
            ["tokenizer.ggml.tokens", gv.strings(["<unk>", "<s>", "</s>"])],
            ["tokenizer.ggml.scores", gv.numbers("f32", [0, 0, 0])],
            ["tokenizer.ggml.token_type", gv.numbers("i32", [2, 3, 3])],
        ] as const) {
            const index = gguf.entries.findIndex((entry) => entry.key === key);
            gguf.entries[index] = rawEntry(key, value);
        }
    }),
];

/** A chat template that must not freeze the engine; `turnsBeforeTrouble` exchanges render fine first (0: it fails at load). */
export interface HostileTemplate {
    readonly name: string;
    readonly what: string;
    readonly template: string;
    readonly turnsBeforeTrouble: number;
    /** The warning the engine gives when it drops the template. */
    readonly warning: RegExp;
}

/** A loop of 10^12 empty iterations: hours of Jinja. */
const ENDLESS = "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}{% for l in range(1000) %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}";
/** Few steps, each slow: a 2-million-character text upper-cased a million times (about half an hour). */
const SLOW = "{% set ns = namespace(s='x') %}{% for i in range(21) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{% for i in range(1000) %}{% for j in range(1000) %}{% set y = ns.s|upper %}{% endfor %}{% endfor %}";
const TURNS = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}</s>{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";
const afterNineMessages = (body: string) => `{% for m in messages %}{% if loop.index > 9 %}${body}{% endif %}<|{{ m.role }}|>{{ m.content }}</s>{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}`;

export const hostileTemplates: readonly HostileTemplate[] = [
    { name: "template-endless-loop", what: "a template that loops for hours", template: `${ENDLESS}${TURNS}`, turnsBeforeTrouble: 0, warning: /the template took more than 250000 steps|did not finish its checks within/ },
    { name: "template-slow", what: "a template whose every step is slow (half an hour)", template: `${SLOW}${TURNS}`, turnsBeforeTrouble: 0, warning: /did not finish its checks within \d+ s/ },
    { name: "template-huge-range", what: "a template that asks for a list of 10^8 numbers (it aborted the engine from a worker)", template: `{% for i in range(100000000) %}x{% endfor %}${TURNS}`, turnsBeforeTrouble: 0, warning: /range\(\) of 100000000 numbers is more than the 100000 a template may use/ },
    { name: "template-huge-text", what: "a template that doubles a text 40 times", template: `{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}${TURNS}`, turnsBeforeTrouble: 0, warning: /the template made a text of more than 4194304 characters/ },
    { name: "template-128kb-text", what: "128 KB of plain text as the template", template: "x".repeat(128 * 1024), turnsBeforeTrouble: 0, warning: /is 131072 bytes long, more than the 65536 Hearth runs/ },
    { name: "template-long-conversation", what: "a template that gets stuck once the conversation has more than 9 messages", template: afterNineMessages(SLOW), turnsBeforeTrouble: 4, warning: /did not finish rendering within 2 s/ },
    { name: "template-long-conversation-loop", what: "a template that loops once the conversation has more than 9 messages", template: afterNineMessages(ENDLESS), turnsBeforeTrouble: 4, warning: /the template took more than 250000 steps|did not finish rendering within 2 s/ },
    { name: "template-raises", what: "a template that raises an error once the conversation has more than 9 messages", template: afterNineMessages(`{{ raise_exception("too long") }}`), turnsBeforeTrouble: 4, warning: /failed: .*too long/ },
];

/** stories260K with `template` as its chat template. */
export async function writeWithChatTemplate(dir: string, goodModel: string, name: string, template: string): Promise<string> {
    const gguf = disassembleGguf(goodModel);
    setEntries(gguf, { "tokenizer.chat_template": gv.str(template) });
    return writeCase(dir, `${name}.gguf`, assembleGguf(gguf));
}

/** `goodModel` with its metadata FIM ids set to `ids`; `renamed` gives the last three tokens new texts. */
export async function writeWithFimIds(dir: string, goodModel: string, name: string, ids: readonly [number, number, number], renamed?: readonly [string, string, string]): Promise<string> {
    const gguf = disassembleGguf(goodModel);
    const values: Record<string, GgufValue> = {
        "tokenizer.ggml.fim_pre_token_id": gv.u32(ids[0]),
        "tokenizer.ggml.fim_suf_token_id": gv.u32(ids[1]),
        "tokenizer.ggml.fim_mid_token_id": gv.u32(ids[2]),
    };
    if (renamed) {
        const tokens = readStringArray(gguf, "tokenizer.ggml.tokens");
        tokens.splice(tokens.length - 3, 3, ...renamed);
        values["tokenizer.ggml.tokens"] = gv.strings(tokens);
    }
    setEntries(gguf, values);
    return writeCase(dir, `${name}.gguf`, assembleGguf(gguf));
}

/**
 * `goodModel` with its vocabulary padded to `count` distinct tokens (scores and types to match),
 * written straight as bytes: building millions of GgufValues would take longer than the test.
 */
export async function writeHugeVocabulary(dir: string, goodModel: string, name: string, count: number, options: { withTensors?: boolean } = {}): Promise<string> {
    const gguf = disassembleGguf(goodModel);
    const tokens = readStringArray(gguf, "tokenizer.ggml.tokens");
    const texts = Array.from({ length: count }, (_, index) => index < tokens.length ? tokens[index] ?? "" : `<hearth-pad-${index}>`);
    const array = Buffer.alloc(12 + texts.reduce((sum, text) => sum + 8 + Buffer.byteLength(text), 0));
    array.writeUInt32LE(8, 0);
    array.writeBigUInt64LE(BigInt(count), 4);
    let offset = 12;
    for (const text of texts) {
        const length = array.write(text, offset + 8, "utf8");
        array.writeUInt32LE(length, offset);
        offset += 8 + length;
    }
    const numbers = (typeId: number, fill: (index: number) => number, write: (buffer: Buffer, value: number, offset: number) => void) => {
        const values = Buffer.alloc(4 * count);
        for (let index = 0; index < count; index++) write(values, fill(index), index * 4);
        return Buffer.concat([new RawBytes().u32(typeId).u64(BigInt(count)).toBuffer(), values]);
    };
    const replace = (key: string, typeId: number, payload: Buffer) => {
        const index = gguf.entries.findIndex((entry) => entry.key === key);
        gguf.entries[index] = { key, typeId, payload };
    };
    replace("tokenizer.ggml.tokens", 9, array);
    replace("tokenizer.ggml.scores", 9, numbers(6, () => 0, (buffer, value, offset) => buffer.writeFloatLE(value, offset)));
    replace("tokenizer.ggml.token_type", 9, numbers(5, (index) => index < tokens.length ? 1 : 4, (buffer, value, offset) => buffer.writeInt32LE(value, offset)));
    if (options.withTensors === false) {
        gguf.tensors = [];
        gguf.data = Buffer.alloc(0);
    }
    return writeCase(dir, `${name}.gguf`, assembleGguf(gguf));
}
