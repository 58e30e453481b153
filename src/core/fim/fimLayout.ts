import type { FimFormat, FimTokenRole } from "./fimFormat";

/** A piece of a prompt: text to tokenize, or one special token of the FIM format. */
export type PromptSegment = { kind: "text"; text: string } | { kind: "token"; role: FimTokenRole };

export interface ContextChunk {
  filePath: string;
  text: string;
}

export interface FimInput {
  /** Text before the cursor, up to the start of the cursor's line. */
  prefix: string;
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

const text = (value: string): PromptSegment => ({ kind: "text", text: value });
const token = (role: FimTokenRole): PromptSegment => ({ kind: "token", role });

/**
 * Lays out a FIM prompt with the most stable parts first (see DESIGN.md): extra
 * chunks, the file path, the prefix, the suffix, the middle token, and last the
 * current line's text, so that typing on one line only appends tokens.
 */
export function layoutFimPrompt(format: FimFormat, input: FimInput): PromptSegment[] {
  const segments: PromptSegment[] = [];
  const repoLevel = format.tokens.fileSep !== undefined;
  if (repoLevel) {
    if (format.tokens.repoName && input.repoName) segments.push(token("repoName"), text(`${input.repoName}\n`));
    for (const chunk of input.chunks ?? []) segments.push(token("fileSep"), text(`${chunk.filePath}\n${chunk.text}\n`));
    if (input.filePath) segments.push(token("fileSep"), text(`${input.filePath}\n`));
  } else {
    const comment = input.commentPrefix ?? "//";
    const header = [
      ...(input.chunks ?? []).map((chunk) => `${comment} ${chunk.filePath}\n${chunk.text}\n`),
      input.filePath ? `${comment} ${input.filePath}\n` : "",
    ].join("");
    input = { ...input, prefix: header + input.prefix };
  }
  if (format.order === "spm") {
    segments.push(token("suffix"), text(input.suffix), token("prefix"), text(input.prefix), text(input.currentLine));
    return segments.filter(notEmptyText);
  }
  segments.push(token("prefix"), text(input.prefix), token("suffix"), text(input.suffix), token("middle"), text(input.currentLine));
  return segments.filter(notEmptyText);
}

function notEmptyText(segment: PromptSegment): boolean {
  return segment.kind === "token" || segment.text !== "";
}

/** The prompt as plain text, for the prompt inspector and logs. */
export function renderSegments(format: FimFormat, segments: readonly PromptSegment[]): string {
  return segments.map((segment) => segment.kind === "text" ? segment.text : format.tokens[segment.role] ?? "").join("");
}
