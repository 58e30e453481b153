import type { FileHandle } from "node:fs/promises";
import { ggmlType } from "./ggmlTypes";
import { findAbortingSetting, MAX_LAYERS, recordsRowLength, type HeaderFacts } from "./modelHyperparameters";

/**
 * Walks a GGUF header (counts, keys, value types, lengths, tensor infos) with every count and
 * length bounded by the file's size, before node-llama-cpp or llama.cpp parse it: their
 * parsers trust those numbers (a billion-element array is read element by element, a huge
 * length is allocated). The walk reads only the header, never the tensor data.
 * Layout and limits follow llama.cpp's gguf.cpp: versions 2 and 3, no nested arrays, no
 * duplicate keys or tensor names, names under 64 bytes, at most 4 dimensions, tensors stored
 * back to back at `general.alignment` (a power of two, default 32).
 */
export class GgufHeaderProblem extends Error {
  /**
   * "unrunnable": a sound file whose model settings make llama.cpp abort (modelHyperparameters.ts).
   * "limit": more entries than any real model has (they only stall the readers).
   * "inconsistent": parts of a sound file that do not fit together (llama.cpp refuses it too, but later).
   */
  constructor(readonly kind: "version" | "damaged" | "truncated" | "unrunnable" | "limit" | "inconsistent", message: string) {
    super(message);
    this.name = "GgufHeaderProblem";
  }
}

export interface GgufHeaderSummary {
  version: number;
  tensorCount: number;
  entryCount: number;
  /** Bytes the header and tensor data need: the file must be at least this long. */
  requiredBytes: number;
}

const CHUNK = 1 << 20;
/**
 * Twice the largest real vocabulary (Gemma 3: 262,144 tokens; the largest merge lists, Llama
 * 3's, have 280,147). node-llama-cpp parses every string of the header in JavaScript on the
 * engine's main thread (1.4 s per million on this machine, twice per load) and llama.cpp builds
 * its vocabulary from them: a 1M-token file took 26 s to be refused by llama.cpp.
 */
export const MAX_STRING_ARRAY = 1 << 19;
const TOKENS_KEY = "tokenizer.ggml.tokens";
/** Short strings the model checks read (the rope scaling type); longer ones are only skipped. */
const MAX_READ_STRING = 256;
const MAX_KEY_BYTES = 1 << 16;
const MAX_NAME_BYTES = 63;
const MAX_DIMS = 4;
const INT64_MAX = (1n << 63n) - 1n;
const DEFAULT_ALIGNMENT = 32;
const TYPE_STRING = 8;
const TYPE_ARRAY = 9;
const TYPE_U32 = 4;
const TYPE_U64 = 10;
/** Bytes of one value of each fixed-size GGUF type (by type id). */
const FIXED_SIZE: ReadonlyMap<number, number> = new Map([[0, 1], [1, 1], [2, 2], [3, 2], [4, 4], [5, 4], [6, 4], [7, 1], [10, 8], [11, 8], [12, 8]]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

function damaged(message: string): GgufHeaderProblem {
  return new GgufHeaderProblem("damaged", message);
}

/** Buffered little-endian reads of the header, never past the file's size. */
class HeaderReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position = 0;

  constructor(private readonly handle: FileHandle, readonly size: number) {}

  get remaining(): number {
    return this.size - this.position;
  }

  /** Makes `n` bytes at the position available; returns their offset in the buffer. */
  private async take(n: number, what: string): Promise<number> {
    const buffered = this.takeBuffered(n);
    if (buffered >= 0) return buffered;
    if (n > this.remaining) throw damaged(`${what} at byte ${this.position} runs past the end of the file (${this.size} bytes)`);
    const length = Math.min(Math.max(n, CHUNK), this.remaining);
    const next = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(next, filled, length - filled, this.position + filled);
      if (bytesRead === 0) throw damaged(`the file ended at byte ${this.position + filled} although it is ${this.size} bytes long (did it change while being read?)`);
      filled += bytesRead;
    }
    this.buffer = next;
    this.bufferStart = this.position;
    this.position += n;
    return 0;
  }

  /** The synchronous path of `take`: -1 when the bytes are not in the buffer. */
  private takeBuffered(n: number): number {
    const offset = this.position - this.bufferStart;
    if (offset < 0 || offset + n > this.buffer.length) return -1;
    this.position += n;
    return offset;
  }

  /**
   * Skips `count` strings. Vocabularies hold hundreds of thousands: lengths already in the
   * buffer are read without awaiting.
   */
  async skipStrings(count: number, key: string): Promise<void> {
    for (let index = 0; index < count; index++) {
      const at = this.position;
      const offset = this.takeBuffered(8);
      const length = offset >= 0 ? this.buffer.readBigUInt64LE(offset) : await this.u64(`the length of "${key}"[${index}]`);
      if (length > BigInt(this.remaining)) throw damaged(`the length of "${key}"[${index}] at byte ${at} is ${length}, but only ${this.remaining} bytes are left in the file`);
      this.position += Number(length);
    }
  }

  /**
   * Reads `count` strings, calling `visit` with each as a latin1 string (one character per byte,
   * so equal bytes give equal strings). Lengths and short strings in the buffer are read without
   * awaiting.
   */
  async readStrings(count: number, key: string, visit: (text: string, index: number) => void): Promise<void> {
    for (let index = 0; index < count; index++) {
      const at = this.position;
      const offset = this.takeBuffered(8);
      const length = offset >= 0 ? this.buffer.readBigUInt64LE(offset) : await this.u64(`the length of "${key}"[${index}]`);
      if (length > BigInt(this.remaining)) throw damaged(`the length of "${key}"[${index}] at byte ${at} is ${length}, but only ${this.remaining} bytes are left in the file`);
      const bytes = Number(length);
      const inBuffer = this.takeBuffered(bytes);
      const start = inBuffer >= 0 ? inBuffer : await this.take(bytes, `"${key}"[${index}]`);
      visit(this.buffer.toString("latin1", start, start + bytes), index);
    }
  }

  // `take` may replace the buffer: read it only after the await.
  async u32(what: string): Promise<number> {
    const offset = await this.take(4, what);
    return this.buffer.readUInt32LE(offset);
  }

  async u64(what: string): Promise<bigint> {
    const offset = await this.take(8, what);
    return this.buffer.readBigUInt64LE(offset);
  }

  async bytes(n: number, what: string): Promise<Buffer> {
    const offset = await this.take(n, what);
    return this.buffer.subarray(offset, offset + n);
  }

  /** Moves past `n` bytes without reading them. */
  skip(n: bigint, what: string): void {
    if (n > BigInt(this.remaining)) throw damaged(`${what} at byte ${this.position} claims ${n} bytes, more than the ${this.remaining} left in the file`);
    this.position += Number(n);
  }

  /** A u64 count or length that must fit in the rest of the file at `minBytes` each. */
  async count(what: string, minBytes: number): Promise<number> {
    const at = this.position;
    const value = await this.u64(what);
    if (value * BigInt(minBytes) > BigInt(this.remaining)) {
      throw damaged(`${what} at byte ${at} is ${value}, but only ${this.remaining} bytes are left in the file`);
    }
    return Number(value);
  }

  /** A UTF-8 name (metadata key or tensor name) of at most `maxBytes`. */
  async name(what: string, maxBytes: number): Promise<string> {
    const at = this.position;
    const length = await this.count(`the length of ${what}`, 1);
    if (length === 0) throw damaged(`${what} at byte ${at} is empty`);
    if (length > maxBytes) throw damaged(`${what} at byte ${at} is ${length} bytes long (at most ${maxBytes})`);
    const bytes = await this.bytes(length, what);
    try {
      return utf8.decode(bytes);
    } catch {
      throw damaged(`${what} at byte ${at} is not valid UTF-8`);
    }
  }
}

/** What the walk keeps for the model checks (modelHyperparameters.ts); everything else is skipped. */
class FactCollector {
  readonly numbers = new Map<string, number>();
  readonly arrays = new Map<string, readonly number[]>();
  readonly strings = new Map<string, string>();
  readonly rowLengths = new Map<string, number>();
  tokenCount: number | undefined;
  /** Rows of token_embd.weight: one per token the model can read. */
  embeddingRows: number | undefined;

  facts(architecture: string): HeaderFacts {
    return { architecture, numbers: this.numbers, arrays: this.arrays, strings: this.strings, rowLengths: this.rowLengths };
  }
}

const TYPE_I32 = 5;
const wantsString = (key: string) => key === "general.type" || key.endsWith(".rope.scaling.type");
/** Vocabulary arrays: node-llama-cpp parses each element in JavaScript. */
const isVocabularyArray = (key: string) => key.startsWith("tokenizer.ggml.");

/** Reads past one metadata value, keeping what the model checks need. */
async function readValue(reader: HeaderReader, key: string, type: number, collected: FactCollector): Promise<void> {
  if (type === TYPE_U32) {
    collected.numbers.set(key, await reader.u32(`the value of "${key}"`));
    return;
  }
  if (type === TYPE_U64) {
    collected.numbers.set(key, Number(await reader.u64(`the value of "${key}"`)));
    return;
  }
  const fixed = FIXED_SIZE.get(type);
  if (fixed !== undefined) {
    reader.skip(BigInt(fixed), `the value of "${key}"`);
    return;
  }
  if (type === TYPE_STRING) {
    const length = await reader.count(`the string length of "${key}"`, 1);
    if (wantsString(key) && length <= MAX_READ_STRING) collected.strings.set(key, (await reader.bytes(length, `the string "${key}"`)).toString("utf8"));
    else reader.skip(BigInt(length), `the string "${key}"`);
    return;
  }
  if (type !== TYPE_ARRAY) throw damaged(`metadata "${key}" has the unknown value type ${type}`);
  const itemType = await reader.u32(`the item type of "${key}"`);
  if (itemType === TYPE_ARRAY) throw damaged(`metadata "${key}" is an array of arrays, which GGUF readers do not accept`);
  const itemSize = FIXED_SIZE.get(itemType);
  if (itemSize !== undefined) {
    const length = await reader.count(`the element count of "${key}"`, itemSize);
    if (isVocabularyArray(key) && length > MAX_STRING_ARRAY) throw overLimit(key, length);
    if ((itemType === TYPE_U32 || itemType === TYPE_I32) && length <= MAX_LAYERS) {
      // Per-layer settings: llama.cpp reads i32 arrays into unsigned 32-bit values.
      const bytes = await reader.bytes(length * 4, `the array "${key}"`);
      collected.arrays.set(key, Array.from({ length }, (_, index) => bytes.readUInt32LE(index * 4)));
      return;
    }
    reader.skip(BigInt(length) * BigInt(itemSize), `the array "${key}"`);
    return;
  }
  if (itemType !== TYPE_STRING) throw damaged(`metadata "${key}" is an array of the unknown value type ${itemType}`);
  const length = await reader.count(`the element count of "${key}"`, 8);
  if (length > MAX_STRING_ARRAY) throw overLimit(key, length);
  if (key === TOKENS_KEY) collected.tokenCount = await checkDistinctTokens(reader, length);
  else await reader.skipStrings(length, key);
}

function overLimit(key: string, length: number): GgufHeaderProblem {
  return new GgufHeaderProblem("limit", `"${key}" has ${length} entries; Hearth reads at most ${MAX_STRING_ARRAY} (twice the largest released vocabulary)`);
}

/** llama.cpp maps token texts to ids and aborts when two tokens share a text (llama-vocab.cpp). */
async function checkDistinctTokens(reader: HeaderReader, count: number): Promise<number> {
  const seen = new Set<string>();
  const texts: string[] = [];
  await reader.readStrings(count, TOKENS_KEY, (text, index) => {
    // llama.cpp names an empty token after its index.
    const name = text === "" ? `[EMPTY_${index}]` : text;
    if (seen.has(name)) {
      const first = texts.indexOf(name);
      throw new GgufHeaderProblem("unrunnable", `tokens ${first} and ${index} of "${TOKENS_KEY}" are both ${JSON.stringify(Buffer.from(name, "latin1").toString("utf8").slice(0, 40))}; llama.cpp needs each token text once`);
    }
    seen.add(name);
    texts.push(name);
  });
  return count;
}

export async function checkGgufHeader(handle: FileHandle, size: number): Promise<GgufHeaderSummary> {
  const reader = new HeaderReader(handle, size);
  reader.skip(4n, "the magic"); // checked by the caller
  const version = await reader.u32("the version");
  if (version !== 2 && version !== 3) {
    const swapped = Buffer.alloc(4);
    swapped.writeUInt32BE(version);
    const hint = swapped.readUInt32LE() <= 3 ? " It was written for big-endian machines." : version === 1 ? " Version 1 is from 2023 and no longer supported." : "";
    throw new GgufHeaderProblem("version", `it uses GGUF version ${version}; llama.cpp reads versions 2 and 3.${hint}`);
  }
  // Each tensor info takes at least 33 bytes and each metadata entry at least 14.
  const tensorCount = await reader.count("the tensor count", 33);
  const entryCount = await reader.count("the metadata count", 14);

  const keys = new Set<string>();
  const collected = new FactCollector();
  let architecture: string | undefined;
  let alignment = DEFAULT_ALIGNMENT;
  for (let index = 0; index < entryCount; index++) {
    const key = await reader.name(`metadata key #${index}`, MAX_KEY_BYTES);
    if (keys.has(key)) throw damaged(`metadata key "${key}" appears twice`);
    keys.add(key);
    const type = await reader.u32(`the value type of "${key}"`);
    if (key === "general.architecture" && type === TYPE_STRING) {
      architecture = await reader.name(`"general.architecture"`, 256);
      continue;
    }
    await readValue(reader, key, type, collected);
    if (key === "general.alignment") {
      const value = type === TYPE_U32 ? collected.numbers.get(key) : undefined;
      if (value === undefined) throw damaged(`"general.alignment" must be a u32, but it has value type ${type}`);
      if (value === 0 || (value & (value - 1)) !== 0) throw damaged(`"general.alignment" is ${value}, which is not a power of two`);
      alignment = value;
    }
  }


  const names = new Set<string>();
  let expectedOffset = 0n;
  let dataEnd = 0n;
  const tensors: Array<{ name: string; offset: bigint; bytes: bigint }> = [];
  for (let index = 0; index < tensorCount; index++) {
    const name = await reader.name(`the name of tensor #${index}`, MAX_NAME_BYTES);
    if (names.has(name)) throw damaged(`tensor "${name}" appears twice`);
    names.add(name);
    const dimensions = await reader.u32(`the dimension count of "${name}"`);
    if (dimensions > MAX_DIMS) throw damaged(`tensor "${name}" has ${dimensions} dimensions (at most ${MAX_DIMS})`);
    const shape: bigint[] = [];
    let elements = 1n;
    for (let dimension = 0; dimension < dimensions; dimension++) {
      const extent = await reader.u64(`dimension ${dimension} of "${name}"`);
      if (extent > INT64_MAX) throw damaged(`tensor "${name}" has a negative dimension (${BigInt.asIntN(64, extent)})`);
      shape.push(extent);
      elements *= extent;
      if (elements > INT64_MAX) throw damaged(`tensor "${name}" has an impossible shape [${shape.join(", ")}…] (more than 2^63 elements)`);
    }
    if (recordsRowLength(name) && shape.length > 0) collected.rowLengths.set(name, Number(shape[0]));
    if (name === "token_embd.weight" && shape.length === 2) collected.embeddingRows = Number(shape[1]);
    const typeId = await reader.u32(`the type of "${name}"`);
    const type = ggmlType(typeId);
    if (!type) throw damaged(`tensor "${name}" has the unknown tensor type ${typeId} (a newer quantization than this llama.cpp knows, or damage)`);
    const rowLength = shape[0] ?? 1n;
    if (rowLength % BigInt(type.blockSize) !== 0n) throw damaged(`tensor "${name}" has rows of ${rowLength} elements, not a multiple of the ${type.name} block size ${type.blockSize}`);
    const bytes = (elements / BigInt(type.blockSize)) * BigInt(type.blockBytes);
    const offset = await reader.u64(`the data offset of "${name}"`);
    if (offset !== expectedOffset) throw damaged(`tensor "${name}" starts at data offset ${offset}, but the tensors before it end at ${expectedOffset}`);
    tensors.push({ name, offset, bytes });
    dataEnd = offset + bytes;
    expectedOffset = alignUp(dataEnd, BigInt(alignment));
  }

  // More tokens than embeddings: llama.cpp refuses it too, but only after parsing them all (26 s for a million).
  if (collected.tokenCount !== undefined && collected.embeddingRows !== undefined && collected.tokenCount > collected.embeddingRows) {
    throw new GgufHeaderProblem("inconsistent", `"${TOKENS_KEY}" has ${collected.tokenCount} tokens, but token_embd.weight has embeddings for ${collected.embeddingRows}`);
  }
  // Adapters (LoRA) carry no model settings of their own; vocabulary-only files load no model.
  if (tensorCount > 0 && architecture !== undefined && collected.strings.get("general.type") !== "adapter") {
    const problem = findAbortingSetting(collected.facts(architecture));
    if (problem) throw new GgufHeaderProblem("unrunnable", problem);
  }

  const dataStart = tensorCount > 0 ? alignUp(BigInt(reader.position), BigInt(alignment)) : BigInt(reader.position);
  const requiredBytes = dataStart + dataEnd;
  if (requiredBytes > BigInt(size)) {
    const cut = tensors.find((tensor) => dataStart + tensor.offset + tensor.bytes > BigInt(size));
    throw new GgufHeaderProblem("truncated", `its tensors need ${requiredBytes} bytes but the file has only ${size}${cut ? ` (tensor "${cut.name}" is cut off)` : ""}`);
  }
  return { version, tensorCount, entryCount, requiredBytes: Number(requiredBytes) };
}

function alignUp(value: bigint, alignment: bigint): bigint {
  const rest = value % alignment;
  return rest === 0n ? value : value + alignment - rest;
}
