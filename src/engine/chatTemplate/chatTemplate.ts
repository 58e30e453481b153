import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { ChatHistoryItem, ChatWrapper, ChatWrapperSettings, LlamaModel, Token } from "node-llama-cpp" with { "resolution-mode": "import" };
import { decodeLlamaValues, encodeLlamaValues } from "./llamaTextJson";
import {
  WRAPPER_METHODS, type CallReply, type CallRequest, type EngineToTemplateWorker, type TemplateWorkerData, type TemplateWorkerToEngine, type TokenizerMethod,
  type WrapperMethod,
} from "./templateProtocol";

// eslint-disable-next-line @typescript-eslint/consistent-type-imports
type NodeLlamaCpp = typeof import("node-llama-cpp", { with: { "resolution-mode": "import" } });

/**
 * Limits on a model's chat template (code from the model file, run by node-llama-cpp).
 * Published templates are at most a few tens of KB and render in milliseconds; node-llama-cpp's
 * resolution renders one many times (DeepSeek-Coder's: 3 s on this machine).
 */
export interface ChatTemplateLimits {
  maxTemplateBytes: number;
  /** Choosing the chat wrapper (node-llama-cpp's resolveChatWrapper) in the worker. */
  resolveMs: number;
  /** One rendering: the engine's main thread waits at most this long for one it did not prepare. */
  renderMs: number;
  /** The worker's heap. */
  memoryMb: number;
}

export const DEFAULT_TEMPLATE_LIMITS: ChatTemplateLimits = { maxTemplateBytes: 64 * 1024, resolveMs: 30_000, renderMs: 2_000, memoryMb: 128 };

/** The chat wrapper a model uses, as the model information shows it. */
export interface ChatWrapperChoice {
  name: string;
  typeName: string;
  /** Why the model's own template is not used, when it is not. */
  warning?: string;
}

class TemplateFailure extends Error {}

/**
 * The chat wrapper of one loaded model. A model without a chat template gets node-llama-cpp's
 * built-in choice (which runs no code from the file). A model with one gets a wrapper whose
 * every call runs in a worker thread (templateWorker.ts) under a deadline and a memory cap; a
 * template that is too large, fails, or runs past a deadline is replaced by a built-in format
 * with a warning, and the engine carries on.
 */
export class ChatTemplate {
  private worker: Worker | undefined;
  private workerMessages: ((message: TemplateWorkerToEngine) => void) | undefined;
  private workerGone: ((why: string) => void) | undefined;
  private readonly channels: MessagePort[] = [];
  private renderPort: MessagePort | undefined;
  private renderFlag: Int32Array | undefined;
  private model: LlamaModel | undefined;
  private settings: ChatWrapperSettings | undefined;
  private fallback: ChatWrapper | undefined;
  private choice: ChatWrapperChoice = { name: "", typeName: "" };
  private nextCallId = 1;
  private readonly asyncCalls = new Map<number, (reply: CallReply) => void>();
  /** Renderings prepared ahead of the synchronous call that needs them (key: method and arguments). */
  private readonly prepared = new Map<string, unknown>();
  private readonly limits: ChatTemplateLimits;
  readonly wrapper: ChatWrapper;

  /**
   * Starts the worker before the model loads (it reads the file's header and loads
   * node-llama-cpp meanwhile); `resolve` decides once the model is loaded.
   */
  constructor(
    private readonly lib: NodeLlamaCpp,
    private readonly options: { modelPath: string; displayName: string; workerPath: string; limits?: Partial<ChatTemplateLimits>; onWarning: (message: string, choice: ChatWrapperChoice) => void },
  ) {
    const given = options.limits ?? {};
    this.limits = {
      maxTemplateBytes: given.maxTemplateBytes ?? DEFAULT_TEMPLATE_LIMITS.maxTemplateBytes,
      resolveMs: given.resolveMs ?? DEFAULT_TEMPLATE_LIMITS.resolveMs,
      renderMs: given.renderMs ?? DEFAULT_TEMPLATE_LIMITS.renderMs,
      memoryMb: given.memoryMb ?? DEFAULT_TEMPLATE_LIMITS.memoryMb,
    };
    this.wrapper = isolatedWrapper(lib, this);
    this.startWorker();
  }

  get current(): ChatWrapperChoice {
    return this.choice;
  }

  /** Chooses the loaded model's wrapper; never throws for a bad template. */
  async resolve(model: LlamaModel): Promise<void> {
    this.model = model;
    const text = model.fileInfo.metadata.tokenizer?.chat_template;
    if (typeof text !== "string" || text.trim() === "") {
      // Only node-llama-cpp's name and architecture rules: no code from the file runs.
      this.stopWorker();
      this.useFallback(this.lib.resolveChatWrapper(model));
      return;
    }
    const bytes = Buffer.byteLength(text);
    if (bytes > this.limits.maxTemplateBytes) {
      this.failOver(`is ${bytes} bytes long, more than the ${this.limits.maxTemplateBytes} Hearth runs`);
      return;
    }
    try {
      const resolved = await this.resolveInWorker(model);
      this.settings = decodeLlamaValues(resolved.settings, this.lib) as ChatWrapperSettings;
      this.choice = { name: resolved.wrapperName, typeName: resolved.typeName };
      if (resolved.templateProblem) {
        this.choice.warning = `${this.options.displayName}: its chat template failed: ${resolved.templateProblem}; the chat uses the built-in ${resolved.wrapperName} format instead.`;
        this.options.onWarning(this.choice.warning, this.choice);
      }
    } catch (error) {
      this.failOver(error instanceof TemplateFailure ? error.message : `could not be run (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private startWorker(): void {
    const tokenizer = new MessageChannel();
    const render = new MessageChannel();
    const tokenizerFlag = new SharedArrayBuffer(4);
    const renderFlag = new SharedArrayBuffer(4);
    this.channels.push(tokenizer.port1, tokenizer.port2, render.port1, render.port2);
    this.renderPort = render.port1;
    this.renderFlag = new Int32Array(renderFlag);
    const workerData: TemplateWorkerData = { modelPath: this.options.modelPath, tokenizerPort: tokenizer.port2, tokenizerFlag, renderPort: render.port2, renderFlag };
    const worker = new Worker(this.options.workerPath, {
      workerData,
      transferList: [tokenizer.port2, render.port2],
      resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryMb, maxYoungGenerationSizeMb: 16 },
      stdout: false,
      stderr: false,
    });
    this.worker = worker;
    worker.unref();
    this.serveTokenizer(tokenizer.port1, new Int32Array(tokenizerFlag));
    worker.on("message", (message: TemplateWorkerToEngine) => {
      if (message.kind === "result") this.asyncCalls.get(message.id)?.(message.reply);
      else this.workerMessages?.(message);
    });
    const gone = (why: string) => {
      if (this.worker === worker) this.worker = undefined;
      this.workerGone?.(why);
      for (const settle of [...this.asyncCalls.values()]) settle({ ok: false, message: why });
    };
    worker.on("error", (error) => gone(/memory/i.test(error.message) ? `used more than the ${this.limits.memoryMb} MB allowed` : `failed: ${error.message}`));
    worker.on("exit", () => gone("stopped"));
  }

  private resolveInWorker(model: LlamaModel): Promise<Extract<TemplateWorkerToEngine, { kind: "resolved" }>> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new TemplateFailure("could not be run (its worker stopped)"));
    return new Promise<Extract<TemplateWorkerToEngine, { kind: "resolved" }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TemplateFailure(`did not finish its checks within ${this.limits.resolveMs / 1000} s`)), this.limits.resolveMs);
      this.workerMessages = (message) => {
        clearTimeout(timer);
        if (message.kind === "resolved") resolve(message);
        else if (message.kind === "resolveFailed") reject(new TemplateFailure(`failed: ${message.message}`));
      };
      this.workerGone = (why) => {
        clearTimeout(timer);
        reject(new TemplateFailure(why));
      };
      const request: EngineToTemplateWorker = { kind: "resolve", bosString: model.tokens.bosString ?? undefined, filename: model.filename };
      worker.postMessage(request);
    }).finally(() => {
      this.workerMessages = undefined;
      this.workerGone = undefined;
    });
  }

  /** Answers the worker's synchronous tokenizer calls with the loaded model's tokenizer. */
  private serveTokenizer(port: MessagePort, flag: Int32Array): void {
    port.on("message", (request: CallRequest<TokenizerMethod>) => {
      let reply: CallReply;
      try {
        reply = { ok: true, value: this.tokenizerCall(request) };
      } catch (error) {
        reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
      port.postMessage(reply);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
    port.unref();
  }

  private tokenizerCall({ method, args }: CallRequest<TokenizerMethod>): unknown {
    const model = this.model;
    if (!model) throw new Error("the model is not loaded yet");
    const tokenizer = model.tokenizer;
    const [first, second, third] = args;
    switch (method) {
      case "tokenize": {
        const text = String(first);
        if (second === "builtin") return model.tokenize(text as Parameters<LlamaModel["tokenize"]>[0], "builtin");
        return tokenizer(text, second === true, third === "trimLeadingSpace" ? "trimLeadingSpace" : undefined);
      }
      case "detokenize":
        return tokenizer.detokenize(tokenList(first), second === true, tokenList(third));
      case "isSpecialToken":
        return typeof first === "number" && tokenizer.isSpecialToken(first as Token);
      case "isEogToken":
        return typeof first === "number" && tokenizer.isEogToken(first as Token);
    }
  }

  /**
   * Renders the prompt a chat session is about to ask for, off the main thread, so that a
   * template that loops (perhaps only on long conversations) is caught without stalling the
   * engine; the session's own call then finds it ready.
   */
  async prepare(history: readonly ChatHistoryItem[], message: string): Promise<void> {
    if (this.fallback || !this.worker) return;
    const chatHistory = [...this.lib.appendUserMessageToChatHistory([...history], message), { type: "model", response: [] }];
    const args = [encodeLlamaValues({ chatHistory }, this.lib)];
    const key = preparedKey("generateContextState", args);
    if (this.prepared.has(key)) return;
    const reply = await this.callAsync("generateContextState", args);
    if (reply.ok) this.remember(key, reply.value);
    else this.failOver(reply.message);
  }

  private callAsync(method: WrapperMethod, args: unknown[]): Promise<CallReply> {
    const worker = this.worker;
    if (!worker) return Promise.resolve({ ok: false, message: "stopped" });
    const id = this.nextCallId++;
    return new Promise<CallReply>((resolve) => {
      const timer = setTimeout(() => settle({ ok: false, message: `did not finish rendering within ${this.limits.renderMs / 1000} s` }), this.limits.renderMs);
      const settle = (reply: CallReply) => {
        clearTimeout(timer);
        this.asyncCalls.delete(id);
        resolve(reply);
      };
      this.asyncCalls.set(id, settle);
      const request: EngineToTemplateWorker = { kind: "call", id, method, args };
      worker.postMessage(request);
    }).then((reply) => reply.ok ? reply : { ok: false, message: reply.message.startsWith("did not") ? reply.message : `failed: ${reply.message}` });
  }

  /** A chat wrapper call from node-llama-cpp, which is synchronous: answered from what was prepared, or waited for up to the deadline. */
  call(method: WrapperMethod, args: unknown[]): unknown {
    if (!this.fallback) {
      const encoded = args.map((arg) => encodeLlamaValues(arg, this.lib));
      const key = preparedKey(method, encoded);
      const ready = this.prepared.get(key);
      if (ready !== undefined) return decodeLlamaValues(ready, this.lib);
      const reply = this.callSync(method, encoded);
      if (reply.ok) {
        this.remember(key, reply.value);
        return decodeLlamaValues(reply.value, this.lib);
      }
      this.failOver(reply.message);
    }
    return invoke(this.requireFallback(), method, args);
  }

  private callSync(method: WrapperMethod, args: unknown[]): CallReply {
    const port = this.renderPort;
    const flag = this.renderFlag;
    if (!port || !flag || !this.worker) return { ok: false, message: "stopped" };
    Atomics.store(flag, 0, 0);
    const request: CallRequest<WrapperMethod> = { method, args };
    port.postMessage(request);
    const outcome = Atomics.wait(flag, 0, 0, this.limits.renderMs);
    const reply = receiveMessageOnPort(port)?.message as CallReply | undefined;
    if (outcome === "timed-out" || !reply) return { ok: false, message: `did not finish rendering within ${this.limits.renderMs / 1000} s` };
    return reply.ok ? reply : { ok: false, message: `failed: ${reply.message}` };
  }

  private remember(key: string, value: unknown): void {
    this.prepared.set(key, value);
    // Only the latest few matter: each new chat message makes a new prompt.
    for (const old of this.prepared.keys()) {
      if (this.prepared.size <= 8) break;
      this.prepared.delete(old);
    }
  }

  currentSettings(): ChatWrapperSettings {
    return this.fallback?.settings ?? this.settings ?? this.lib.ChatWrapper.defaultSettings;
  }

  /** Stops running the model's template for good and switches to a built-in format. */
  private failOver(reason: string): void {
    if (this.fallback) return;
    this.stopWorker();
    const fallback = this.useFallback(builtInWrapper(this.lib, this.model));
    this.choice.warning = `${this.options.displayName}: its chat template ${reason}; the chat uses the built-in ${fallback.wrapperName} format instead.`;
    this.options.onWarning(this.choice.warning, this.choice);
  }

  private useFallback(wrapper: ChatWrapper): ChatWrapper {
    this.fallback = wrapper;
    this.prepared.clear();
    this.choice = { name: wrapper.wrapperName, typeName: wrapper.constructor.name };
    return wrapper;
  }

  private requireFallback(): ChatWrapper {
    this.fallback ??= this.useFallback(builtInWrapper(this.lib, this.model));
    return this.fallback;
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = undefined;
    for (const settle of this.asyncCalls.values()) settle({ ok: false, message: "stopped" });
    void worker?.terminate();
    for (const port of this.channels) port.close();
    this.channels.length = 0;
    this.renderPort = undefined;
  }

  dispose(): void {
    this.stopWorker();
  }
}

/** Token ids from the worker (checked: a list of numbers). */
function tokenList(value: unknown): Token[] {
  return Array.isArray(value) && value.every((item) => typeof item === "number") ? value as Token[] : [];
}

function preparedKey(method: WrapperMethod, args: unknown[]): string {
  return `${method}:${JSON.stringify(args)}`;
}

/** Calls a wrapper method by name; the arguments are those node-llama-cpp passed to the isolated wrapper. */
function invoke(wrapper: ChatWrapper, method: WrapperMethod, args: unknown[]): unknown {
  const target = wrapper[method] as (...args: unknown[]) => unknown;
  return target.apply(wrapper, args);
}

/**
 * The format used instead of a template that cannot be run: recognised from marker tokens in
 * the template's text (read, never run), as node-llama-cpp does, or else node-llama-cpp's rules
 * for a model without a template (its name, its architecture).
 */
function builtInWrapper(lib: NodeLlamaCpp, model: LlamaModel | undefined): ChatWrapper {
  if (!model) return new lib.GeneralChatWrapper();
  const template = model.fileInfo.metadata.tokenizer?.chat_template ?? "";
  if (template.includes("<|im_start|>")) return new lib.ChatMLChatWrapper();
  if (template.includes("<|start_header_id|>") && template.includes("<|end_header_id|>")) return new lib.Llama3ChatWrapper();
  if (template.includes("<start_of_turn>")) return new lib.GemmaChatWrapper();
  if (template.includes("[INST]")) return new lib.Llama2ChatWrapper();
  const fileInfo = { ...model.fileInfo, metadata: { ...model.fileInfo.metadata, tokenizer: { ...model.fileInfo.metadata.tokenizer, chat_template: undefined } } };
  return lib.resolveChatWrapper({
    bosString: model.tokens.bosString, filename: model.filename, fileInfo, tokenizer: model.tokenizer, warningLogs: false,
  }) ?? new lib.GeneralChatWrapper();
}

/** A ChatWrapper whose calls go to a ChatTemplate (node-llama-cpp's sessions take a ChatWrapper instance). */
function isolatedWrapper(lib: NodeLlamaCpp, template: ChatTemplate): ChatWrapper {
  class IsolatedChatWrapper extends lib.ChatWrapper {
    constructor() {
      super();
      // The base class sets `settings` as an own field: replace it with the current wrapper's.
      Object.defineProperty(this, "settings", { get: () => template.currentSettings() });
    }

    get wrapperName(): string {
      return template.current.name;
    }
  }
  const prototype = IsolatedChatWrapper.prototype as unknown as Record<WrapperMethod, (...args: unknown[]) => unknown>;
  for (const method of WRAPPER_METHODS) prototype[method] = (...args: unknown[]) => template.call(method, args);
  return new IsolatedChatWrapper();
}
