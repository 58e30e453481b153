import { basename } from "node:path";
import type { GgufFileInfo } from "node-llama-cpp" with { "resolution-mode": "import" };
import { detectFimFormat, usableMetadataFimTokens, type DeclaredFimToken } from "../core/fim/fimFormat";
import type { ModelDescription } from "../protocol/engineProtocol";
import { EngineError } from "./engineError";
import { checkModelFile } from "./modelFileCheck";

/** GGUF tokenizer.ggml.token_type values of special tokens. */
const CONTROL = 3;
const USER_DEFINED = 4;

/** Quantization names by GGUF general.file_type (llama.cpp's llama_ftype). */
const FILE_TYPES: Record<number, string> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M",
  13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS",
  21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
  29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
};

/** ggml tensor type names, for files without general.file_type. */
const TENSOR_TYPES: Record<number, string> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 30: "BF16",
};

/** The tensor type holding most of the weights. */
function dominantTensorType(info: GgufFileInfo): string | undefined {
  const elementsByType = new Map<number, number>();
  for (const tensor of info.tensorInfo ?? []) {
    const elements = tensor.dimensions.reduce<number>((product, dim) => product * Number(dim), 1);
    elementsByType.set(tensor.ggmlType, (elementsByType.get(tensor.ggmlType) ?? 0) + elements);
  }
  const [type] = [...elementsByType].sort((a, b) => b[1] - a[1])[0] ?? [];
  return type === undefined ? undefined : TENSOR_TYPES[type] ?? `type ${type}`;
}

function stringValue(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** What the catalog shows for a model, read from its GGUF header only (no weights). */
export function describeGguf(path: string, info: GgufFileInfo): ModelDescription {
  const metadata = info.metadata;
  const general = metadata.general;
  const architecture = general.architecture;
  const tokenizer = metadata.tokenizer?.ggml;
  const tokens: readonly string[] = tokenizer?.tokens ?? [];
  const tokenTypes: readonly number[] = tokenizer?.token_type ?? [];
  const tokenSet = new Set(tokens);
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  const declared = (key: "fim_pre_token_id" | "fim_suf_token_id" | "fim_mid_token_id"): DeclaredFimToken | undefined => {
    const id = (tokenizer as Record<string, unknown> | undefined)?.[key];
    const text = typeof id === "number" ? tokens[id] : undefined;
    if (typeof id !== "number" || text === undefined) return undefined;
    // Control (3) and user-defined (4) tokens are the special ones; a unique text stands for its token.
    return { id, text, special: tokenTypes[id] === CONTROL || tokenTypes[id] === USER_DEFINED, roundTrips: counts.get(text) === 1 };
  };
  const metadataFim = usableMetadataFimTokens({ prefix: declared("fim_pre_token_id"), suffix: declared("fim_suf_token_id"), middle: declared("fim_mid_token_id") });
  const architectureMetadata = (metadata as unknown as Record<string, Record<string, unknown> | undefined>)[architecture];
  const trainedContext = architectureMetadata?.context_length;
  const parameterCount = info.tensorInfo?.reduce((sum, tensor) => sum + tensor.dimensions.reduce<number>((product, dim) => product * Number(dim), 1), 0);
  const fileType = general.file_type;
  return {
    path,
    name: stringValue(general.name),
    architecture,
    parameterCount: parameterCount && parameterCount > 0 ? parameterCount : undefined,
    sizeLabel: stringValue(general.size_label),
    quantization: typeof fileType === "number" ? FILE_TYPES[fileType] ?? `type ${fileType}` : dominantTensorType(info),
    trainedContextSize: typeof trainedContext === "number" ? trainedContext : undefined,
    chatTemplate: stringValue(metadata.tokenizer?.chat_template),
    fim: detectFimFormat({
      hasSpecialToken: (text) => tokenSet.has(text),
      metadataFimTokens: metadataFim.tokens,
    }) ?? null,
    license: stringValue(general.license) ?? stringValue(general["license.name"]),
    tensorCount: info.tensorInfo?.length ?? 0,
    vocabularyOnly: (info.tensorInfo?.length ?? 0) === 0,
  };
}

/** Checks a model file and describes it from its header (the file-inspection worker runs this). */
export async function describeModelFile(path: string): Promise<ModelDescription> {
  await checkModelFile(path);
  const { readGgufFileInfo } = await import("node-llama-cpp");
  let info: GgufFileInfo;
  try {
    info = await readGgufFileInfo(path, { readTensorInfo: true });
  } catch (error) {
    throw new EngineError("notGguf", `${basename(path)} has a damaged GGUF header: ${error instanceof Error ? error.message : String(error)}.`);
  }
  return describeGguf(path, info);
}
