/**
 * GGUF reader: parses the header, metadata and tensor infos of a GGUF file (v2/v3) without
 * loading the tensor data, and reads individual tensors on request.
 * Layout facts: see types.ts (llama.cpp ggml/src/gguf.cpp, gguf-py/gguf/gguf_reader.py).
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import {
    GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, type GgufArrayValue, type GgufMetadataEntry, type GgufValue, type GgufValueTypeName,
    alignUp, ggmlTypeInfo, tensorByteLength, valueTypeNameFromId
} from "./types";
import { decodeF16, decodeF32, decodeQ8_0 } from "./codec";

export interface GgufTensorInfo {
    readonly name: string;
    /** Dimensions, innermost (contiguous) first, as in GGUF / ggml `ne`. */
    readonly dims: readonly number[];
    readonly type: number;
    /** Offset relative to the start of the data section. */
    readonly offset: number;
    readonly byteLength: number;
}

export interface GgufFile {
    readonly path: string;
    readonly version: number;
    readonly metadata: readonly GgufMetadataEntry[];
    readonly tensors: readonly GgufTensorInfo[];
    readonly alignment: number;
    /** Absolute file offset of the data section. */
    readonly dataOffset: number;
    readonly fileSize: number;
}

const CHUNK = 1 << 20;

/** Sequential reader over a file descriptor with a sliding buffer. */
class Cursor {
    private buf: Buffer = Buffer.alloc(0);
    private bufStart = 0;
    pos = 0;

    constructor(private readonly fd: number, private readonly size: number, private readonly path: string) {}

    private ensure(n: number): void {
        const end = this.pos + n;
        if (end > this.size)
            throw new Error(`GGUF: unexpected end of file in ${this.path} at offset ${this.pos} (need ${n} bytes, file has ${this.size})`);
        if (this.pos >= this.bufStart && end <= this.bufStart + this.buf.length)
            return;
        const len = Math.min(Math.max(n, CHUNK), this.size - this.pos);
        const next = Buffer.alloc(len);
        let read = 0;
        while (read < len) {
            const r = readSync(this.fd, next, read, len - read, this.pos + read);
            if (r <= 0)
                throw new Error(`GGUF: short read in ${this.path}`);
            read += r;
        }
        this.buf = next;
        this.bufStart = this.pos;
    }

    private at(n: number): number {
        this.ensure(n);
        const o = this.pos - this.bufStart;
        this.pos += n;
        return o;
    }

    u8(): number { const o = this.at(1); return this.buf.readUInt8(o); }
    i8(): number { const o = this.at(1); return this.buf.readInt8(o); }
    u16(): number { const o = this.at(2); return this.buf.readUInt16LE(o); }
    i16(): number { const o = this.at(2); return this.buf.readInt16LE(o); }
    u32(): number { const o = this.at(4); return this.buf.readUInt32LE(o); }
    i32(): number { const o = this.at(4); return this.buf.readInt32LE(o); }
    f32(): number { const o = this.at(4); return this.buf.readFloatLE(o); }
    f64(): number { const o = this.at(8); return this.buf.readDoubleLE(o); }
    u64(): bigint { const o = this.at(8); return this.buf.readBigUInt64LE(o); }
    i64(): bigint { const o = this.at(8); return this.buf.readBigInt64LE(o); }

    /** u64 that must fit a JS number (counts, sizes, offsets). */
    size64(what: string): number {
        const v = this.u64();
        if (v > BigInt(Number.MAX_SAFE_INTEGER))
            throw new Error(`GGUF: ${what} ${v} is too large in ${this.path}`);
        return Number(v);
    }

    bytes(n: number): Buffer {
        const o = this.at(n);
        return this.buf.subarray(o, o + n);
    }

    string(): string {
        const len = this.size64("string length");
        return this.bytes(len).toString("utf8");
    }
}

function readArray(c: Cursor, depth: number): GgufArrayValue {
    if (depth > 16)
        throw new Error("GGUF: arrays nested too deeply");
    const itemType = valueTypeNameFromId(c.u32());
    const count = c.size64("array length");
    switch (itemType) {
        case "u8": case "i8": case "u16": case "i16": case "u32": case "i32": case "f32": case "f64": {
            const values: number[] = new Array<number>(count);
            for (let i = 0; i < count; i++)
                values[i] = readNumber(c, itemType);
            return { type: "array", itemType, values };
        }
        case "u64": case "i64": {
            const values: bigint[] = new Array<bigint>(count);
            for (let i = 0; i < count; i++)
                values[i] = itemType === "u64" ? c.u64() : c.i64();
            return { type: "array", itemType, values };
        }
        case "bool": {
            const values: boolean[] = new Array<boolean>(count);
            for (let i = 0; i < count; i++)
                values[i] = readBool(c);
            return { type: "array", itemType, values };
        }
        case "string": {
            const values: string[] = new Array<string>(count);
            for (let i = 0; i < count; i++)
                values[i] = c.string();
            return { type: "array", itemType, values };
        }
        case "array": {
            const values: GgufArrayValue[] = new Array<GgufArrayValue>(count);
            for (let i = 0; i < count; i++)
                values[i] = readArray(c, depth + 1);
            return { type: "array", itemType, values };
        }
    }
}

function readBool(c: Cursor): boolean {
    const b = c.u8();
    if (b > 1)
        throw new Error(`GGUF: invalid bool byte ${b}`);
    return b === 1;
}

function readNumber(c: Cursor, type: "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64"): number {
    switch (type) {
        case "u8": return c.u8();
        case "i8": return c.i8();
        case "u16": return c.u16();
        case "i16": return c.i16();
        case "u32": return c.u32();
        case "i32": return c.i32();
        case "f32": return c.f32();
        case "f64": return c.f64();
    }
}

function readValue(c: Cursor, type: GgufValueTypeName): GgufValue {
    switch (type) {
        case "u8": case "i8": case "u16": case "i16": case "u32": case "i32": case "f32": case "f64":
            return { type, value: readNumber(c, type) };
        case "u64": return { type, value: c.u64() };
        case "i64": return { type, value: c.i64() };
        case "bool": return { type, value: readBool(c) };
        case "string": return { type, value: c.string() };
        case "array": return readArray(c, 0);
    }
}

/** Reads the header, metadata and tensor infos of a GGUF file. */
export function readGgufFile(path: string): GgufFile {
    const fd = openSync(path, "r");
    try {
        const size = fstatSync(fd).size;
        const c = new Cursor(fd, size, path);
        const magic = c.bytes(4).toString("latin1");
        if (magic !== GGUF_MAGIC)
            throw new Error(`GGUF: ${path} is not a GGUF file (magic ${JSON.stringify(magic)})`);
        const version = c.u32();
        if (version !== 2 && version !== 3)
            throw new Error(`GGUF: unsupported version ${version} in ${path}`);
        const tensorCount = c.size64("tensor count");
        const kvCount = c.size64("metadata count");

        const metadata: GgufMetadataEntry[] = [];
        for (let i = 0; i < kvCount; i++) {
            const key = c.string();
            const type = valueTypeNameFromId(c.u32());
            metadata.push({ key, value: readValue(c, type) });
        }

        let alignment = GGUF_DEFAULT_ALIGNMENT;
        const alignEntry = metadata.find((e) => e.key === "general.alignment");
        if (alignEntry !== undefined) {
            if (alignEntry.value.type !== "u32")
                throw new Error(`GGUF: general.alignment must be u32 in ${path}`);
            alignment = alignEntry.value.value;
            if (alignment === 0 || (alignment & (alignment - 1)) !== 0)
                throw new Error(`GGUF: general.alignment ${alignment} is not a power of two in ${path}`);
        }

        const tensors: GgufTensorInfo[] = [];
        for (let i = 0; i < tensorCount; i++) {
            const name = c.string();
            const nDims = c.u32();
            if (nDims > 4)
                throw new Error(`GGUF: tensor ${name} has ${nDims} dims (max 4) in ${path}`);
            const dims: number[] = [];
            for (let d = 0; d < nDims; d++)
                dims.push(c.size64(`dimension of ${name}`));
            const type = c.u32();
            ggmlTypeInfo(type);
            const offset = c.size64(`offset of ${name}`);
            tensors.push({ name, dims, type, offset, byteLength: tensorByteLength(dims, type) });
        }

        const dataOffset = alignUp(c.pos, alignment);
        for (const t of tensors) {
            if (dataOffset + t.offset + t.byteLength > size)
                throw new Error(`GGUF: tensor ${t.name} extends past the end of ${path}`);
        }
        return { path, version, metadata, tensors, alignment, dataOffset, fileSize: size };
    } finally {
        closeSync(fd);
    }
}

export function getMetadata(file: GgufFile, key: string): GgufValue | undefined {
    return file.metadata.find((e) => e.key === key)?.value;
}

export function getString(file: GgufFile, key: string): string | undefined {
    const v = getMetadata(file, key);
    return v !== undefined && v.type === "string" ? v.value : undefined;
}

export function getNumber(file: GgufFile, key: string): number | undefined {
    const v = getMetadata(file, key);
    if (v === undefined)
        return undefined;
    switch (v.type) {
        case "u64": case "i64": return Number(v.value);
        case "bool": case "string": case "array": return undefined;
        default: return v.value;
    }
}

export function getStringArray(file: GgufFile, key: string): readonly string[] | undefined {
    const v = getMetadata(file, key);
    return v !== undefined && v.type === "array" && v.itemType === "string" ? v.values : undefined;
}

export function getNumberArray(file: GgufFile, key: string): readonly number[] | undefined {
    const v = getMetadata(file, key);
    if (v === undefined || v.type !== "array")
        return undefined;
    switch (v.itemType) {
        case "u8": case "i8": case "u16": case "i16": case "u32": case "i32": case "f32": case "f64":
            return v.values;
        default:
            return undefined;
    }
}

export function findTensor(file: GgufFile, name: string): GgufTensorInfo | undefined {
    return file.tensors.find((t) => t.name === name);
}

/** Raw bytes of one tensor. */
export function readTensorBytes(file: GgufFile, name: string): Buffer {
    const t = findTensor(file, name);
    if (t === undefined)
        throw new Error(`GGUF: no tensor named ${name} in ${file.path}`);
    const fd = openSync(file.path, "r");
    try {
        const out = Buffer.alloc(t.byteLength);
        let read = 0;
        while (read < t.byteLength) {
            const r = readSync(fd, out, read, t.byteLength - read, file.dataOffset + t.offset + read);
            if (r <= 0)
                throw new Error(`GGUF: short read of tensor ${name} in ${file.path}`);
            read += r;
        }
        return out;
    } finally {
        closeSync(fd);
    }
}

/** Tensor values as float32 (F32, F16 and Q8_0 only). */
export function readTensorF32(file: GgufFile, name: string): Float32Array {
    const t = findTensor(file, name);
    if (t === undefined)
        throw new Error(`GGUF: no tensor named ${name} in ${file.path}`);
    const bytes = readTensorBytes(file, name);
    switch (t.type) {
        case 0: return decodeF32(bytes);
        case 1: return decodeF16(bytes);
        case 8: return decodeQ8_0(bytes);
        default:
            throw new Error(`GGUF: cannot decode tensor ${name} of type ${ggmlTypeInfo(t.type).name} to float32`);
    }
}
