/**
 * Random-weight transformer bodies for the llama.cpp architectures the test models use.
 *
 * Tensor names, shapes and which tensors are required come from llama.cpp's loaders as bundled
 * with node-llama-cpp 3.21.1: src/models/{llama,qwen2,phi3,gemma,mpt,falcon,starcoder2}.cpp
 * (`load_arch_tensors`, `load_arch_hparams`) and llama_model_base::create_tensor_qkv /
 * load_hparams in src/llama-model.cpp; key names from src/llama-arch.cpp (LLM_KV_*).
 * Shapes are ggml `ne` order (innermost first): a projection from n_in to n_out is [n_in, n_out].
 */

import { type GgufMetadataEntry, type GgufTensorRecipe, type TensorStream, encodeF16, encodeF32, encodeQ8_0, gv } from "../gguf";
import { Prng } from "./prng";

export type Architecture = "llama" | "qwen2" | "phi3" | "gemma" | "mpt" | "falcon" | "starcoder2";
export type WeightType = "F32" | "F16" | "Q8_0";

export interface ArchShape {
    readonly arch: Architecture;
    readonly nVocab: number;
    readonly nEmbd: number;
    readonly nLayer: number;
    readonly nHead: number;
    readonly nHeadKv: number;
    readonly nFf: number;
    readonly nCtx: number;
    readonly nExpert?: number;
    readonly nExpertUsed?: number;
    /** No output.weight: the output projection reuses token_embd.weight (gemma always does). */
    readonly tiedEmbeddings: boolean;
    /** q/k/v bias tensors (Qwen2 has them; StarCoder2's are optional but present in real files). */
    readonly qkvBias?: boolean;
    readonly weightType: WeightType;
    readonly embdType: WeightType;
    readonly ropeFreqBase?: number;
    /** Standard deviation of the random projection weights. */
    readonly std?: number;
}

/** Epsilon key per architecture: RMSNorm archs read layer_norm_rms_epsilon, LayerNorm archs layer_norm_epsilon. */
const USES_RMS_NORM: Record<Architecture, boolean> = {
    llama: true, qwen2: true, phi3: true, gemma: true, mpt: false, falcon: false, starcoder2: false
};

/** Architecture hyper-parameter metadata (`<arch>.*` keys). */
export function archMetadata(s: ArchShape): GgufMetadataEntry[] {
    const a = s.arch;
    const headDim = s.nEmbd / s.nHead;
    if (!Number.isInteger(headDim))
        throw new Error(`embedding ${s.nEmbd} is not divisible by ${s.nHead} heads`);
    const out: GgufMetadataEntry[] = [
        { key: `${a}.context_length`, value: gv.u32(s.nCtx) },
        { key: `${a}.embedding_length`, value: gv.u32(s.nEmbd) },
        { key: `${a}.block_count`, value: gv.u32(s.nLayer) },
        { key: `${a}.feed_forward_length`, value: gv.u32(s.nFf) },
        { key: `${a}.attention.head_count`, value: gv.u32(s.nHead) },
        { key: `${a}.attention.head_count_kv`, value: gv.u32(s.nHeadKv) },
        USES_RMS_NORM[a]
            ? { key: `${a}.attention.layer_norm_rms_epsilon`, value: gv.f32(1e-6) }
            : { key: `${a}.attention.layer_norm_epsilon`, value: gv.f32(1e-5) }
    ];
    if (a !== "mpt") {
        out.push({ key: `${a}.rope.dimension_count`, value: gv.u32(headDim) });
        out.push({ key: `${a}.rope.freq_base`, value: gv.f32(s.ropeFreqBase ?? 10000) });
    } else {
        // MPT uses ALiBi instead of RoPE (src/models/mpt.cpp reads attention.max_alibi_bias)
        out.push({ key: "mpt.attention.max_alibi_bias", value: gv.f32(8) });
    }
    if (s.nExpert !== undefined) {
        out.push({ key: `${a}.expert_count`, value: gv.u32(s.nExpert) });
        out.push({ key: `${a}.expert_used_count`, value: gv.u32(s.nExpertUsed ?? 2) });
    }
    return out;
}

const CHUNK_ELEMENTS = 1 << 18;

function encode(values: Float32Array, type: WeightType): Uint8Array {
    switch (type) {
        case "F32": return encodeF32(values);
        case "F16": return encodeF16(values);
        case "Q8_0": return encodeQ8_0(values);
    }
}

function bytesPerElement(type: WeightType): number {
    switch (type) {
        case "F32": return 4;
        case "F16": return 2;
        case "Q8_0": return 34 / 32;
    }
}

/**
 * A tensor of uniform random values (std `std`), generated and encoded chunk by chunk while the
 * file is written, so even the shape twins never hold a whole tensor in memory.
 */
export function randomTensor(name: string, dims: readonly number[], type: WeightType, std: number, seed: string): GgufTensorRecipe {
    let elements = 1;
    for (const d of dims)
        elements *= d;
    const rowLen = dims[0] ?? 1;
    // chunks hold whole rows so Q8_0 blocks never straddle chunks
    const rowsPerChunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / rowLen));
    const chunkElements = rowsPerChunk * rowLen;
    const data: TensorStream = {
        byteLength: elements * bytesPerElement(type),
        chunks: function* () {
            const prng = new Prng(`${seed}/${name}`);
            for (let done = 0; done < elements; done += chunkElements) {
                const n = Math.min(chunkElements, elements - done);
                yield encode(prng.fillUniform(new Float32Array(n), std), type);
            }
        }
    };
    return { name, dims, type, data };
}

export function constTensor(name: string, dims: readonly number[], value: number): GgufTensorRecipe {
    let elements = 1;
    for (const d of dims)
        elements *= d;
    return { name, dims, type: "F32", data: new Float32Array(elements).fill(value) };
}

/** All tensors of a random model of shape `s`. `seed` makes the weights reproducible. */
export function archTensors(s: ArchShape, seed: string): GgufTensorRecipe[] {
    const { arch, nEmbd: E, nVocab: V, nFf: F, nHead, nHeadKv } = s;
    const headDim = E / nHead;
    const q = nHead * headDim;
    const kv = nHeadKv * headDim;
    const std = s.std ?? 0.02;
    const wt = s.weightType;
    // tensors whose rows are not a multiple of the Q8_0 block fall back to F32
    const typeFor = (rowLen: number): WeightType => (wt === "Q8_0" && rowLen % 32 !== 0 ? "F32" : wt);
    const W = (name: string, nIn: number, nOut: number, extra?: number): GgufTensorRecipe =>
        randomTensor(name, extra === undefined ? [nIn, nOut] : [nIn, nOut, extra], typeFor(nIn), std, seed);
    const bias = (name: string, n: number): GgufTensorRecipe => randomTensor(name, [n], "F32", std, seed);
    const ones = (name: string, n: number): GgufTensorRecipe => constTensor(name, [n], 1);
    const layerNormBias = arch === "mpt" || arch === "falcon" || arch === "starcoder2";

    const t: GgufTensorRecipe[] = [];
    t.push(randomTensor("token_embd.weight", [E, V], s.embdType, std, seed));
    t.push(ones("output_norm.weight", E));
    if (layerNormBias)
        t.push(constTensor("output_norm.bias", [E], 0));
    if (!s.tiedEmbeddings) {
        if (arch === "gemma")
            throw new Error("gemma has no output.weight in llama.cpp (the output reuses token_embd.weight)");
        t.push(W("output.weight", E, V));
    }

    for (let i = 0; i < s.nLayer; i++) {
        const p = `blk.${i}.`;
        t.push(ones(`${p}attn_norm.weight`, E));
        if (layerNormBias)
            t.push(constTensor(`${p}attn_norm.bias`, [E], 0));

        if (arch === "phi3" || arch === "mpt" || arch === "falcon") {
            // fused projection: {n_embd, n_embd + 2*n_embd_gqa}
            t.push(W(`${p}attn_qkv.weight`, E, q + 2 * kv));
        } else {
            t.push(W(`${p}attn_q.weight`, E, q));
            t.push(W(`${p}attn_k.weight`, E, kv));
            t.push(W(`${p}attn_v.weight`, E, kv));
            if (s.qkvBias === true) {
                t.push(bias(`${p}attn_q.bias`, q));
                t.push(bias(`${p}attn_k.bias`, kv));
                t.push(bias(`${p}attn_v.bias`, kv));
            }
        }
        t.push(W(`${p}attn_output.weight`, q, E));
        if (arch === "starcoder2")
            t.push(bias(`${p}attn_output.bias`, E)); // required by src/models/starcoder2.cpp

        if (arch !== "falcon") { // falcon's attention and MLP share attn_norm (parallel block)
            t.push(ones(`${p}ffn_norm.weight`, E));
            if (layerNormBias)
                t.push(constTensor(`${p}ffn_norm.bias`, [E], 0));
        }

        if (s.nExpert !== undefined) {
            if (arch !== "llama")
                throw new Error(`experts are only generated for arch llama (Mixtral), not ${arch}`);
            t.push(randomTensor(`${p}ffn_gate_inp.weight`, [E, s.nExpert], "F32", std, seed));
            t.push(W(`${p}ffn_gate_exps.weight`, E, F, s.nExpert));
            t.push(W(`${p}ffn_down_exps.weight`, F, E, s.nExpert));
            t.push(W(`${p}ffn_up_exps.weight`, E, F, s.nExpert));
        } else if (arch === "phi3") {
            // phi3 fuses gate and up: ffn_up is {n_embd, 2*n_ff}
            t.push(W(`${p}ffn_down.weight`, F, E));
            t.push(W(`${p}ffn_up.weight`, E, 2 * F));
        } else if (arch === "mpt" || arch === "falcon" || arch === "starcoder2") {
            t.push(W(`${p}ffn_down.weight`, F, E));
            t.push(W(`${p}ffn_up.weight`, E, F));
            if (arch === "starcoder2") {
                t.push(bias(`${p}ffn_down.bias`, E));
                t.push(bias(`${p}ffn_up.bias`, F));
            }
        } else {
            t.push(W(`${p}ffn_gate.weight`, E, F));
            t.push(W(`${p}ffn_down.weight`, F, E));
            t.push(W(`${p}ffn_up.weight`, E, F));
        }
    }
    return t;
}
