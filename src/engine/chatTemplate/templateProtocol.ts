import type { MessagePort } from "node:worker_threads";

/**
 * The protocol between the engine and its chat-template worker (templateWorker.ts). A chat
 * template is code from the model file: the worker runs it (node-llama-cpp's chat wrappers and
 * their Jinja renderer) where a deadline and a memory limit can stop it, and the engine's main
 * thread stays free to answer. Values cross as plain data (llamaTextJson.ts).
 */

/** The chat wrapper methods the engine's LlamaChatSession calls, all synchronous. */
export const WRAPPER_METHODS = [
  "generateContextState", "generateInitialChatHistory", "generateModelResponseText", "generateFunctionCallsAndResults",
  "generateFunctionCall", "generateFunctionCallResult", "generateAvailableFunctionsSystemText", "addAvailableFunctionsSystemMessageToHistory",
] as const;
export type WrapperMethod = typeof WRAPPER_METHODS[number];

/** The engine's tokenizer, which the worker's chat wrapper calls while it resolves (node-llama-cpp's Tokenizer). */
export type TokenizerMethod = "tokenize" | "detokenize" | "isSpecialToken" | "isEogToken";

export interface TemplateWorkerData {
  modelPath: string;
  /**
   * Synchronous calls use a port and a shared flag: the caller posts, then waits on the flag
   * with Atomics.wait; the callee posts its reply, sets the flag to 1 and wakes the caller, who
   * takes the reply with receiveMessageOnPort.
   */
  tokenizerPort: MessagePort;
  tokenizerFlag: SharedArrayBuffer;
  renderPort: MessagePort;
  renderFlag: SharedArrayBuffer;
}

export type EngineToTemplateWorker =
  | { kind: "resolve"; bosString?: string; filename?: string }
  | { kind: "call"; id: number; method: WrapperMethod; args: unknown[] };

export type TemplateWorkerToEngine =
  | { kind: "resolved"; wrapperName: string; typeName: string; settings: unknown; templateProblem?: string }
  | { kind: "resolveFailed"; message: string }
  | { kind: "result"; id: number; reply: CallReply };

export interface CallRequest<M extends string> {
  method: M;
  args: unknown[];
}

export type CallReply = { ok: true; value: unknown } | { ok: false; message: string };
