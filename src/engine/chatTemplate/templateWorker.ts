/**
 * The chat-template worker: runs node-llama-cpp's chat wrapper resolution and rendering for one
 * model, away from the engine's main thread (see templateProtocol.ts). The engine terminates it
 * when a call runs past its deadline, and its heap is capped, so a looping or huge template
 * costs a warning instead of a frozen engine.
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import type { ChatWrapper, Token, Tokenizer } from "node-llama-cpp" with { "resolution-mode": "import" };
import { limitJinja } from "./jinjaLimits";
import { decodeLlamaValues, encodeLlamaValues, type LlamaTextClasses } from "./llamaTextJson";
import type {
  CallReply, CallRequest, EngineToTemplateWorker, TemplateWorkerData, TemplateWorkerToEngine, TokenizerMethod, WrapperMethod,
} from "./templateProtocol";

// eslint-disable-next-line @typescript-eslint/consistent-type-imports
type NodeLlamaCpp = typeof import("node-llama-cpp", { with: { "resolution-mode": "import" } });

/** A tokenizer call waits this long for the engine, which answers at once unless it is busy. */
const TOKENIZER_WAIT_MS = 10_000;

const data = workerData as TemplateWorkerData;
const port = parentPort;
let wrapper: ChatWrapper | undefined;
// Started at once: the engine starts this worker before it loads the model. The limits go on the
// interpreter node-llama-cpp imports (the same module in this thread) before any template runs.
const library: Promise<NodeLlamaCpp> = import("@huggingface/jinja").then((jinja) => {
  limitJinja(jinja);
  return import("node-llama-cpp");
});
const fileInfo = library.then(({ readGgufFileInfo }) => readGgufFileInfo(data.modelPath, { readTensorInfo: false }));
// Failures are reported when the engine asks for the wrapper.
fileInfo.catch(() => undefined);

function lib(): Promise<NodeLlamaCpp> {
  return library;
}

function send(message: TemplateWorkerToEngine): void {
  port?.postMessage(message);
}

/** Calls the engine's tokenizer synchronously: node-llama-cpp's chat wrappers expect a synchronous one. */
function callEngine(method: TokenizerMethod, args: unknown[]): unknown {
  const flag = new Int32Array(data.tokenizerFlag);
  Atomics.store(flag, 0, 0);
  const request: CallRequest<TokenizerMethod> = { method, args };
  data.tokenizerPort.postMessage(request);
  const outcome = Atomics.wait(flag, 0, 0, TOKENIZER_WAIT_MS);
  const reply = receiveMessageOnPort(data.tokenizerPort)?.message as CallReply | undefined;
  if (outcome === "timed-out" || !reply) throw new Error("the engine did not answer a tokenizer call");
  if (!reply.ok) throw new Error(reply.message);
  return reply.value;
}

function tokens(value: unknown): Token[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "number")) throw new Error("the engine's tokenizer answered with something other than tokens");
  return value as Token[];
}

function engineTokenizer(): Tokenizer {
  const tokenize = (text: string, specialTokens?: boolean | "builtin", options?: "trimLeadingSpace") => tokens(callEngine("tokenize", [text, specialTokens, options]));
  return Object.assign(tokenize, {
    detokenize: (input: readonly Token[], specialTokens?: boolean, lastTokens?: readonly Token[]) => String(callEngine("detokenize", [input, specialTokens, lastTokens])),
    isSpecialToken: (token: Token) => callEngine("isSpecialToken", [token]) === true,
    isEogToken: (token: Token) => callEngine("isEogToken", [token]) === true,
  }) as Tokenizer;
}

async function resolve(message: Extract<EngineToTemplateWorker, { kind: "resolve" }>): Promise<void> {
  try {
    const { resolveChatWrapper, GeneralChatWrapper } = await lib();
    const info = await fileInfo;
    // node-llama-cpp reports a template that fails its checks on the console and then picks another wrapper.
    const problems: string[] = [];
    let resolved: ChatWrapper;
    const consoleError = console.error;
    // It logs its own words, then the error: keep the error's, without node-llama-cpp's wrapping.
    console.error = (...items: unknown[]) => problems.push(items.map((item) => item instanceof Error ? item.message : String(item)).at(-1) ?? "");
    try {
      // Without `llama`, node-llama-cpp has no native Jinja renderer to fall back on: native code could not be stopped.
      resolved = resolveChatWrapper({
        bosString: message.bosString, filename: message.filename, fileInfo: info, tokenizer: engineTokenizer(), warningLogs: false,
      }) ?? new GeneralChatWrapper();
    } finally {
      console.error = consoleError;
    }
    wrapper = resolved;
    const templateProblem = problems.map(innermostProblem).find((text) => text !== "");
    send({ kind: "resolved", wrapperName: resolved.wrapperName, typeName: resolved.constructor.name, settings: encodeLlamaValues(resolved.settings, await lib()), templateProblem });
  } catch (error) {
    send({ kind: "resolveFailed", message: error instanceof Error ? error.message : String(error) });
  }
}

/** "The provided Jinja template failed the sanity test: Error: X. Inspect the Jinja template…" -> "X". */
function innermostProblem(text: string): string {
  return text.replace(/^.*?(Error: )+/s, "").replace(/\. Inspect the Jinja template.*$/s, "").trim();
}

function call(request: CallRequest<WrapperMethod>, classes: LlamaTextClasses): CallReply {
  try {
    if (!wrapper) throw new Error("the chat template was not resolved");
    const method = wrapper[request.method] as (...args: unknown[]) => unknown;
    const args = request.args.map((arg) => decodeLlamaValues(arg, classes));
    return { ok: true, value: encodeLlamaValues(method.apply(wrapper, args), classes) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

port?.on("message", (message: EngineToTemplateWorker) => {
  if (message.kind === "resolve") {
    void resolve(message);
    return;
  }
  void lib().then((classes) => send({ kind: "result", id: message.id, reply: call(message, classes) }));
});

// Calls the engine waits for: reply, then wake it.
data.renderPort.on("message", (request: CallRequest<WrapperMethod>) => {
  void lib().then((classes) => {
    data.renderPort.postMessage(call(request, classes));
    const flag = new Int32Array(data.renderFlag);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
});
