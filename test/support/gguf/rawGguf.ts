/**
 * Unchecked GGUF byte building, for hostile test files: unlike writer.ts nothing here is
 * validated, so a test can write any count, length, type id or offset it likes.
 */

import { readFileSync } from "node:fs";
import { GGUF_VALUE_TYPE_IDS, alignUp, type GgufArrayValue, type GgufValue } from "./types";
import { readGgufFile, type GgufTensorInfo } from "./reader";

/** Little-endian byte sink. */
export class RawBytes {
    private readonly parts: Buffer[] = [];

    get length(): number {
        return this.parts.reduce((sum, part) => sum + part.length, 0);
    }

    raw(bytes: Uint8Array | string): this {
        this.parts.push(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : Buffer.from(bytes));
        return this;
    }

    u8(value: number): this { const b = Buffer.alloc(1); b.writeUInt8(value); return this.raw(b); }
    u32(value: number): this { const b = Buffer.alloc(4); b.writeUInt32LE(value); return this.raw(b); }
    u64(value: bigint): this { const b = Buffer.alloc(8); b.writeBigUInt64LE(value); return this.raw(b); }

    /** A GGUF string: u64 length then the bytes (a Buffer allows invalid UTF-8). */
    str(value: string | Buffer): this {
        const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
        return this.u64(BigInt(bytes.length)).raw(bytes);
    }

    value(value: GgufValue): this {
        switch (value.type) {
            case "u8": return this.u8(value.value);
            case "i8": { const b = Buffer.alloc(1); b.writeInt8(value.value); return this.raw(b); }
            case "u16": { const b = Buffer.alloc(2); b.writeUInt16LE(value.value); return this.raw(b); }
            case "i16": { const b = Buffer.alloc(2); b.writeInt16LE(value.value); return this.raw(b); }
            case "u32": return this.u32(value.value);
            case "i32": { const b = Buffer.alloc(4); b.writeInt32LE(value.value); return this.raw(b); }
            case "f32": { const b = Buffer.alloc(4); b.writeFloatLE(value.value); return this.raw(b); }
            case "f64": { const b = Buffer.alloc(8); b.writeDoubleLE(value.value); return this.raw(b); }
            case "u64": return this.u64(value.value);
            case "i64": { const b = Buffer.alloc(8); b.writeBigInt64LE(value.value); return this.raw(b); }
            case "bool": return this.u8(value.value ? 1 : 0);
            case "string": return this.str(value.value);
            case "array": return this.array(value);
        }
    }

    private array(value: GgufArrayValue): this {
        this.u32(GGUF_VALUE_TYPE_IDS[value.itemType]).u64(BigInt(value.values.length));
        switch (value.itemType) {
            case "string": for (const item of value.values) this.str(item); return this;
            case "bool": for (const item of value.values) this.u8(item ? 1 : 0); return this;
            case "u64": case "i64": for (const item of value.values) this.value({ type: value.itemType, value: item }); return this;
            case "array": for (const item of value.values) this.array(item); return this;
            default: for (const item of value.values) this.value({ type: value.itemType, value: item }); return this;
        }
    }

    toBuffer(): Buffer {
        return Buffer.concat(this.parts);
    }
}

/** One metadata entry as raw parts, so that keys, type ids and payloads can be anything. */
export interface RawEntry {
    readonly key: string | Buffer;
    readonly typeId: number;
    readonly payload: Buffer;
}

export function rawEntry(key: string | Buffer, value: GgufValue): RawEntry {
    return { key, typeId: GGUF_VALUE_TYPE_IDS[value.type], payload: new RawBytes().value(value).toBuffer() };
}

/** One tensor info as raw numbers (dims and offset as u64). */
export interface RawTensorInfo {
    readonly name: string | Buffer;
    readonly nDims?: number;
    readonly dims: readonly bigint[];
    readonly typeId: number;
    readonly offset: bigint;
}

/** A GGUF file taken apart: everything can be changed before it is put together again. */
export interface RawGguf {
    magic: string;
    version: number;
    /** Written instead of the real counts when set. */
    tensorCount?: bigint;
    entryCount?: bigint;
    entries: RawEntry[];
    tensors: RawTensorInfo[];
    alignment: number;
    /** The data section, written after the header padded to `alignment`. */
    data: Buffer;
}

/** Takes a real GGUF file apart (its tensor data is kept as one buffer). */
export function disassembleGguf(path: string): RawGguf {
    const file = readGgufFile(path);
    const bytes = readFileSync(path);
    return {
        magic: "GGUF",
        version: file.version,
        entries: file.metadata.map((entry) => rawEntry(entry.key, entry.value)),
        tensors: file.tensors.map((tensor: GgufTensorInfo) => ({
            name: tensor.name, dims: tensor.dims.map(BigInt), typeId: tensor.type, offset: BigInt(tensor.offset),
        })),
        alignment: file.alignment,
        data: bytes.subarray(file.dataOffset),
    };
}

export function assembleGguf(gguf: RawGguf): Buffer {
    const out = new RawBytes().raw(gguf.magic).u32(gguf.version)
        .u64(gguf.tensorCount ?? BigInt(gguf.tensors.length))
        .u64(gguf.entryCount ?? BigInt(gguf.entries.length));
    for (const entry of gguf.entries) out.str(entry.key).u32(entry.typeId).raw(entry.payload);
    for (const tensor of gguf.tensors) {
        out.str(tensor.name).u32(tensor.nDims ?? tensor.dims.length);
        for (const dim of tensor.dims) out.u64(dim);
        out.u32(tensor.typeId).u64(tensor.offset);
    }
    if (gguf.data.length > 0) out.raw(new Uint8Array(alignUp(out.length, gguf.alignment) - out.length)).raw(gguf.data);
    return out.toBuffer();
}
