/**
 * The one protocol between the extension host and the engine process.
 * Each method maps to exactly one params type and one result type; streaming
 * requests additionally emit `stream` messages carrying text chunks.
 */

import type { FimFormat } from "../core/fim/fimFormat";
import type { FimInput } from "../core/fim/fimLayout";
import type { SpanRule } from "../core/completion/suggestionShape";

export type ModelRole = "completion" | "chat";

export interface LoadSettings {
  /** CPU threads for evaluation; 0 lets the engine choose its measured default. */
  threads: number;
  /** Requested context size in tokens; capped by the model's trained length. */
  contextSize: number;
  /** "auto" lets node-llama-cpp pick how many layers fit on the GPU. */
  gpuLayers: number | "auto";
  /** "auto" picks CUDA/Vulkan/Metal when present, false forces CPU. */
  gpu: "auto" | false;
  /** LoRA adapter GGUF files applied on top of the model. */
  loraAdapters?: LoraAdapter[];
}

export interface LoraAdapter {
  filePath: string;
  /** Defaults to 1. */
  scale?: number;
}

export interface LoadModelParams {
  role: ModelRole;
  modelPath: string;
  settings: LoadSettings;
}

export interface LoadedModelInfo {
  role: ModelRole;
  modelPath: string;
  /** File name without the .gguf extension: what the user recognises. */
  displayName: string;
  architecture: string;
  contextSize: number;
  trainedContextSize: number;
  threads: number;
  /** The model's fill-in-the-middle format, detected from its tokenizer; null without FIM tokens. */
  fim: FimFormat | null;
  /** Layers offloaded to a GPU (0 on the CPU). */
  gpuLayers: number;
  /** node-llama-cpp's estimate of what the model and its context take. */
  memoryEstimate: { ramBytes: number; vramBytes: number };
  chatWrapper: string;
  /** node-llama-cpp's class for the chat template, e.g. Llama3ChatWrapper or JinjaTemplateChatWrapper. */
  chatWrapperType: string;
  /** Why the model's own chat template is not used (too large, failing, too slow), when it is not. */
  chatTemplateWarning?: string;
  loraAdapters: LoraAdapter[];
  loadMs: number;
  /** Prompt evaluation speed measured at load (tokens per second): sizes cold prompts to a time budget. */
  promptTokensPerSecond: number;
}

export interface SamplingParams {
  maxTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  /** Stop as soon as the generated text contains one of these. */
  stopStrings?: string[];
  /** After this many ms, stop at the next newline (llama.vscode's t_max_predict_ms). */
  timeBudgetMs?: number;
  /**
   * Completions: how far the suggestion may run (one line, the block its first line opens,
   * siblings…). The engine stops as soon as more text cannot change what is kept.
   */
  span?: SpanRule;
  /**
   * A first line still unfinished after this many generated tokens ends the request there, as a
   * single-line request would: several lines of code get the multi-line budget only once their
   * first line is done.
   */
  firstLineMaxTokens?: number;
  /** false evaluates the whole prompt again (the benchmarks' baseline); default true. */
  reusePrefix?: boolean;
  /**
   * Most milliseconds of prompt evaluation (at the speed measured at load) a FIM request may
   * spend: context the caches do not hold is then left out, farthest from the cursor first,
   * until idle prefill makes it free. Unset: the whole prompt, whatever it costs.
   */
  promptBudgetMs?: number;
}

export interface CompleteParams extends SamplingParams {
  /** Plain text continued by the model. */
  prompt: string;
}

/** Fill-in-the-middle completion in the completion model's own format. */
export interface InfillParams extends SamplingParams, FimInput {}

export interface GenerationStats {
  promptTokens: number;
  reusedTokens: number;
  evaluatedTokens: number;
  promptMs: number;
  firstTokenMs: number;
  generationMs: number;
  generatedTokens: number;
  /** Of the reused tokens, those kept at shifted positions (beyond the common prefix). */
  shiftedTokens?: number;
  /** Prompt tokens of the requested prompt left out to fit `promptBudgetMs`. */
  leftOutTokens?: number;
}

export type StopReason = "eog" | "maxTokens" | "stopString" | "timeBudget" | "aborted";

export interface CompleteResult {
  text: string;
  /** The prompt as text (special tokens written out), for the prompt inspector. */
  prompt: string;
  stopReason: StopReason;
  stats: GenerationStats;
}

/**
 * Evaluates the prompt the next completion request will need, without generating, at low
 * priority: it never interrupts a request, and any request preempts it and reuses what it did.
 */
export interface PrefillParams {
  /** A FIM prompt (completion models with FIM tokens)… */
  fim?: FimInput;
  /** …or a plain one. */
  prompt?: string;
  /**
   * The requests' prompt budget (InfillParams.promptBudgetMs): when the whole prompt would not fit
   * it, the prompt a request would evaluate now is prefilled first, then the whole one.
   */
  promptBudgetMs?: number;
}

export interface PrefillResult {
  /** False when a request was running (a prefill never interrupts one). */
  ran: boolean;
  /** True when the whole prompt is now in a sequence; false when a request preempted it. */
  complete: boolean;
  promptTokens: number;
  reusedTokens: number;
  evaluatedTokens: number;
  promptMs: number;
}

export interface ChatTurn {
  role: "user" | "assistant";
  text: string;
}

export interface ChatParams extends SamplingParams {
  conversationId: string;
  systemPrompt?: string;
  /** Prior turns of the conversation, oldest first (without the new message). */
  history: ChatTurn[];
  message: string;
  /**
   * The start of the reply, already written (Continue after hearth.chat.maxTokens): the model
   * goes on from there; the stream and the result hold only the new text.
   */
  responsePrefix?: string;
}

export interface ChatResult {
  text: string;
  stopReason: StopReason;
  stats: GenerationStats;
  /** Earlier turns that no longer fit in the context window and were left out (oldest first). */
  droppedTurns: number;
}

/** A model file as the catalog shows it, from its GGUF header. */
export interface ModelDescription {
  path: string;
  /** general.name, when the file has one. */
  name?: string;
  architecture: string;
  parameterCount?: number;
  sizeLabel?: string;
  quantization?: string;
  trainedContextSize?: number;
  chatTemplate?: string;
  fim: FimFormat | null;
  license?: string;
  tensorCount: number;
  /** A tokenizer-only file: not a usable model. */
  vocabularyOnly: boolean;
}

export interface EngineStatus {
  pid: number;
  models: LoadedModelInfo[];
}

/** Request method name → params and result. */
export interface EngineMethods {
  loadModel: { params: LoadModelParams; result: LoadedModelInfo };
  unloadModel: { params: { role: ModelRole }; result: null };
  complete: { params: CompleteParams; result: CompleteResult };
  infill: { params: InfillParams; result: CompleteResult };
  prefill: { params: PrefillParams; result: PrefillResult };
  chat: { params: ChatParams; result: ChatResult };
  status: { params: Record<string, never>; result: EngineStatus };
  describeModel: { params: { path: string }; result: ModelDescription };
}

export type EngineMethod = keyof EngineMethods;

export type EngineErrorCode =
  | "modelNotFound"
  | "notGguf"
  | "loadFailed"
  | "insufficientMemory"
  | "noModel"
  | "fimUnsupported"
  | "aborted"
  | "superseded"
  | "engineCrashed"
  /** The request ran past its deadline and was cancelled (core/engine/engineDeadlines.ts). */
  | "timeout"
  | "internal";

export interface EngineErrorPayload {
  code: EngineErrorCode;
  message: string;
}

export type ExtensionToEngineMessage =
  | { kind: "request"; id: number; method: EngineMethod; params: EngineMethods[EngineMethod]["params"] }
  | { kind: "cancel"; id: number };

export type EngineToExtensionMessage =
  | { kind: "response"; id: number; ok: true; result: EngineMethods[EngineMethod]["result"] }
  | { kind: "response"; id: number; ok: false; error: EngineErrorPayload }
  | { kind: "stream"; id: number; text: string }
  | { kind: "log"; level: "info" | "warn" | "error"; message: string }
  | { kind: "ready"; pid: number };

const ERROR_CODES: ReadonlySet<string> = new Set<EngineErrorCode>([
  "modelNotFound", "notGguf", "loadFailed", "insufficientMemory", "noModel", "fimUnsupported",
  "aborted", "superseded", "engineCrashed", "timeout", "internal",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Validates the shape of a message received over IPC (it crosses a process boundary). */
export function parseEngineMessage(value: unknown): EngineToExtensionMessage | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.kind) {
    case "response": {
      if (typeof value.id !== "number") return undefined;
      if (value.ok === true) return { kind: "response", id: value.id, ok: true, result: value.result as EngineMethods[EngineMethod]["result"] };
      const error = value.error;
      if (!isRecord(error) || typeof error.message !== "string" || typeof error.code !== "string") return undefined;
      const code = ERROR_CODES.has(error.code) ? (error.code as EngineErrorCode) : "internal";
      return { kind: "response", id: value.id, ok: false, error: { code, message: error.message } };
    }
    case "stream":
      return typeof value.id === "number" && typeof value.text === "string" ? { kind: "stream", id: value.id, text: value.text } : undefined;
    case "log":
      return (value.level === "info" || value.level === "warn" || value.level === "error") && typeof value.message === "string"
        ? { kind: "log", level: value.level, message: value.message }
        : undefined;
    case "ready":
      return typeof value.pid === "number" ? { kind: "ready", pid: value.pid } : undefined;
    default:
      return undefined;
  }
}

export function parseExtensionMessage(value: unknown): ExtensionToEngineMessage | undefined {
  if (!isRecord(value) || typeof value.id !== "number") return undefined;
  if (value.kind === "cancel") return { kind: "cancel", id: value.id };
  if (value.kind === "request" && typeof value.method === "string" && isEngineMethod(value.method) && isRecord(value.params)) {
    return { kind: "request", id: value.id, method: value.method, params: value.params as EngineMethods[EngineMethod]["params"] };
  }
  return undefined;
}

const METHODS: ReadonlySet<string> = new Set<EngineMethod>(["loadModel", "unloadModel", "complete", "infill", "prefill", "chat", "status", "describeModel"]);
function isEngineMethod(method: string): method is EngineMethod {
  return METHODS.has(method);
}
