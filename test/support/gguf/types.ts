/**
 * GGUF value and tensor type tables.
 *
 * Facts taken from llama.cpp (ggml/include/gguf.h, ggml/src/ggml.c type traits,
 * gguf-py/gguf/constants.py) as shipped in node-llama-cpp 3.21.1's bundled
 * llama.cpp sources, and from /work/shared/models/README.md:
 *   header "GGUF", u32 version (3), u64 tensor count, u64 metadata count;
 *   metadata = string key, u32 value type, value;
 *   value types 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 8 string,
 *   9 array (u32 item type, u64 count, items), 10 u64, 11 i64, 12 f64;
 *   strings are u64 length + UTF-8 bytes (no terminator);
 *   tensor info = name, u32 n_dims, u64 dims (innermost first), u32 ggml type, u64 offset
 *   relative to the start of the (aligned) data section; alignment `general.alignment`, default 32.
 */

export const GGUF_MAGIC = "GGUF";
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

export const GGUF_VALUE_TYPE_IDS = {
    u8: 0,
    i8: 1,
    u16: 2,
    i16: 3,
    u32: 4,
    i32: 5,
    f32: 6,
    bool: 7,
    string: 8,
    array: 9,
    u64: 10,
    i64: 11,
    f64: 12
} as const;

export type GgufValueTypeName = keyof typeof GGUF_VALUE_TYPE_IDS;
export type GgufNumberTypeName = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64";
export type GgufBigIntTypeName = "u64" | "i64";

const VALUE_TYPE_NAMES: readonly GgufValueTypeName[] = [
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"
];

export function valueTypeNameFromId(id: number): GgufValueTypeName {
    const name = VALUE_TYPE_NAMES[id];
    if (name === undefined)
        throw new Error(`GGUF: unknown metadata value type id ${id}`);
    return name;
}

export type GgufNumberValue = { readonly type: GgufNumberTypeName; readonly value: number };
export type GgufBigIntValue = { readonly type: GgufBigIntTypeName; readonly value: bigint };
export type GgufBoolValue = { readonly type: "bool"; readonly value: boolean };
export type GgufStringValue = { readonly type: "string"; readonly value: string };

export type GgufArrayValue =
    | { readonly type: "array"; readonly itemType: GgufNumberTypeName; readonly values: readonly number[] }
    | { readonly type: "array"; readonly itemType: GgufBigIntTypeName; readonly values: readonly bigint[] }
    | { readonly type: "array"; readonly itemType: "bool"; readonly values: readonly boolean[] }
    | { readonly type: "array"; readonly itemType: "string"; readonly values: readonly string[] }
    | { readonly type: "array"; readonly itemType: "array"; readonly values: readonly GgufArrayValue[] };

export type GgufValue = GgufNumberValue | GgufBigIntValue | GgufBoolValue | GgufStringValue | GgufArrayValue;

export interface GgufMetadataEntry {
    readonly key: string;
    readonly value: GgufValue;
}

/** Helpers to build typed metadata values. */
export const gv = {
    u8: (value: number): GgufNumberValue => ({ type: "u8", value }),
    i8: (value: number): GgufNumberValue => ({ type: "i8", value }),
    u16: (value: number): GgufNumberValue => ({ type: "u16", value }),
    i16: (value: number): GgufNumberValue => ({ type: "i16", value }),
    u32: (value: number): GgufNumberValue => ({ type: "u32", value }),
    i32: (value: number): GgufNumberValue => ({ type: "i32", value }),
    f32: (value: number): GgufNumberValue => ({ type: "f32", value }),
    f64: (value: number): GgufNumberValue => ({ type: "f64", value }),
    u64: (value: bigint): GgufBigIntValue => ({ type: "u64", value }),
    i64: (value: bigint): GgufBigIntValue => ({ type: "i64", value }),
    bool: (value: boolean): GgufBoolValue => ({ type: "bool", value }),
    str: (value: string): GgufStringValue => ({ type: "string", value }),
    numbers: (itemType: GgufNumberTypeName, values: readonly number[]): GgufArrayValue => ({ type: "array", itemType, values }),
    bigints: (itemType: GgufBigIntTypeName, values: readonly bigint[]): GgufArrayValue => ({ type: "array", itemType, values }),
    bools: (values: readonly boolean[]): GgufArrayValue => ({ type: "array", itemType: "bool", values }),
    strings: (values: readonly string[]): GgufArrayValue => ({ type: "array", itemType: "string", values }),
    arrays: (values: readonly GgufArrayValue[]): GgufArrayValue => ({ type: "array", itemType: "array", values })
} as const;

/**
 * ggml tensor types: id -> (name, bytes per block, elements per block).
 * From ggml's type_traits table (ggml/src/ggml.c) and GGMLQuantizationType /
 * GGML_QUANT_SIZES in gguf-py/gguf/constants.py.
 */
export interface GgmlTypeInfo {
    readonly id: number;
    readonly name: string;
    readonly blockBytes: number;
    readonly blockSize: number;
}

const GGML_TYPE_LIST: readonly GgmlTypeInfo[] = [
    { id: 0, name: "F32", blockBytes: 4, blockSize: 1 },
    { id: 1, name: "F16", blockBytes: 2, blockSize: 1 },
    { id: 2, name: "Q4_0", blockBytes: 18, blockSize: 32 },
    { id: 3, name: "Q4_1", blockBytes: 20, blockSize: 32 },
    { id: 6, name: "Q5_0", blockBytes: 22, blockSize: 32 },
    { id: 7, name: "Q5_1", blockBytes: 24, blockSize: 32 },
    { id: 8, name: "Q8_0", blockBytes: 34, blockSize: 32 },
    { id: 9, name: "Q8_1", blockBytes: 36, blockSize: 32 },
    { id: 10, name: "Q2_K", blockBytes: 84, blockSize: 256 },
    { id: 11, name: "Q3_K", blockBytes: 110, blockSize: 256 },
    { id: 12, name: "Q4_K", blockBytes: 144, blockSize: 256 },
    { id: 13, name: "Q5_K", blockBytes: 176, blockSize: 256 },
    { id: 14, name: "Q6_K", blockBytes: 210, blockSize: 256 },
    { id: 15, name: "Q8_K", blockBytes: 292, blockSize: 256 },
    { id: 16, name: "IQ2_XXS", blockBytes: 66, blockSize: 256 },
    { id: 17, name: "IQ2_XS", blockBytes: 74, blockSize: 256 },
    { id: 18, name: "IQ3_XXS", blockBytes: 98, blockSize: 256 },
    { id: 19, name: "IQ1_S", blockBytes: 50, blockSize: 256 },
    { id: 20, name: "IQ4_NL", blockBytes: 18, blockSize: 32 },
    { id: 21, name: "IQ3_S", blockBytes: 110, blockSize: 256 },
    { id: 22, name: "IQ2_S", blockBytes: 82, blockSize: 256 },
    { id: 23, name: "IQ4_XS", blockBytes: 136, blockSize: 256 },
    { id: 24, name: "I8", blockBytes: 1, blockSize: 1 },
    { id: 25, name: "I16", blockBytes: 2, blockSize: 1 },
    { id: 26, name: "I32", blockBytes: 4, blockSize: 1 },
    { id: 27, name: "I64", blockBytes: 8, blockSize: 1 },
    { id: 28, name: "F64", blockBytes: 8, blockSize: 1 },
    { id: 29, name: "IQ1_M", blockBytes: 56, blockSize: 256 },
    { id: 30, name: "BF16", blockBytes: 2, blockSize: 1 },
    { id: 34, name: "TQ1_0", blockBytes: 54, blockSize: 256 },
    { id: 35, name: "TQ2_0", blockBytes: 66, blockSize: 256 },
    { id: 39, name: "MXFP4", blockBytes: 17, blockSize: 32 }
];

export const GGML_TYPE = {
    F32: 0,
    F16: 1,
    Q8_0: 8
} as const;

/** The tensor types this writer can encode from float data. */
export type EncodableTensorType = keyof typeof GGML_TYPE;

export function ggmlTypeInfo(id: number): GgmlTypeInfo {
    const info = GGML_TYPE_LIST.find((t) => t.id === id);
    if (info === undefined)
        throw new Error(`GGUF: unknown ggml tensor type id ${id}`);
    return info;
}

export function ggmlTypeByName(name: string): GgmlTypeInfo {
    const info = GGML_TYPE_LIST.find((t) => t.name === name);
    if (info === undefined)
        throw new Error(`GGUF: unknown ggml tensor type "${name}" (known: ${GGML_TYPE_LIST.map((t) => t.name).join(", ")})`);
    return info;
}

/** Number of bytes of a tensor of `dims` (innermost first) and type `typeId`. */
export function tensorByteLength(dims: readonly number[], typeId: number): number {
    const info = ggmlTypeInfo(typeId);
    const first = dims[0] ?? 1;
    if (first % info.blockSize !== 0)
        throw new Error(`GGUF: first dimension ${first} is not a multiple of the ${info.name} block size ${info.blockSize}`);
    let elements = 1;
    for (const d of dims)
        elements *= d;
    return (elements / info.blockSize) * info.blockBytes;
}

export function elementCount(dims: readonly number[]): number {
    let elements = 1;
    for (const d of dims)
        elements *= d;
    return elements;
}

export function alignUp(n: number, alignment: number): number {
    const rem = n % alignment;
    return rem === 0 ? n : n + (alignment - rem);
}
