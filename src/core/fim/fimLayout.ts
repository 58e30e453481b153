import type { FimFormat, FimTokenRole } from "./fimFormat";

/**
 * Which part of the prompt a segment belongs to: the engine may leave out whole context chunks,
 * the lines before the cursor's line farthest from it (prefix, then recent lines) and suffix
 * lines farthest from the cursor, never the rest.
 */
export type PromptPart = "fixed" | "chunk" | "prefix" | "suffix" | "recent" | "middle";

/** A piece of a prompt: text to tokenize, or one special token of the FIM format. */
export type PromptSegment =
  | { kind: "text"; text: string; part: PromptPart; chunk?: number }
  | { kind: "token"; role: FimTokenRole; part: PromptPart; chunk?: number };

export interface ContextChunk {
  filePath: string;
  text: string;
}

export interface FimInput {
  /** Text before the cursor, up to where the prefix window last stepped (whole lines). */
  prefix: string;
  /**
   * Whole lines between the prefix and the cursor's line (typed since the window last stepped).
   * They go after the middle token with the current line, so pressing Enter only appends tokens.
   */
  recentLines?: string;
  /** The cursor line's text before the cursor: it goes last so typing only appends tokens. */
  currentLine: string;
  /** Text after the cursor. */
  suffix: string;
  filePath?: string;
  repoName?: string;
  /** Extra context, most stable (oldest) first. */
  chunks?: readonly ContextChunk[];
  /** Line comment of the document's language, for context in models without file separators. */
  commentPrefix?: string;
}

const text = (value: string, part: PromptPart, chunk?: number): PromptSegment => ({ kind: "text", text: value, part, ...(chunk === undefined ? {} : { chunk }) });
const token = (role: FimTokenRole, part: PromptPart, chunk?: number): PromptSegment => ({ kind: "token", role, part, ...(chunk === undefined ? {} : { chunk }) });

/**
 * Lays out a FIM prompt with the most stable parts first (see DESIGN.md): extra chunks, the
 * file path, the prefix, the suffix, the middle token, and last the lines typed since the
 * window stepped and the current line, so that typing, Enter included, only appends tokens.
 */
export function layoutFimPrompt(format: FimFormat, input: FimInput): PromptSegment[] {
  const segments: PromptSegment[] = [];
  const repoLevel = format.tokens.fileSep !== undefined;
  const chunks = input.chunks ?? [];
  const header: PromptSegment[] = [];
  if (repoLevel) {
    if (format.tokens.repoName && input.repoName) header.push(token("repoName", "fixed"), text(`${input.repoName}\n`, "fixed"));
    chunks.forEach((chunk, index) => header.push(token("fileSep", "chunk", index), text(`${chunk.filePath}\n${chunk.text}\n`, "chunk", index)));
    if (input.filePath) header.push(token("fileSep", "fixed"), text(`${input.filePath}\n`, "fixed"));
  }
  // Without file separators, context goes at the start of the prefix as comments of the document's language.
  const comment = input.commentPrefix ?? "//";
  const inPrefix: PromptSegment[] = repoLevel ? [] : [
    ...chunks.map((chunk, index) => text(`${comment} ${chunk.filePath}\n${chunk.text}\n`, "chunk", index)),
    ...(input.filePath ? [text(`${comment} ${input.filePath}\n`, "fixed")] : []),
  ];
  const middle = [text(input.recentLines ?? "", "recent"), text(input.currentLine, "middle")];
  if (format.order === "spm") {
    segments.push(...header, token("suffix", "fixed"), text(input.suffix, "suffix"), token("prefix", "fixed"), ...inPrefix, text(input.prefix, "prefix"), ...middle);
  } else {
    segments.push(...header, token("prefix", "fixed"), ...inPrefix, text(input.prefix, "prefix"), token("suffix", "fixed"), text(input.suffix, "suffix"),
      token("middle", "fixed"), ...middle);
  }
  return segments.filter(notEmptyText);
}

function notEmptyText(segment: PromptSegment): boolean {
  return segment.kind === "token" || segment.text !== "";
}

/** The prompt as plain text, for the prompt inspector and logs. */
export function renderSegments(format: FimFormat, segments: readonly PromptSegment[]): string {
  return segments.map((segment) => segment.kind === "text" ? segment.text : format.tokens[segment.role] ?? "").join("");
}
