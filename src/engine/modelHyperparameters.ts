/**
 * Model settings that make llama.cpp abort the whole process (GGML_ASSERT) instead of refusing
 * the file. The header walk (ggufHeaderCheck.ts) collects the values; this file holds the rules,
 * each taken from llama.cpp's loader as bundled with node-llama-cpp 3.21.1 and checked against
 * its prebuilt binary with derived files of every architecture the test models cover:
 * - src/llama-model.cpp load_hparams: layer, expert and expert-group counts, rope scaling type;
 * - src/llama-model-loader.cpp create_tensor: every tensor dimension computed from the settings
 *   must be at least 1 (a zero head count, head size, feed-forward or embedding length aborts);
 *   llama.cpp multiplies them as 32-bit unsigned numbers, so huge values wrap to zero;
 * - src/models/<arch>.cpp: equal key and value head sizes, rotary dimensions of the head size;
 * - ggml's rope: rotary dimensions even and at most the head size (0 hangs the engine);
 * - src/llama-vocab.cpp: two tokens with the same text;
 * - llama.cpp sizes the weights from the settings before it compares them with the file's
 *   tensors, and a quantized row whose length is not a whole number of blocks aborts there
 *   (ggml.c: GGML_ASSERT(!ggml_is_transposed(a))): the settings that size a row (embedding,
 *   feed-forward and attention output widths) must match the tensors the file has.
 * Rules that depend on every layer having attention apply to the architectures listed below
 * only: recurrent and hybrid models (Mamba, RWKV, Jamba…) legitimately have zero heads.
 */

/** What the header walk found that these rules need. */
export interface HeaderFacts {
  architecture: string;
  /** Unsigned scalar values (u32, u64) by key. */
  numbers: ReadonlyMap<string, number>;
  /** Small integer arrays (per-layer values) by key. */
  arrays: ReadonlyMap<string, readonly number[]>;
  /** Short string values by key. */
  strings: ReadonlyMap<string, string>;
  /** Row lengths (first dimension) of the tensors whose width the settings give, by tensor name. */
  rowLengths: ReadonlyMap<string, number>;
}

/** The tensors whose row length the header walk records (see checkTensorWidths). */
export function recordsRowLength(tensorName: string): boolean {
  return tensorName === "token_embd.weight" || /^blk\.\d+\.(ffn_down|ffn_down_exps|attn_output)\.weight$/.test(tensorName);
}

/** llama-hparams.h LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS. */
export const MAX_LAYERS = 512;
const MAX_EXPERTS = 1024;
/** llama.cpp computes head sizes times head counts in 32 bits (and passes some as int). */
const MAX_PRODUCT = 2 ** 31 - 1;
/** llama-model.cpp LLAMA_ROPE_SCALING_TYPES. */
const ROPE_SCALING_TYPES = new Set(["none", "linear", "yarn", "longrope"]);

/** Architectures where every layer has attention and a feed-forward block. */
const ATTENTION_IN_EVERY_LAYER = new Set([
  "llama", "mistral3", "qwen", "qwen2", "qwen2moe", "qwen3", "qwen3moe", "phi2", "phi3", "phimoe", "gemma", "gemma2", "gemma3",
  "starcoder", "starcoder2", "mpt", "falcon", "gpt2", "gptneox", "bloom", "stablelm", "refact", "codeshell", "command-r",
  "cohere2", "olmo", "olmo2", "olmoe", "granite", "granitemoe", "internlm2", "exaone", "deepseek", "deepseek2", "baichuan",
  "orion", "xverse", "minicpm", "glm4", "smollm3", "dbrx", "nemotron",
]);
/** src/models/<arch>.cpp: GGML_ASSERT(n_embd_head == hparams.n_embd_head_k()) (value head size == key head size). */
const EQUAL_HEAD_SIZES = new Set(["llama", "qwen2", "qwen2moe", "qwen3", "qwen3moe", "phi3", "mpt", "falcon", "starcoder", "starcoder2"]);
/** src/models/<arch>.cpp: GGML_ASSERT(n_embd_head == n_rot) (rotary embedding over the whole head). */
const FULL_ROTARY = new Set(["llama", "qwen2", "qwen2moe", "qwen3", "qwen3moe", "falcon", "starcoder2"]);
/** Positions by ALiBi or learned embeddings: llama.cpp reads no rotary dimensions for these. */
const NO_ROTARY = new Set(["mpt", "bloom", "gpt2", "starcoder", "refact"]);
/** Mixtures of experts whose experts' width is "expert_feed_forward_length" (others use "feed_forward_length"). */
const EXPERT_WIDTH_KEY = new Set(["qwen2moe", "qwen3moe", "deepseek", "deepseek2", "granitemoe"]);
/** llama-model.cpp: these drop an expert count of 0 or 1 before the expert checks. */
const SINGLE_EXPERT_IS_DENSE = new Set(["hunyuan-vl", "hunyuan-dense"]);

/** The first setting llama.cpp would abort on, as a sentence naming the key; undefined when none. */
export function findAbortingSetting(facts: HeaderFacts): string | undefined {
  return checkLayers(facts) ?? checkExperts(facts) ?? checkRopeScaling(facts)
    ?? (ATTENTION_IN_EVERY_LAYER.has(facts.architecture) ? checkAttention(facts) : undefined);
}

class Keys {
  constructor(private readonly facts: HeaderFacts) {}

  name(suffix: string): string {
    return `${this.facts.architecture}.${suffix}`;
  }

  number(suffix: string): number | undefined {
    return this.facts.numbers.get(this.name(suffix));
  }

  /** A per-layer setting: llama.cpp accepts one value for all layers or an array of one per layer. */
  perLayer(suffix: string): readonly number[] | undefined {
    const scalar = this.number(suffix);
    return scalar !== undefined ? [scalar] : this.facts.arrays.get(this.name(suffix));
  }
}

function checkLayers(facts: HeaderFacts): string | undefined {
  const keys = new Keys(facts);
  const layers = keys.number("block_count");
  if (layers !== undefined && (layers < 1 || layers > MAX_LAYERS)) return `"${keys.name("block_count")}" is ${layers}; llama.cpp accepts 1 to ${MAX_LAYERS} layers`;
  const nextn = keys.number("nextn_predict_layers");
  if (nextn !== undefined && layers !== undefined && nextn > layers) {
    return `"${keys.name("nextn_predict_layers")}" is ${nextn}, more than the ${layers} layers of "${keys.name("block_count")}"`;
  }
  return undefined;
}

function checkExperts(facts: HeaderFacts): string | undefined {
  const keys = new Keys(facts);
  const countKey = keys.name("expert_count");
  const usedKey = keys.name("expert_used_count");
  const groupKey = keys.name("expert_group_count");
  let experts = keys.number("expert_count") ?? 0;
  let used = Math.max(0, ...(keys.perLayer("expert_used_count") ?? []));
  if (SINGLE_EXPERT_IS_DENSE.has(facts.architecture) && experts <= 1) {
    experts = 0;
    used = 0;
  }
  const groups = keys.number("expert_group_count") ?? 0;
  if (experts > MAX_EXPERTS) return `"${countKey}" is ${experts}; llama.cpp accepts at most ${MAX_EXPERTS} experts`;
  if (used > experts) {
    return experts === 0
      ? `"${usedKey}" is ${used}, but the file has no experts ("${countKey}" is missing or 0)`
      : `"${usedKey}" is ${used}, more than the ${experts} experts of "${countKey}"`;
  }
  if (experts === 0) return groups === 0 ? undefined : `"${groupKey}" is ${groups}, but the file has no experts ("${countKey}" is missing or 0)`;
  if (used === 0) return `"${countKey}" is ${experts}, but "${usedKey}" is missing or 0: a mixture of experts must use at least one`;
  if (groups >= experts) return `"${groupKey}" is ${groups}; it must be less than the ${experts} experts of "${countKey}"`;
  if (groups > 1) {
    if (experts % groups !== 0) return `the ${experts} experts of "${countKey}" do not divide into the ${groups} groups of "${groupKey}"`;
    const groupsUsed = keys.number("expert_group_used_count") ?? 0;
    if (groupsUsed < 1 || groupsUsed >= groups) {
      return `"${keys.name("expert_group_used_count")}" is ${groupsUsed}; with ${groups} expert groups it must be 1 to ${groups - 1}`;
    }
  }
  return undefined;
}

function checkRopeScaling(facts: HeaderFacts): string | undefined {
  const key = `${facts.architecture}.rope.scaling.type`;
  const type = facts.strings.get(key);
  if (type === undefined || ROPE_SCALING_TYPES.has(type)) return undefined;
  return `"${key}" is "${clip(type)}"; llama.cpp knows ${[...ROPE_SCALING_TYPES].map((name) => `"${name}"`).join(", ")}`;
}

function checkAttention(facts: HeaderFacts): string | undefined {
  const keys = new Keys(facts);
  const embedding = keys.number("embedding_length");
  if (embedding === 0) return `"${keys.name("embedding_length")}" is 0`;
  const heads = keys.perLayer("attention.head_count");
  if (heads === undefined) return `the file has no "${keys.name("attention.head_count")}"`;
  // llama.cpp sizes the weights from layer 0's counts (a later layer may have none).
  if (heads[0] === 0) return `"${keys.name("attention.head_count")}" is 0${heads.length > 1 ? " for layer 0" : ""}`;
  const kvHeads = keys.perLayer("attention.head_count_kv") ?? heads;
  if (kvHeads[0] === 0) return `"${keys.name("attention.head_count_kv")}" is 0${kvHeads.length > 1 ? " for layer 0" : ""}`;
  const at = (values: readonly number[], layer: number) => values[values.length === 1 ? 0 : layer] ?? 0;
  for (let layer = 0; layer < Math.max(heads.length, kvHeads.length); layer++) {
    const kv = at(kvHeads, layer);
    const layerHeads = at(heads, layer);
    const where = kvHeads.length > 1 || heads.length > 1 ? ` for layer ${layer}` : "";
    // A layer without attention (0 heads) has nothing to share keys among.
    if (layerHeads > 0 && kv > layerHeads) return `"${keys.name("attention.head_count_kv")}" is ${kv}${where}, more than the ${layerHeads} attention heads`;
  }
  const firstHeads = heads[0] ?? 0;
  const keyLength = keys.number("attention.key_length");
  const valueLength = keys.number("attention.value_length");
  // llama.cpp's default head size is the embedding length divided by the head count.
  const defaultHeadSize = embedding === undefined ? undefined : Math.floor(embedding / firstHeads);
  const keySize = keyLength ?? defaultHeadSize;
  const valueSize = valueLength ?? defaultHeadSize;
  for (const [size, key] of [[keySize, "attention.key_length"], [valueSize, "attention.value_length"]] as const) {
    if (size === undefined) continue;
    if (size === 0) {
      return (key === "attention.key_length" ? keyLength : valueLength) === 0
        ? `"${keys.name(key)}" is 0`
        : `"${keys.name("attention.head_count")}" is ${firstHeads}, more than the ${embedding} of "${keys.name("embedding_length")}": each head would have no dimensions`;
    }
    const widest = Math.max(...heads, ...kvHeads);
    if (size * widest > MAX_PRODUCT) return `"${keys.name(key)}" (${size}) times the ${widest} attention heads overflows llama.cpp's 32-bit sizes`;
  }
  if (EQUAL_HEAD_SIZES.has(facts.architecture) && keySize !== undefined && valueSize !== undefined && keySize !== valueSize) {
    return `the key and value head sizes differ (${keySize} and ${valueSize}); llama.cpp's ${facts.architecture} models need them equal`;
  }
  const rotary = keys.number("rope.dimension_count");
  if (rotary !== undefined && keySize !== undefined && !NO_ROTARY.has(facts.architecture)) {
    const rotaryKey = keys.name("rope.dimension_count");
    if (rotary === 0 || rotary % 2 !== 0) return `"${rotaryKey}" is ${rotary}; rotary dimensions come in pairs (at least 2)`;
    if (rotary > keySize) return `"${rotaryKey}" is ${rotary}, more than the head size ${keySize}`;
    if (FULL_ROTARY.has(facts.architecture) && rotary !== keySize) {
      return `"${rotaryKey}" is ${rotary}; llama.cpp's ${facts.architecture} models rotate the whole head (${keySize})`;
    }
  }
  return checkFeedForward(keys) ?? checkTensorWidths(keys, facts, heads, valueSize);
}

/** The settings must give the widths the file's weights have (see the header comment). */
function checkTensorWidths(keys: Keys, facts: HeaderFacts, heads: readonly number[], valueSize: number | undefined): string | undefined {
  const embedding = keys.number("embedding_length");
  const embeddingRows = facts.rowLengths.get("token_embd.weight");
  if (embedding !== undefined && embeddingRows !== undefined && embeddingRows !== embedding) {
    return `"${keys.name("embedding_length")}" is ${embedding}, but the token embeddings of the file are ${embeddingRows} wide`;
  }
  const feedForward = keys.perLayer("feed_forward_length") ?? [];
  const layers = keys.number("block_count") ?? 0;
  for (let layer = 0; layer < layers; layer++) {
    const down = facts.rowLengths.get(`blk.${layer}.ffn_down.weight`);
    const width = feedForward[feedForward.length === 1 ? 0 : layer];
    // A layer without a feed-forward block or attention (0) has no such weights to size.
    if (down !== undefined && width !== undefined && width !== 0 && down !== width) {
      return `"${keys.name("feed_forward_length")}" is ${width}${feedForward.length > 1 ? ` for layer ${layer}` : ""}, but the feed-forward weights of layer ${layer} are ${down} wide`;
    }
    const expertsDown = facts.rowLengths.get(`blk.${layer}.ffn_down_exps.weight`);
    const expertKey = EXPERT_WIDTH_KEY.has(facts.architecture) ? "expert_feed_forward_length" : "feed_forward_length";
    const expertWidth = expertKey === "feed_forward_length" ? width : keys.number(expertKey);
    if (expertsDown !== undefined && expertWidth !== undefined && expertsDown !== expertWidth) {
      return `"${keys.name(expertKey)}" is ${expertWidth}, but the experts' feed-forward weights of layer ${layer} are ${expertsDown} wide`;
    }
    const output = facts.rowLengths.get(`blk.${layer}.attn_output.weight`);
    const layerHeads = heads[heads.length === 1 ? 0 : layer];
    if (output !== undefined && layerHeads !== undefined && layerHeads !== 0 && valueSize !== undefined && output !== layerHeads * valueSize) {
      return `${layerHeads} attention heads of ${valueSize} ("${keys.name("attention.head_count")}" and the head size) make ${layerHeads * valueSize}, but the attention output weights of layer ${layer} are ${output} wide`;
    }
  }
  return undefined;
}

function checkFeedForward(keys: Keys): string | undefined {
  const feedForward = keys.perLayer("feed_forward_length");
  const experts = keys.number("expert_count") ?? 0;
  if (feedForward === undefined) return experts > 0 ? undefined : `the file has no "${keys.name("feed_forward_length")}"`;
  if (feedForward[0] === 0) return `"${keys.name("feed_forward_length")}" is 0${feedForward.length > 1 ? " for layer 0" : ""}`;
  return undefined;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
