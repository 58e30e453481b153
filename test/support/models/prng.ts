/**
 * Deterministic pseudo-random numbers for generated weights: a 32-bit mixing generator
 * (splitmix-style increments with a murmur3-like finalizer), seeded from a string by FNV-1a.
 * Weights are derived from (model seed, tensor name), so every tensor is reproducible on its own.
 */

export function seedFromString(s: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
}

export class Prng {
    private state: number;

    constructor(seed: number | string) {
        this.state = (typeof seed === "string" ? seedFromString(seed) : seed) >>> 0;
    }

    /** Next uniformly distributed unsigned 32-bit integer. */
    nextU32(): number {
        this.state = (this.state + 0x9e3779b9) >>> 0;
        let z = this.state;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        return (z ^ (z >>> 16)) >>> 0;
    }

    /** Uniform in [0, 1). */
    next(): number {
        return this.nextU32() / 4294967296;
    }

    /** Uniform values in [-a, a] with standard deviation `std` (a = std * sqrt(3)). */
    fillUniform(out: Float32Array, std: number): Float32Array {
        const a = std * Math.sqrt(3);
        for (let i = 0; i < out.length; i++)
            out[i] = (this.next() * 2 - 1) * a;
        return out;
    }
}
