/**
 * Tensor data encoders/decoders for F32, F16 and Q8_0.
 *
 * F16 is IEEE 754 binary16 (round to nearest, ties to even).
 * Q8_0 (ggml, block size 32): each block is an f16 scale `d` followed by 32 int8 quants,
 * d = max|x| / 127, q = round(x / d), x' = q * d. This follows the description of
 * block_q8_0 / quantize_row_q8_0_ref in llama.cpp's ggml/src/ggml-quants.c (34 bytes per block,
 * GGML_QUANT_SIZES in gguf-py/gguf/constants.py); the code here is an independent implementation.
 */

import { endianness } from "node:os";

export const Q8_0_BLOCK_SIZE = 32;
export const Q8_0_BLOCK_BYTES = 34;

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** float32 -> binary16 bits, round to nearest even. */
export function f32ToF16Bits(value: number): number {
    f32Scratch[0] = value;
    const x = u32Scratch[0] ?? 0;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;

    if (exp === 0xff) // Inf or NaN
        return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);

    const e = exp - 127 + 15;
    if (e >= 0x1f) // overflow -> Inf
        return sign | 0x7c00;

    if (e <= 0) {
        // subnormal half (or zero)
        if (e < -10)
            return sign;
        mant |= 0x800000;
        const shift = 14 - e;
        let half = mant >>> shift;
        const rem = mant & ((1 << shift) - 1);
        const halfway = 1 << (shift - 1);
        if (rem > halfway || (rem === halfway && (half & 1) !== 0))
            half++;
        return sign | half;
    }

    let half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (half & 1) !== 0))
        half++; // may carry into the exponent, which is the correct rounding (up to Inf)
    return sign | half;
}

/** binary16 bits -> number. */
export function f16BitsToF32(bits: number): number {
    const sign = (bits & 0x8000) !== 0 ? -1 : 1;
    const exp = (bits >>> 10) & 0x1f;
    const mant = bits & 0x3ff;
    if (exp === 0)
        return sign * mant * 2 ** -24;
    if (exp === 0x1f)
        return mant === 0 ? sign * Infinity : NaN;
    return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const littleEndian = endianness() === "LE";

export function encodeF32(values: Float32Array): Buffer {
    if (littleEndian)
        return Buffer.from(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    const out = Buffer.alloc(values.length * 4);
    for (let i = 0; i < values.length; i++)
        out.writeFloatLE(values[i] ?? 0, i * 4);
    return out;
}

export function decodeF32(bytes: Uint8Array): Float32Array {
    const out = new Float32Array(bytes.byteLength / 4);
    if (littleEndian) {
        new Uint8Array(out.buffer).set(bytes);
        return out;
    }
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++)
        out[i] = buf.readFloatLE(i * 4);
    return out;
}

export function encodeF16(values: Float32Array): Buffer {
    const out = Buffer.alloc(values.length * 2);
    for (let i = 0; i < values.length; i++)
        out.writeUInt16LE(f32ToF16Bits(values[i] ?? 0), i * 2);
    return out;
}

export function decodeF16(bytes: Uint8Array): Float32Array {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Float32Array(bytes.byteLength / 2);
    for (let i = 0; i < out.length; i++)
        out[i] = f16BitsToF32(buf.readUInt16LE(i * 2));
    return out;
}

/** Quantizes `values` (length a multiple of 32) into Q8_0 blocks. */
export function encodeQ8_0(values: Float32Array): Buffer {
    if (values.length % Q8_0_BLOCK_SIZE !== 0)
        throw new Error(`Q8_0: element count ${values.length} is not a multiple of ${Q8_0_BLOCK_SIZE}`);
    const blocks = values.length / Q8_0_BLOCK_SIZE;
    const out = Buffer.alloc(blocks * Q8_0_BLOCK_BYTES);
    const qs = new Int8Array(out.buffer, out.byteOffset, out.byteLength);
    for (let b = 0; b < blocks; b++) {
        const base = b * Q8_0_BLOCK_SIZE;
        let amax = 0;
        for (let j = 0; j < Q8_0_BLOCK_SIZE; j++) {
            const a = Math.abs(values[base + j] ?? 0);
            if (a > amax)
                amax = a;
        }
        const d = amax / 127;
        const inv = d !== 0 ? 1 / d : 0;
        const o = b * Q8_0_BLOCK_BYTES;
        const bits = f32ToF16Bits(d);
        out[o] = bits & 0xff;
        out[o + 1] = bits >>> 8;
        for (let j = 0; j < Q8_0_BLOCK_SIZE; j++) {
            // Math.round rounds .5 towards +Infinity; C's roundf rounds half away from zero.
            const x = (values[base + j] ?? 0) * inv;
            const q = x < 0 ? -Math.round(-x) : Math.round(x);
            qs[o + 2 + j] = Math.max(-128, Math.min(127, q));
        }
    }
    return out;
}

export function decodeQ8_0(bytes: Uint8Array): Float32Array {
    if (bytes.byteLength % Q8_0_BLOCK_BYTES !== 0)
        throw new Error(`Q8_0: byte length ${bytes.byteLength} is not a multiple of ${Q8_0_BLOCK_BYTES}`);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const blocks = bytes.byteLength / Q8_0_BLOCK_BYTES;
    const out = new Float32Array(blocks * Q8_0_BLOCK_SIZE);
    for (let b = 0; b < blocks; b++) {
        const o = b * Q8_0_BLOCK_BYTES;
        const d = f16BitsToF32(buf.readUInt16LE(o));
        for (let j = 0; j < Q8_0_BLOCK_SIZE; j++)
            out[b * Q8_0_BLOCK_SIZE + j] = buf.readInt8(o + 2 + j) * d;
    }
    return out;
}
