/**
 * GGUF writer (version 3). Validates a recipe completely before writing, streams tensor data to a
 * temporary file next to the target and renames it into place, so an interrupted run never leaves
 * a partial file under the final name.
 * Layout facts: see types.ts (llama.cpp ggml/src/gguf.cpp, /work/shared/models/README.md).
 */

import { closeSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import {
    GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VALUE_TYPE_IDS, GGUF_VERSION, type GgufArrayValue, type GgufMetadataEntry,
    type GgufValue, type GgufValueTypeName, alignUp, elementCount, ggmlTypeByName, tensorByteLength
} from "./types";
import { encodeF16, encodeF32, encodeQ8_0 } from "./codec";

/** Raw tensor bytes produced in chunks (for tensors too large to hold in one buffer). */
export interface TensorStream {
    readonly byteLength: number;
    readonly chunks: () => Iterable<Uint8Array>;
}

/**
 * Tensor data: a Float32Array of values (encoded to the tensor type: F32, F16 or Q8_0),
 * a Uint8Array of raw bytes already in the tensor type, or a TensorStream of raw bytes.
 */
export type TensorData = Float32Array | Uint8Array | TensorStream;

export interface GgufTensorRecipe {
    readonly name: string;
    /** Dimensions, innermost first (ggml `ne`): a weight of shape [n_out][n_in] is [n_in, n_out]. */
    readonly dims: readonly number[];
    /** ggml type name: "F32", "F16", "Q8_0" (or another known type name when data is raw bytes). */
    readonly type: string;
    readonly data: TensorData;
}

export interface GgufRecipe {
    readonly metadata: readonly GgufMetadataEntry[];
    readonly tensors: readonly GgufTensorRecipe[];
    /** Check the keys llama.cpp requires for known architectures (default true). */
    readonly validateArchitecture?: boolean;
}

/** Thrown for recipes that would produce an invalid or unloadable GGUF file. */
export class GgufRecipeError extends Error {
    constructor(message: string) {
        super(`Invalid GGUF recipe: ${message}`);
        this.name = "GgufRecipeError";
    }
}

// ggml's GGML_MAX_NAME is 64 including the terminating NUL (ggml/include/ggml.h)
const MAX_TENSOR_NAME_BYTES = 63;
const MAX_DIMS = 4;

class ByteWriter {
    private chunks: Buffer[] = [];
    private cur = Buffer.alloc(1 << 16);
    private used = 0;
    length = 0;

    private room(n: number): void {
        if (this.used + n <= this.cur.length)
            return;
        this.chunks.push(this.cur.subarray(0, this.used));
        this.cur = Buffer.alloc(Math.max(1 << 16, n));
        this.used = 0;
    }

    u8(v: number): void { this.room(1); this.cur.writeUInt8(v, this.used); this.used += 1; this.length += 1; }
    i8(v: number): void { this.room(1); this.cur.writeInt8(v, this.used); this.used += 1; this.length += 1; }
    u16(v: number): void { this.room(2); this.cur.writeUInt16LE(v, this.used); this.used += 2; this.length += 2; }
    i16(v: number): void { this.room(2); this.cur.writeInt16LE(v, this.used); this.used += 2; this.length += 2; }
    u32(v: number): void { this.room(4); this.cur.writeUInt32LE(v, this.used); this.used += 4; this.length += 4; }
    i32(v: number): void { this.room(4); this.cur.writeInt32LE(v, this.used); this.used += 4; this.length += 4; }
    f32(v: number): void { this.room(4); this.cur.writeFloatLE(v, this.used); this.used += 4; this.length += 4; }
    f64(v: number): void { this.room(8); this.cur.writeDoubleLE(v, this.used); this.used += 8; this.length += 8; }
    u64(v: bigint): void { this.room(8); this.cur.writeBigUInt64LE(v, this.used); this.used += 8; this.length += 8; }
    i64(v: bigint): void { this.room(8); this.cur.writeBigInt64LE(v, this.used); this.used += 8; this.length += 8; }
    bytes(b: Uint8Array): void { this.room(b.length); this.cur.set(b, this.used); this.used += b.length; this.length += b.length; }
    zeros(n: number): void { this.bytes(new Uint8Array(n)); }
    string(s: string): void {
        const b = Buffer.from(s, "utf8");
        this.u64(BigInt(b.length));
        this.bytes(b);
    }

    toBuffer(): Buffer {
        return Buffer.concat([...this.chunks, this.cur.subarray(0, this.used)]);
    }
}

const INT_RANGES: Record<"u8" | "i8" | "u16" | "i16" | "u32" | "i32", readonly [number, number]> = {
    u8: [0, 0xff],
    i8: [-0x80, 0x7f],
    u16: [0, 0xffff],
    i16: [-0x8000, 0x7fff],
    u32: [0, 0xffffffff],
    i32: [-0x80000000, 0x7fffffff]
};

function checkNumber(where: string, type: GgufValueTypeName, v: unknown): void {
    if (type === "f32" || type === "f64") {
        if (typeof v !== "number")
            throw new GgufRecipeError(`${where}: ${type} value must be a number, got ${typeof v}`);
        return;
    }
    if (type === "u64" || type === "i64") {
        if (typeof v !== "bigint")
            throw new GgufRecipeError(`${where}: ${type} value must be a bigint, got ${typeof v}`);
        const ok = type === "u64"
            ? v >= 0n && v <= 0xffffffffffffffffn
            : v >= -0x8000000000000000n && v <= 0x7fffffffffffffffn;
        if (!ok)
            throw new GgufRecipeError(`${where}: ${v} is out of range for ${type}`);
        return;
    }
    if (type === "u8" || type === "i8" || type === "u16" || type === "i16" || type === "u32" || type === "i32") {
        if (typeof v !== "number" || !Number.isInteger(v))
            throw new GgufRecipeError(`${where}: ${type} value must be an integer, got ${String(v)}`);
        const [lo, hi] = INT_RANGES[type];
        if (v < lo || v > hi)
            throw new GgufRecipeError(`${where}: ${v} is out of range for ${type} [${lo}, ${hi}]`);
    }
}

function validateArray(where: string, a: GgufArrayValue, depth: number): void {
    if (depth > 16)
        throw new GgufRecipeError(`${where}: arrays nested too deeply`);
    if (!(a.itemType in GGUF_VALUE_TYPE_IDS))
        throw new GgufRecipeError(`${where}: unknown array item type ${String(a.itemType)}`);
    if (a.itemType === "array") {
        a.values.forEach((v, i) => validateArray(`${where}[${i}]`, v, depth + 1));
        return;
    }
    if (a.itemType === "string") {
        a.values.forEach((v, i) => {
            if (typeof v !== "string")
                throw new GgufRecipeError(`${where}[${i}]: expected a string`);
        });
        return;
    }
    if (a.itemType === "bool") {
        a.values.forEach((v, i) => {
            if (typeof v !== "boolean")
                throw new GgufRecipeError(`${where}[${i}]: expected a boolean`);
        });
        return;
    }
    const itemType = a.itemType;
    a.values.forEach((v, i) => checkNumber(`${where}[${i}]`, itemType, v));
}

function validateValue(where: string, v: GgufValue): void {
    if (!(v.type in GGUF_VALUE_TYPE_IDS))
        throw new GgufRecipeError(`${where}: unknown metadata value type ${String(v.type)}`);
    switch (v.type) {
        case "string":
            if (typeof v.value !== "string")
                throw new GgufRecipeError(`${where}: string value expected`);
            return;
        case "bool":
            if (typeof v.value !== "boolean")
                throw new GgufRecipeError(`${where}: boolean value expected`);
            return;
        case "array":
            validateArray(where, v, 0);
            return;
        default:
            checkNumber(where, v.type, v.value);
    }
}

function writeArrayItems(w: ByteWriter, a: GgufArrayValue): void {
    w.u32(GGUF_VALUE_TYPE_IDS[a.itemType]);
    w.u64(BigInt(a.values.length));
    switch (a.itemType) {
        case "string": for (const v of a.values) w.string(v); return;
        case "bool": for (const v of a.values) w.u8(v ? 1 : 0); return;
        case "u64": for (const v of a.values) w.u64(v); return;
        case "i64": for (const v of a.values) w.i64(v); return;
        case "array": for (const v of a.values) writeArrayItems(w, v); return;
        case "u8": for (const v of a.values) w.u8(v); return;
        case "i8": for (const v of a.values) w.i8(v); return;
        case "u16": for (const v of a.values) w.u16(v); return;
        case "i16": for (const v of a.values) w.i16(v); return;
        case "u32": for (const v of a.values) w.u32(v); return;
        case "i32": for (const v of a.values) w.i32(v); return;
        case "f32": for (const v of a.values) w.f32(v); return;
        case "f64": for (const v of a.values) w.f64(v); return;
    }
}

function writeValue(w: ByteWriter, v: GgufValue): void {
    switch (v.type) {
        case "u8": w.u8(v.value); return;
        case "i8": w.i8(v.value); return;
        case "u16": w.u16(v.value); return;
        case "i16": w.i16(v.value); return;
        case "u32": w.u32(v.value); return;
        case "i32": w.i32(v.value); return;
        case "f32": w.f32(v.value); return;
        case "f64": w.f64(v.value); return;
        case "u64": w.u64(v.value); return;
        case "i64": w.i64(v.value); return;
        case "bool": w.u8(v.value ? 1 : 0); return;
        case "string": w.string(v.value); return;
        case "array": writeArrayItems(w, v); return;
    }
}

function isTensorStream(d: TensorData): d is TensorStream {
    return !(d instanceof Uint8Array) && !(d instanceof Float32Array);
}

interface PreparedTensor {
    readonly recipe: GgufTensorRecipe;
    readonly typeId: number;
    readonly byteLength: number;
    offset: number;
}

/**
 * Architecture keys that llama.cpp reads with `required = true` for every model
 * (llama_model_base::load_hparams in src/llama-model.cpp: context_length, embedding_length,
 * block_count) plus the per-architecture norm epsilon key read by load_arch_hparams
 * (src/models/<arch>.cpp). Attention head count is optional there but every architecture
 * we generate needs it, so it is required here as well.
 */
const ARCH_NORM_KEY: Record<string, string> = {
    llama: "attention.layer_norm_rms_epsilon",
    qwen2: "attention.layer_norm_rms_epsilon",
    phi3: "attention.layer_norm_rms_epsilon",
    gemma: "attention.layer_norm_rms_epsilon",
    mpt: "attention.layer_norm_epsilon",
    falcon: "attention.layer_norm_epsilon",
    starcoder2: "attention.layer_norm_epsilon"
};

function validateArchitectureKeys(recipe: GgufRecipe, keys: Map<string, GgufValue>): void {
    const arch = keys.get("general.architecture");
    if (arch === undefined) {
        if (recipe.tensors.length > 0)
            throw new GgufRecipeError("missing general.architecture (llama.cpp cannot load a model without it)");
        return;
    }
    if (arch.type !== "string")
        throw new GgufRecipeError("general.architecture must be a string");
    const type = keys.get("general.type");
    if (type !== undefined && type.type === "string" && type.value === "adapter") {
        for (const k of ["adapter.type"])
            if (!keys.has(k))
                throw new GgufRecipeError(`adapter file is missing ${k}`);
        return;
    }
    if (recipe.tensors.length === 0)
        return; // vocab-only file
    const normKey = ARCH_NORM_KEY[arch.value];
    if (normKey === undefined)
        return; // unknown to this validator: not checked
    const required = ["context_length", "embedding_length", "block_count", "attention.head_count", normKey]
        .map((k) => `${arch.value}.${k}`);
    required.push("tokenizer.ggml.model", "tokenizer.ggml.tokens");
    const missing = required.filter((k) => !keys.has(k));
    if (missing.length > 0)
        throw new GgufRecipeError(`architecture ${arch.value} requires metadata keys: ${missing.join(", ")}`);
    const tokens = keys.get("tokenizer.ggml.tokens");
    const embd = recipe.tensors.find((t) => t.name === "token_embd.weight");
    if (tokens !== undefined && tokens.type === "array" && embd !== undefined && embd.dims[1] !== tokens.values.length)
        throw new GgufRecipeError(`token_embd.weight has ${String(embd.dims[1])} rows but the vocabulary has ${tokens.values.length} tokens`);
}

/** Validates a recipe; returns the alignment and prepared tensor layout. Throws GgufRecipeError. */
export function validateGgufRecipe(recipe: GgufRecipe): { alignment: number; tensors: PreparedTensor[] } {
    const keys = new Map<string, GgufValue>();
    for (const [i, e] of recipe.metadata.entries()) {
        if (typeof e.key !== "string" || e.key.length === 0)
            throw new GgufRecipeError(`metadata entry #${i} has an empty key`);
        if (keys.has(e.key))
            throw new GgufRecipeError(`duplicate metadata key "${e.key}"`);
        validateValue(`metadata "${e.key}"`, e.value);
        keys.set(e.key, e.value);
    }

    let alignment = GGUF_DEFAULT_ALIGNMENT;
    const al = keys.get("general.alignment");
    if (al !== undefined) {
        if (al.type !== "u32")
            throw new GgufRecipeError("general.alignment must be a u32");
        if (al.value === 0 || (al.value & (al.value - 1)) !== 0)
            throw new GgufRecipeError(`general.alignment ${al.value} is not a power of two`);
        alignment = al.value;
    }

    const names = new Set<string>();
    const tensors: PreparedTensor[] = [];
    for (const t of recipe.tensors) {
        const where = `tensor "${t.name}"`;
        if (typeof t.name !== "string" || t.name.length === 0)
            throw new GgufRecipeError("a tensor has an empty name");
        if (Buffer.byteLength(t.name, "utf8") > MAX_TENSOR_NAME_BYTES)
            throw new GgufRecipeError(`${where}: name is longer than ${MAX_TENSOR_NAME_BYTES} bytes`);
        if (names.has(t.name))
            throw new GgufRecipeError(`duplicate tensor name "${t.name}"`);
        names.add(t.name);
        if (t.dims.length === 0 || t.dims.length > MAX_DIMS)
            throw new GgufRecipeError(`${where}: must have 1 to ${MAX_DIMS} dimensions, got ${t.dims.length}`);
        for (const d of t.dims)
            if (!Number.isSafeInteger(d) || d <= 0)
                throw new GgufRecipeError(`${where}: dimension ${String(d)} is not a positive integer`);
        let typeId: number;
        let blockSize: number;
        try {
            const info = ggmlTypeByName(t.type);
            typeId = info.id;
            blockSize = info.blockSize;
        } catch {
            throw new GgufRecipeError(`${where}: unknown tensor type "${t.type}"`);
        }
        const first = t.dims[0] ?? 1;
        if (first % blockSize !== 0)
            throw new GgufRecipeError(`${where}: ${t.type} needs the first dimension to be a multiple of ${blockSize}, got ${first}`);
        const byteLength = tensorByteLength(t.dims, typeId);
        const elements = elementCount(t.dims);
        const d = t.data;
        if (d instanceof Float32Array) {
            if (t.type !== "F32" && t.type !== "F16" && t.type !== "Q8_0")
                throw new GgufRecipeError(`${where}: cannot encode float data to ${t.type} (supported: F32, F16, Q8_0)`);
            if (d.length !== elements)
                throw new GgufRecipeError(`${where}: has ${d.length} values but dims [${t.dims.join(", ")}] need ${elements}`);
        } else if (d instanceof Uint8Array) {
            if (d.byteLength !== byteLength)
                throw new GgufRecipeError(`${where}: has ${d.byteLength} bytes but dims [${t.dims.join(", ")}] of ${t.type} need ${byteLength}`);
        } else if (d.byteLength !== byteLength) {
            throw new GgufRecipeError(`${where}: stream declares ${d.byteLength} bytes but dims [${t.dims.join(", ")}] of ${t.type} need ${byteLength}`);
        }
        tensors.push({ recipe: t, typeId, byteLength, offset: 0 });
    }

    if (recipe.validateArchitecture !== false)
        validateArchitectureKeys(recipe, keys);

    let offset = 0;
    for (const t of tensors) {
        t.offset = offset;
        offset = alignUp(offset + t.byteLength, alignment);
    }
    return { alignment, tensors };
}

function encodeTensor(t: PreparedTensor): Uint8Array {
    const d = t.recipe.data;
    if (d instanceof Float32Array) {
        switch (t.recipe.type) {
            case "F32": return encodeF32(d);
            case "F16": return encodeF16(d);
            default: return encodeQ8_0(d);
        }
    }
    if (d instanceof Uint8Array)
        return d;
    throw new Error("unreachable: streams are written chunk by chunk");
}

function writeAll(fd: number, data: Uint8Array): void {
    let written = 0;
    while (written < data.byteLength)
        written += writeSync(fd, data, written, data.byteLength - written);
}

/** Serializes the header (magic .. tensor infos, padded to alignment). */
function buildHeader(recipe: GgufRecipe, alignment: number, tensors: readonly PreparedTensor[]): Buffer {
    const w = new ByteWriter();
    w.bytes(Buffer.from(GGUF_MAGIC, "latin1"));
    w.u32(GGUF_VERSION);
    w.u64(BigInt(tensors.length));
    w.u64(BigInt(recipe.metadata.length));
    for (const e of recipe.metadata) {
        w.string(e.key);
        w.u32(GGUF_VALUE_TYPE_IDS[e.value.type]);
        writeValue(w, e.value);
    }
    for (const t of tensors) {
        w.string(t.recipe.name);
        w.u32(t.recipe.dims.length);
        for (const d of t.recipe.dims)
            w.u64(BigInt(d));
        w.u32(t.typeId);
        w.u64(BigInt(t.offset));
    }
    // The data section starts aligned. A file without tensors has no data section; like gguf-py
    // (and the vocab files in llama.cpp's models/ folder) we then write no padding.
    if (tensors.length > 0)
        w.zeros(alignUp(w.length, alignment) - w.length);
    return w.toBuffer();
}

/**
 * Writes `recipe` to `path` atomically (temp file + rename). Throws GgufRecipeError for an
 * inconsistent recipe before anything is written.
 */
export function writeGgufFile(path: string, recipe: GgufRecipe): void {
    const { alignment, tensors } = validateGgufRecipe(recipe);
    const header = buildHeader(recipe, alignment, tensors);
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    const fd = openSync(tmp, "wx");
    let ok = false;
    try {
        writeAll(fd, header);
        let pos = 0;
        for (const t of tensors) {
            if (pos < t.offset) {
                writeAll(fd, new Uint8Array(t.offset - pos));
                pos = t.offset;
            }
            const d = t.recipe.data;
            if (isTensorStream(d)) {
                let n = 0;
                for (const chunk of d.chunks()) {
                    n += chunk.byteLength;
                    if (n > t.byteLength)
                        throw new GgufRecipeError(`tensor "${t.recipe.name}": stream produced more than ${t.byteLength} bytes`);
                    writeAll(fd, chunk);
                }
                if (n !== t.byteLength)
                    throw new GgufRecipeError(`tensor "${t.recipe.name}": stream produced ${n} bytes, expected ${t.byteLength}`);
            } else {
                writeAll(fd, encodeTensor(t));
            }
            pos += t.byteLength;
        }
        // llama.cpp's gguf writer pads the data section so that the file ends on the alignment too
        const end = alignUp(pos, alignment);
        if (tensors.length > 0 && end > pos)
            writeAll(fd, new Uint8Array(end - pos));
        ok = true;
    } finally {
        closeSync(fd);
        if (!ok) {
            try {
                unlinkSync(tmp);
            } catch {
                // already gone
            }
        }
    }
    renameSync(tmp, path);
}
