/**
 * "code-chain-260K": a hand-built, deterministic llama model that writes one fixed piece of
 * code, so end-to-end tests can show a real multi-line suggestion (the other test models write
 * stories or noise).
 *
 * It is a bigram chain on stories260K's SentencePiece vocabulary plus two whitespace pieces:
 *   - n_embd >= n_vocab and token_embd is the identity, so token t embeds as one-hot(t);
 *   - one block whose attention and FFN projections are all zero, so the block adds nothing
 *     and the residual stream stays one-hot(last token) (zero Q and K give uniform attention
 *     over zero values);
 *   - RMSNorm weights are 1 (the norm only scales the one-hot by sqrt(n_embd));
 *   - output[next(t)][t] = CHAIN_LOGIT and 0 elsewhere, so greedy decoding picks next(t):
 *     the next token depends on the last token only.
 * A chain cannot visit a token twice (it would loop), so CHAIN's pieces are all distinct.
 * Spaces are the scarce part: stories260K has one pure-space piece, "▁", and the prompt's
 * indentation already ends in it (so it must start the chain, not sit inside it). The appended
 * pieces "▁▁" (which then becomes the indentation's last token) and "▁▁▁" give the chain the
 * spaces it needs, with the byte <0x20> and the word-start pieces "▁a" and "▁b".
 */

import type { GgufMetadataEntry, GgufRecipe, GgufTensorRecipe } from "../gguf";
import { gv } from "../gguf";
import { TOKEN_TYPE, VocabBuilder } from "./vocab";

/**
 * What the model writes after an indented empty line. The second line is indented with spaces
 * deeper than the opener line (column 0), so Hearth's indentation-based block end keeps it and
 * re-indentation (tabs or spaces, any tab size) leaves it as it is.
 */
export const CODE_CHAIN_TEXT = "return a +\n    b;";

/** Pieces appended to the vocabulary, with SentencePiece scores: "▁▁" outranks "▁▁▁", so 2 and 4 spaces both end in "▁▁". */
const APPENDED: readonly (readonly [string, number])[] = [["▁▁", -0.25], ["▁▁▁", -0.5]];

/** The chain's pieces; detokenized after the prompt they give CODE_CHAIN_TEXT. */
const CHAIN: readonly string[] = ["re", "t", "u", "r", "n", "▁a", "<0x20>", "+", "<0x0A>", "▁▁▁", "▁b", ";"];

/**
 * Last prompt tokens that start the chain: the indentation SentencePiece makes of 2 or 4
 * spaces ("▁▁"), of one space ("▁"), and the tab byte. Every other token maps to end-of-sequence
 * (chain tokens to their successor: 3 spaces end in "▁▁▁", so they get only the chain's tail "b;").
 */
const TRIGGERS: readonly string[] = ["▁▁", "▁", "<0x09>"];

/** Logit weight of the chosen next token (the RMSNorm then scales it by sqrt(n_embd) = 24); all others get 0. */
const CHAIN_LOGIT = 10;
const N_HEAD = 8;
/** n_embd is the vocabulary size rounded up to this (head dimension a multiple of 8: even, as RoPE needs). */
const EMBD_MULTIPLE = 64;
const N_FF = 64;
const N_CTX = 2048;

function idOf(vocab: VocabBuilder, piece: string): number {
    const id = vocab.idOf(piece);
    if (id === undefined)
        throw new Error(`code-chain: piece ${JSON.stringify(piece)} is not in the stories260K vocabulary`);
    return id;
}

/** next[t] for every token id t. */
function chainTransitions(vocab: VocabBuilder, eos: number): Int32Array {
    const chain = CHAIN.map((p) => idOf(vocab, p));
    const triggers = TRIGGERS.map((p) => idOf(vocab, p));
    if (new Set(chain).size !== chain.length)
        throw new Error("code-chain: a chain token repeats, so the chain would loop");
    for (const t of triggers)
        if (chain.includes(t))
            throw new Error(`code-chain: trigger ${vocab.tokens[t]} is also in the chain, so the chain would loop`);
    const first = chain[0];
    if (first === undefined || chain.includes(eos))
        throw new Error("code-chain: empty chain or EOS inside it");
    const next = new Int32Array(vocab.size).fill(eos);
    for (const t of triggers)
        next[t] = first;
    for (let i = 0; i + 1 < chain.length; i++)
        next[chain[i] ?? 0] = chain[i + 1] ?? eos;
    return next;
}

function zeros(name: string, dims: readonly number[]): GgufTensorRecipe {
    return { name, dims, type: "F32", data: new Float32Array(dims.reduce((a, b) => a * b, 1)) };
}

function ones(name: string, n: number): GgufTensorRecipe {
    return { name, dims: [n], type: "F32", data: new Float32Array(n).fill(1) };
}

export function buildCodeChain(storiesPath: string): GgufRecipe {
    const vocab = VocabBuilder.fromFile(storiesPath);
    for (const [piece, score] of APPENDED)
        vocab.append(piece, TOKEN_TYPE.normal, score);
    const nVocab = vocab.size;
    const n = Math.ceil(nVocab / EMBD_MULTIPLE) * EMBD_MULTIPLE; // n_embd: room for a one-hot of every token
    const eos = 2;
    if (vocab.tokens[eos] !== "</s>")
        throw new Error(`code-chain: expected </s> at id ${eos}, found ${JSON.stringify(vocab.tokens[eos])}`);
    const next = chainTransitions(vocab, eos);

    // ggml [n_embd, n_vocab]: row v holds the n_embd values of token v
    const embd = new Float32Array(n * nVocab);
    const output = new Float32Array(n * nVocab);
    for (let t = 0; t < nVocab; t++) {
        embd[t * n + t] = 1;
        output[(next[t] ?? eos) * n + t] = CHAIN_LOGIT;
    }
    const headDim = n / N_HEAD;
    const metadata: GgufMetadataEntry[] = [
        { key: "general.architecture", value: gv.str("llama") },
        { key: "general.type", value: gv.str("model") },
        { key: "general.name", value: gv.str("hearth-test code-chain-260K") },
        { key: "general.description", value: gv.str(`Hand-built bigram-chain test model generated by Hearth's test model factory. After an indented empty line it writes ${JSON.stringify(CODE_CHAIN_TEXT)} and stops.`) },
        { key: "llama.context_length", value: gv.u32(N_CTX) },
        { key: "llama.embedding_length", value: gv.u32(n) },
        { key: "llama.block_count", value: gv.u32(1) },
        { key: "llama.feed_forward_length", value: gv.u32(N_FF) },
        { key: "llama.attention.head_count", value: gv.u32(N_HEAD) },
        { key: "llama.attention.head_count_kv", value: gv.u32(N_HEAD) },
        { key: "llama.attention.layer_norm_rms_epsilon", value: gv.f32(1e-6) },
        { key: "llama.rope.dimension_count", value: gv.u32(headDim) },
        { key: "llama.rope.freq_base", value: gv.f32(10000) },
        ...vocab.entries()
    ];
    const tensors: GgufTensorRecipe[] = [
        { name: "token_embd.weight", dims: [n, nVocab], type: "F32", data: embd },
        ones("output_norm.weight", n),
        { name: "output.weight", dims: [n, nVocab], type: "F32", data: output },
        ones("blk.0.attn_norm.weight", n),
        zeros("blk.0.attn_q.weight", [n, n]),
        zeros("blk.0.attn_k.weight", [n, n]),
        zeros("blk.0.attn_v.weight", [n, n]),
        zeros("blk.0.attn_output.weight", [n, n]),
        ones("blk.0.ffn_norm.weight", n),
        zeros("blk.0.ffn_gate.weight", [n, N_FF]),
        zeros("blk.0.ffn_down.weight", [N_FF, n]),
        zeros("blk.0.ffn_up.weight", [n, N_FF])
    ];
    return { metadata, tensors };
}
