/**
 * Decides whether text may be handed to the parser. Large files, very long lines
 * (minified code) and binary content would stall or bloat the worker; they get
 * heuristics, or nothing for binary.
 */

export const MAX_PARSE_CHARS = 1_000_000;
export const MAX_LINE_CHARS = 20_000;
/** Bytes examined for NUL when deciding whether a file is binary (as git does). */
const BINARY_SNIFF_BYTES = 8000;

export type InputVerdict = "parse" | "heuristic" | "skip";

export function hasVeryLongLine(text: string, limit = MAX_LINE_CHARS): boolean {
  let lineStart = 0;
  for (let index = text.indexOf("\n"); ; index = text.indexOf("\n", index + 1)) {
    const end = index < 0 ? text.length : index;
    if (end - lineStart > limit) return true;
    if (index < 0) return false;
    lineStart = index + 1;
  }
}

export function textVerdict(text: string): InputVerdict {
  if (text.slice(0, BINARY_SNIFF_BYTES).includes("\0")) return "skip";
  if (text.length > MAX_PARSE_CHARS || hasVeryLongLine(text)) return "heuristic";
  return "parse";
}

export interface DecodedFile {
  text: string;
  verdict: InputVerdict;
  reason?: "binary" | "too-large" | "long-line" | "invalid-utf8" | "minified";
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const lossyDecoder = new TextDecoder("utf-8");

/** Minified: few lines for much text. Indexing such files only adds noise. */
export function looksMinified(text: string): boolean {
  if (text.length < 4096) return false;
  let lines = 1;
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) lines++;
  return text.length / lines > 300;
}

/** Decodes file bytes and judges them. Invalid UTF-8 is decoded lossily and gets heuristics only. */
export function decodeFile(bytes: Uint8Array): DecodedFile {
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { text: "", verdict: "skip", reason: "binary" };
  if (bytes.length > MAX_PARSE_CHARS) return { text: "", verdict: "skip", reason: "too-large" };
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    return { text: lossyDecoder.decode(bytes), verdict: "heuristic", reason: "invalid-utf8" };
  }
  if (hasVeryLongLine(text)) return { text, verdict: "heuristic", reason: "long-line" };
  return { text, verdict: "parse" };
}
