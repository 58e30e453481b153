/**
 * Fill-in-the-middle formats of the coder model families, recognised from the
 * tokenizer (which special tokens the vocabulary has), never from the file name.
 * Token texts come from each family's published tokenizer (tokenizer_config.json)
 * and llama.cpp's src/llama-vocab.cpp, which matches the same texts.
 */

export type FimFormatName = "qwen" | "codegemma" | "starcoder" | "deepseek" | "codellama" | "codestral" | "generic";

export interface FimTokenTexts {
  prefix: string;
  suffix: string;
  middle: string;
  /** Ends a fill-in-the-middle answer when the vocabulary does not mark it end-of-generation. */
  eot?: string;
  /** Repository-level context: one file's text follows each separator. */
  fileSep?: string;
  repoName?: string;
  pad?: string;
}

export interface FimFormat {
  name: FimFormatName;
  /** "psm": prefix, suffix, middle. "spm": suffix first, then prefix (Mistral's order). */
  order: "psm" | "spm";
  tokens: FimTokenTexts;
}

const KNOWN_FORMATS: readonly FimFormat[] = [
  // CodeGemma: same prefix/suffix/middle texts as Qwen, but its own file separator.
  { name: "codegemma", order: "psm", tokens: { prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>", fileSep: "<|file_separator|>" } },
  // Qwen2.5-Coder: repo-level tokens <|repo_name|> and <|file_sep|>.
  { name: "qwen", order: "psm", tokens: { prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>", pad: "<|fim_pad|>", repoName: "<|repo_name|>", fileSep: "<|file_sep|>", eot: "<|endoftext|>" } },
  // StarCoder / StarCoder2 (also Refact): <repo_name> and <file_sep> for repo-level prompts.
  { name: "starcoder", order: "psm", tokens: { prefix: "<fim_prefix>", suffix: "<fim_suffix>", middle: "<fim_middle>", pad: "<fim_pad>", repoName: "<repo_name>", fileSep: "<file_sep>", eot: "<|endoftext|>" } },
  // DeepSeek-Coder: begin = prefix, hole = suffix, end = middle.
  { name: "deepseek", order: "psm", tokens: { prefix: "<｜fim▁begin｜>", suffix: "<｜fim▁hole｜>", middle: "<｜fim▁end｜>", eot: "<|EOT|>" } },
  // CodeLlama: SentencePiece tokens with a word-start marker.
  { name: "codellama", order: "psm", tokens: { prefix: "▁<PRE>", suffix: "▁<SUF>", middle: "▁<MID>", eot: "▁<EOT>" } },
  // Codestral (mistral-common): [SUFFIX] suffix [PREFIX] prefix, then the middle is generated.
  { name: "codestral", order: "spm", tokens: { prefix: "[PREFIX]", suffix: "[SUFFIX]", middle: "[MIDDLE]" } },
];

export interface VocabularyProbe {
  /** True when `text` is one special (control) token of the vocabulary. */
  hasSpecialToken(text: string): boolean;
  /** Texts of the FIM tokens named in the GGUF metadata (tokenizer.ggml.fim_*_token_id), if any. */
  metadataFimTokens?: { prefix?: string; suffix?: string; middle?: string };
}

export function detectFimFormat(vocabulary: VocabularyProbe): FimFormat | undefined {
  for (const format of KNOWN_FORMATS) {
    const required = [format.tokens.prefix, format.tokens.suffix, format.tokens.middle];
    if (format.name === "codegemma" && format.tokens.fileSep) required.push(format.tokens.fileSep);
    if (!required.every((text) => vocabulary.hasSpecialToken(text))) continue;
    return withAvailableOptionalTokens(format, vocabulary);
  }
  const meta = vocabulary.metadataFimTokens;
  if (meta?.prefix && meta.suffix && meta.middle) {
    return { name: "generic", order: "psm", tokens: { prefix: meta.prefix, suffix: meta.suffix, middle: meta.middle } };
  }
  return undefined;
}

function withAvailableOptionalTokens(format: FimFormat, vocabulary: VocabularyProbe): FimFormat {
  const tokens: FimTokenTexts = { prefix: format.tokens.prefix, suffix: format.tokens.suffix, middle: format.tokens.middle };
  for (const key of ["eot", "fileSep", "repoName", "pad"] as const) {
    const text = format.tokens[key];
    if (text && vocabulary.hasSpecialToken(text)) tokens[key] = text;
  }
  return { ...format, tokens };
}

/** A FIM token the GGUF metadata names (tokenizer.ggml.fim_*_token_id), as the vocabulary has it. */
export interface DeclaredFimToken {
  id: number;
  text: string;
  /** A control or user-defined token: one that prompts can hold without it being ordinary text. */
  special: boolean;
  /** Its text, read with special tokens, is exactly this token again (false when not checked). */
  roundTrips: boolean;
}

const FIM_KEYS = { prefix: "tokenizer.ggml.fim_pre_token_id", suffix: "tokenizer.ggml.fim_suf_token_id", middle: "tokenizer.ggml.fim_mid_token_id" } as const;

/**
 * The metadata's FIM tokens, if they can serve: three distinct special tokens whose texts stand
 * for them. Ids that point at ordinary text (a damaged or hand-edited file) would make every
 * prompt garbage: such a model is a model without fill-in-the-middle, and `problem` says why.
 */
export function usableMetadataFimTokens(declared: Partial<Record<"prefix" | "suffix" | "middle", DeclaredFimToken>>): {
  tokens?: { prefix: string; suffix: string; middle: string };
  problem?: string;
} {
  const { prefix, suffix, middle } = declared;
  if (!prefix && !suffix && !middle) return {};
  const problems: string[] = [];
  for (const role of ["prefix", "suffix", "middle"] as const) {
    const token = declared[role];
    if (!token) problems.push(`${FIM_KEYS[role]} is missing`);
    else if (!token.special) problems.push(`${FIM_KEYS[role]} (${token.id}, ${JSON.stringify(token.text)}) is an ordinary text token`);
    else if (!token.roundTrips) problems.push(`${FIM_KEYS[role]} (${token.id}, ${JSON.stringify(token.text)}) does not stand for itself in a prompt`);
  }
  const ids = [prefix?.id, suffix?.id, middle?.id].filter((id) => id !== undefined);
  if (problems.length === 0 && new Set(ids).size < ids.length) problems.push("the prefix, suffix and middle ids are not three different tokens");
  if (problems.length > 0 || !prefix || !suffix || !middle) return { problem: problems.join("; ") };
  return { tokens: { prefix: prefix.text, suffix: suffix.text, middle: middle.text } };
}

export type FimTokenRole = keyof FimTokenTexts;

/** Texts that end a completion: the end-of-text and the tokens that start another file or hole. */
export function fimStopTokenRoles(format: FimFormat): FimTokenRole[] {
  const roles: FimTokenRole[] = ["prefix", "suffix", "middle"];
  for (const role of ["eot", "fileSep", "repoName", "pad"] as const) if (format.tokens[role]) roles.push(role);
  return roles;
}
