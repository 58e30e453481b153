import type { LlamaText, LlamaTextJSON, SpecialToken, SpecialTokensText } from "node-llama-cpp" with { "resolution-mode": "import" };

/** The parts of node-llama-cpp that make and recognise LlamaText values (each thread has its own). */
export interface LlamaTextClasses {
  LlamaText: { fromJSON(json: LlamaTextJSON): LlamaText };
  isLlamaText(value: unknown): value is LlamaText;
  SpecialToken: { new (...args: never[]): SpecialToken; fromJSON(json: ReturnType<SpecialToken["toJSON"]>): SpecialToken };
  SpecialTokensText: { new (...args: never[]): SpecialTokensText; fromJSON(json: ReturnType<SpecialTokensText["toJSON"]>): SpecialTokensText };
}

/**
 * Chat wrapper arguments and results cross between the engine and the template worker as plain
 * data: LlamaText values (and their special tokens) become tagged JSON, functions are dropped.
 */
const TEXT = "$llamaText";
const TOKEN = "$specialToken";
const TOKENS_TEXT = "$specialTokensText";

export function encodeLlamaValues(value: unknown, classes: LlamaTextClasses): unknown {
  if (classes.isLlamaText(value)) return { [TEXT]: value.toJSON() };
  if (value instanceof classes.SpecialToken) return { [TOKEN]: value.toJSON() };
  if (value instanceof classes.SpecialTokensText) return { [TOKENS_TEXT]: value.toJSON() };
  if (Array.isArray(value)) return value.map((item: unknown) => encodeLlamaValues(item, classes));
  if (typeof value === "function") return undefined;
  if (isPlainObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const encoded = encodeLlamaValues(item, classes);
      if (encoded !== undefined) result[key] = encoded;
    }
    return result;
  }
  return value;
}

export function decodeLlamaValues(value: unknown, classes: LlamaTextClasses): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => decodeLlamaValues(item, classes));
  if (!isPlainObject(value)) return value;
  if (TEXT in value) return classes.LlamaText.fromJSON(value[TEXT] as LlamaTextJSON);
  if (TOKEN in value) return classes.SpecialToken.fromJSON(value[TOKEN] as ReturnType<SpecialToken["toJSON"]>);
  if (TOKENS_TEXT in value) return classes.SpecialTokensText.fromJSON(value[TOKENS_TEXT] as ReturnType<SpecialTokensText["toJSON"]>);
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = decodeLlamaValues(item, classes);
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
