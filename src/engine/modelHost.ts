import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import type {
  GgufInsights, Llama, LlamaChatSession, LlamaContext, LlamaContextSequence, LlamaModel, Token,
} from "node-llama-cpp" with { "resolution-mode": "import" };
import { formatBytes } from "../core/models/modelFiles";
import { detectFimFormat, fimStopTokenRoles, usableMetadataFimTokens, type DeclaredFimToken, type FimFormat, type FimTokenRole } from "../core/fim/fimFormat";
import { layoutFimPrompt, renderSegments } from "../core/fim/fimLayout";
import type {
  ChatParams, ChatResult, CompleteParams, CompleteResult, InfillParams, LoadModelParams, LoadSettings, LoadedModelInfo, ModelDescription,
  ModelRole,
} from "../protocol/engineProtocol";
import { backendLine, isGpuBuild } from "./backendLine";
import { ChatTemplate, type ChatTemplateLimits } from "./chatTemplate/chatTemplate";
import { EngineError } from "./engineError";
import { generateOnSequence } from "./generation";
import { checkFitsInMemory, estimateMemory } from "./memoryCheck";
import { FileInspector } from "./fileInspection/fileInspector";
import { checkModelFile } from "./modelFileCheck";

// node-llama-cpp is ESM-only: this CommonJS bundle loads it lazily with import().
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
type NodeLlamaCpp = typeof import("node-llama-cpp", { with: { "resolution-mode": "import" } });

/** One model file in memory, shared by every role that uses it. */
interface LoadedModel {
  modelPath: string;
  settingsKey: string;
  model: LlamaModel;
  context: LlamaContext;
  sequences: Record<ModelRole, LlamaContextSequence>;
  roles: Set<ModelRole>;
  info: Omit<LoadedModelInfo, "role">;
  /** The model's chat format; its template, if any, runs in a worker (chatTemplate/). */
  chatTemplate: ChatTemplate;
  chat?: { conversationId: string; session: LlamaChatSession };
}

/**
 * Owns node-llama-cpp: the models, their contexts and sequences. Each role
 * (completion, chat) has at most one model; roles on the same file share it.
 */
export class ModelHost {
  private llamaModule: NodeLlamaCpp | undefined;
  private llama: Llama | undefined;
  private readonly byRole = new Map<ModelRole, LoadedModel>();
  private readonly queues = new Map<ModelRole, Promise<unknown>>();
  private readonly inFlight = new Map<ModelRole, AbortController>();
  /** Header checks and descriptions run off the main thread. */
  private readonly inspector = new FileInspector({ workerPath: join(__dirname, "inspectionWorker.js"), deadlineMs: 30_000, idleMs: 30_000 });

  constructor(
    private readonly log: (level: "info" | "warn" | "error", message: string) => void,
    private readonly templateLimits: Partial<ChatTemplateLimits> = {},
  ) {}

  private async lib(): Promise<NodeLlamaCpp> {
    this.llamaModule ??= await import("node-llama-cpp");
    return this.llamaModule;
  }

  private async getLlama(gpu: LoadSettings["gpu"]): Promise<Llama> {
    if (!this.llama) {
      const { getLlama, getLlamaGpuTypes, LlamaLogLevel } = await this.lib();
      // The GPU builds "auto" will try (their driver libraries are present), for the log line below.
      const tried = gpu === "auto" ? (await getLlamaGpuTypes("supported")).filter(isGpuBuild) : [];
      this.llama = await getLlama({
        gpu,
        build: "never",
        // node-llama-cpp would print its fallback from a GPU build to the CPU on stderr, as a
        // warning; Hearth says it once, below, with what to do.
        progressLogs: false,
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          const text = message.trim();
          if (text) this.log(level === LlamaLogLevel.error || level === LlamaLogLevel.fatal ? "error" : "warn", `llama.cpp: ${text}`);
        },
      });
      const used = isGpuBuild(this.llama.gpu) ? this.llama.gpu : false;
      const devices = used === false ? [] : await this.llama.getGpuDeviceNames();
      this.log("info", backendLine({ used, requested: gpu, tried: tried.filter((kind) => kind !== used), devices }));
    }
    return this.llama;
  }

  describe(path: string): Promise<ModelDescription> {
    return this.inspector.describe(path);
  }

  loadedModels(): LoadedModelInfo[] {
    return [...this.byRole].map(([role, loaded]) => ({ ...loaded.info, role }));
  }

  async load(params: LoadModelParams): Promise<LoadedModelInfo> {
    const { role, modelPath, settings } = params;
    const settingsKey = JSON.stringify(settings);
    const current = this.byRole.get(role);
    if (current && current.modelPath === modelPath && current.settingsKey === settingsKey) return { ...current.info, role };
    this.inFlight.get(role)?.abort();

    const shared = [...this.byRole.values()].find((entry) => entry.modelPath === modelPath && entry.settingsKey === settingsKey);
    const target = shared ?? (await this.loadFile(modelPath, settings, settingsKey));
    target.roles.add(role);
    this.byRole.set(role, target);
    if (current && current !== target) await this.release(current, role);
    return { ...target.info, role };
  }

  private async loadFile(modelPath: string, settings: LoadSettings, settingsKey: string): Promise<LoadedModel> {
    const started = performance.now();
    await this.inspector.check(modelPath);
    const displayName = basename(modelPath).replace(/\.gguf$/i, "");
    const llama = await this.getLlama(settings.gpu);
    const { readGgufFileInfo, GgufInsights } = await this.lib();
    let insights: GgufInsights;
    try {
      insights = await GgufInsights.from(await readGgufFileInfo(modelPath, { readTensorInfo: true }), llama);
    } catch (error) {
      throw new EngineError("notGguf", `${displayName} has a damaged GGUF header: ${errorText(error)}. Download the model again.`);
    }
    const trainedContextSize = insights.trainContextSize ?? 2048;
    const contextSize = Math.max(64, Math.min(settings.contextSize, trainedContextSize));
    if (llama.gpu === false || settings.gpuLayers === 0) {
      // node-llama-cpp checks GPU memory itself; on the CPU Hearth checks RAM, with a message that says what to do.
      const memory = await checkFitsInMemory(insights, displayName, { contextSize, sequences: 2, gpuLayers: 0 });
      this.log("info", `memory estimate for ${displayName}: ${formatBytes(memory.requiredBytes)} of ${formatBytes(memory.freeBytes)} free`);
    }
    const loaded: { entry?: LoadedModel } = {};
    // Its worker reads the file and loads node-llama-cpp while llama.cpp loads the model.
    const chatTemplate = new ChatTemplate(await this.lib(), {
      modelPath,
      displayName,
      workerPath: join(__dirname, "templateWorker.js"),
      limits: this.templateLimits,
      onWarning: (message, choice) => {
        this.log("warn", message);
        if (loaded.entry) loaded.entry.info = { ...loaded.entry.info, chatWrapper: choice.name, chatWrapperType: choice.typeName, chatTemplateWarning: choice.warning };
      },
    });
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath, gpuLayers: settings.gpuLayers === "auto" ? "auto" : settings.gpuLayers });
    } catch (error) {
      chatTemplate.dispose();
      throw new EngineError("loadFailed", `llama.cpp could not load ${basename(modelPath)}: ${errorText(error)}. The file may be corrupt, truncated, or of an architecture this llama.cpp build does not support: download it again or pick another model ("Hearth: Show Log" has llama.cpp's own reason).`);
    }
    try {
      const threads = settings.threads > 0 ? settings.threads : defaultThreads();
      const loraAdapters = settings.loraAdapters ?? [];
      for (const adapter of loraAdapters) await checkModelFile(adapter.filePath);
      const context = await model.createContext({
        contextSize, sequences: 2, threads,
        lora: loraAdapters.length > 0 ? { adapters: loraAdapters.map((adapter) => ({ filePath: adapter.filePath, scale: adapter.scale ?? 1 })) } : undefined,
      });
      const sequences: Record<ModelRole, LlamaContextSequence> = {
        completion: context.getSequence(),
        chat: context.getSequence(),
      };
      const memoryEstimate = await estimateMemory(insights, { contextSize: context.contextSize, sequences: 2, gpuLayers: model.gpuLayers });
      const fim = detectModelFim(model, (message) => this.log("warn", message));
      await chatTemplate.resolve(model);
      const wrapper = chatTemplate.current;
      const info: Omit<LoadedModelInfo, "role"> = {
        modelPath,
        displayName,
        architecture: model.fileInfo.metadata.general.architecture,
        contextSize: context.contextSize,
        trainedContextSize,
        threads,
        fim,
        gpuLayers: model.gpuLayers,
        memoryEstimate,
        chatWrapper: wrapper.name,
        chatWrapperType: wrapper.typeName,
        chatTemplateWarning: wrapper.warning,
        loraAdapters,
        loadMs: Math.round(performance.now() - started),
      };
      this.log("info", `loaded ${info.displayName} (${info.architecture}, context ${info.contextSize}, ${threads} threads) in ${info.loadMs} ms`);
      loaded.entry = { modelPath, settingsKey, model, context, sequences, roles: new Set(), info, chatTemplate };
      return loaded.entry;
    } catch (error) {
      chatTemplate.dispose();
      await model.dispose();
      if (error instanceof EngineError) throw error;
      throw new EngineError("loadFailed", `Could not create a context for ${basename(modelPath)}: ${errorText(error)}. Check the LoRA adapters set for it, or try a smaller "hearth.engine.contextSize".`);
    }
  }

  async unload(role: ModelRole): Promise<void> {
    this.inFlight.get(role)?.abort();
    const current = this.byRole.get(role);
    if (!current) return;
    this.byRole.delete(role);
    await this.release(current, role);
  }

  private async release(entry: LoadedModel, role: ModelRole): Promise<void> {
    entry.roles.delete(role);
    if (role === "chat" && entry.chat) {
      entry.chat.session.dispose({ disposeSequence: false });
      entry.chat = undefined;
    }
    if (entry.roles.size > 0) return;
    await this.whenIdle(role);
    entry.chatTemplate.dispose();
    await entry.context.dispose();
    await entry.model.dispose();
    this.log("info", `unloaded ${entry.info.displayName}`);
  }

  private async whenIdle(role: ModelRole): Promise<void> {
    await this.queues.get(role)?.catch(() => undefined);
  }

  /** Runs generation jobs of one role one at a time; a newer job aborts the running one. */
  private schedule<T>(role: ModelRole, signal: AbortSignal, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.inFlight.get(role)?.abort();
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.inFlight.set(role, controller);
    const previous = this.queues.get(role) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => job(controller.signal));
    const settled = run.finally(() => {
      signal.removeEventListener("abort", onAbort);
      if (this.inFlight.get(role) === controller) this.inFlight.delete(role);
    });
    this.queues.set(role, settled.catch(() => undefined));
    return settled;
  }

  private require(role: ModelRole): LoadedModel {
    const entry = this.byRole.get(role);
    if (!entry) {
      throw new EngineError("noModel", role === "completion"
        ? "No completion model is loaded. Set \"hearth.completion.modelPath\" or run \"Hearth: Select Model…\"."
        : "No chat model is loaded. Run \"Hearth: Select Model…\".");
    }
    return entry;
  }

  complete(params: CompleteParams, signal: AbortSignal, onText: (chunk: string) => void): Promise<CompleteResult> {
    const entry = this.require("completion");
    return this.schedule("completion", signal, async (jobSignal) => {
      const tokens = entry.model.tokenize(params.prompt, false);
      const bos = entry.model.tokens.bos;
      const withBos = bos != null && entry.model.tokens.shouldPrependBosToken ? [bos, ...tokens] : tokens;
      const outcome = await generateOnSequence(entry.model, entry.sequences.completion, withBos, params, jobSignal, onText);
      return { ...outcome, prompt: params.prompt };
    });
  }

  infill(params: InfillParams, signal: AbortSignal, onText: (chunk: string) => void): Promise<CompleteResult> {
    const entry = this.require("completion");
    const fim = entry.info.fim;
    if (!fim) {
      throw new EngineError("fimUnsupported", `${entry.info.displayName} has no fill-in-the-middle tokens; use plain completion or a coder model.`);
    }
    return this.schedule("completion", signal, async (jobSignal) => {
      const { model } = entry;
      const segments = layoutFimPrompt(fim, params);
      const bos = model.tokens.bos;
      const tokens: Token[] = bos != null && model.tokens.shouldPrependBosToken ? [bos] : [];
      for (const segment of segments) {
        if (segment.kind === "text") tokens.push(...model.tokenize(segment.text, false));
        else tokens.push(fimTokenId(model, fim, segment.role));
      }
      const stopTokens = fimStopTokenRoles(fim).map((role) => fimTokenId(model, fim, role));
      const outcome = await generateOnSequence(model, entry.sequences.completion, tokens, params, jobSignal, onText, stopTokens);
      return { ...outcome, prompt: renderSegments(fim, segments) };
    });
  }

  chat(params: ChatParams, signal: AbortSignal, onText: (chunk: string) => void): Promise<ChatResult> {
    const entry = this.require("chat");
    return this.schedule("chat", signal, async (jobSignal) => {
      const { LlamaChatSession } = await this.lib();
      if (!entry.chat || entry.chat.conversationId !== params.conversationId) {
        entry.chat?.session.dispose({ disposeSequence: false });
        const session = new LlamaChatSession({
          contextSequence: entry.sequences.chat,
          systemPrompt: params.systemPrompt,
          autoDisposeSequence: false,
          chatWrapper: entry.chatTemplate.wrapper,
        });
        entry.chat = { conversationId: params.conversationId, session };
      }
      const session = entry.chat.session;
      const system = params.systemPrompt ? [{ type: "system" as const, text: params.systemPrompt }] : [];
      session.setChatHistory([
        ...system,
        ...params.history.map((turn) => turn.role === "user"
          ? { type: "user" as const, text: turn.text }
          : { type: "model" as const, response: [turn.text] }),
      ]);
      const started = performance.now();
      let firstTokenMs = 0;
      let generatedTokens = 0;
      // The template renders this prompt off the main thread first: one that loops is dropped without stalling the engine.
      await entry.chatTemplate.prepare(session.getChatHistory(), params.message);
      // node-llama-cpp first echoes a response prefix as one chunk: Continue already has it.
      let echo = params.responsePrefix ?? "";
      let streamed = "";
      const meterBefore = entry.sequences.chat.tokenMeter.getState();
      const result = await session.promptWithMeta(params.message, {
        maxTokens: params.maxTokens,
        temperature: params.temperature,
        topK: params.topK,
        topP: params.topP,
        signal: jobSignal,
        stopOnAbortSignal: true,
        customStopTriggers: params.stopStrings,
        ...(echo ? { responsePrefix: echo } : {}),
        onTextChunk: (chunk) => {
          if (echo !== "") {
            const isEcho = chunk === echo;
            echo = "";
            if (isEcho) return;
          }
          // Once stopped, nothing more goes out (the reply is what was streamed).
          if (jobSignal.aborted) return;
          if (generatedTokens === 0) firstTokenMs = performance.now() - started;
          generatedTokens += 1;
          streamed += chunk;
          onText(chunk);
        },
      });
      const meterAfter = entry.sequences.chat.tokenMeter.getState();
      // node-llama-cpp's context shift drops the oldest turns first (keeping the system prompt).
      const window = session.getLastEvaluationContextWindow();
      const historyItems = system.length + params.history.length + 2;
      const droppedTurns = window ? Math.max(0, historyItems - window.length) : 0;
      if (droppedTurns > 0) this.log("info", `chat ${params.conversationId}: ${droppedTurns} earlier turns did not fit in the context and were left out`);
      const evaluated = meterAfter.usedInputTokens - meterBefore.usedInputTokens;
      const stopReason = jobSignal.aborted ? "aborted" : result.stopReason === "maxTokens" ? "maxTokens" : result.stopReason === "customStopTrigger" ? "stopString" : "eog";
      const prefix = params.responsePrefix ?? "";
      const written = prefix && result.responseText.startsWith(prefix) ? result.responseText.slice(prefix.length) : result.responseText;
      return {
        // A stopped reply is what was streamed before Stop, not what the model wrote meanwhile.
        text: stopReason === "aborted" ? streamed : written,
        stopReason,
        stats: {
          promptTokens: evaluated,
          reusedTokens: 0,
          evaluatedTokens: evaluated,
          promptMs: firstTokenMs,
          firstTokenMs,
          generationMs: performance.now() - started,
          generatedTokens: meterAfter.usedOutputTokens - meterBefore.usedOutputTokens,
        },
        droppedTurns,
      };
    });
  }

  async dispose(): Promise<void> {
    this.inspector.dispose();
    for (const controller of this.inFlight.values()) controller.abort();
    for (const role of [...this.byRole.keys()]) await this.unload(role);
    await this.llama?.dispose();
    this.llama = undefined;
  }
}

/** Detects the FIM format from the vocabulary: which special tokens exist, never the file name. */
function detectModelFim(model: LlamaModel, warn: (message: string) => void): FimFormat | null {
  const infill = model.tokens.infill;
  const declared = (token: Token | null): DeclaredFimToken | undefined => {
    if (token == null) return undefined;
    const text = model.detokenize([token], true);
    const attributes = model.getTokenAttributes(token);
    const again = model.tokenize(text, true);
    return { id: token, text, special: attributes.control || attributes.userDefined, roundTrips: again.length === 1 && again[0] === token };
  };
  const metadata = usableMetadataFimTokens({ prefix: declared(infill.prefix), suffix: declared(infill.suffix), middle: declared(infill.middle) });
  const format = detectFimFormat({
    hasSpecialToken: (candidate) => model.tokenize(candidate, true).length === 1,
    metadataFimTokens: metadata.tokens,
  }) ?? null;
  if (!format && metadata.problem) {
    warn(`${basename(model.filename ?? "the model")}: its tokenizer names fill-in-the-middle tokens that cannot serve (${metadata.problem}); it is used as a model without fill-in-the-middle.`);
  }
  return format;
}

function fimTokenId(model: LlamaModel, fim: FimFormat, role: FimTokenRole): Token {
  const text = fim.tokens[role];
  const tokens = text === undefined ? [] : model.tokenize(text, true);
  if (tokens.length !== 1) throw new EngineError("fimUnsupported", `The ${role} token of the ${fim.name} FIM format is missing from the vocabulary.`);
  return tokens[0];
}

export function defaultThreads(): number {
  // Measured (bench/README.md, "engine"): on 2 cores, 2 threads were about twice as fast on an
  // idle machine but generated 6x slower than 1 thread while other work loaded the CPU, as an
  // editor does. 1 thread avoids that collapse; above 2 cores, one thread per physical core.
  const cores = availableParallelism();
  return cores <= 2 ? 1 : Math.min(8, Math.floor(cores / 2));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
