import { basename, join } from "node:path";
import type {
  GgufInsights, Llama, LlamaChatSession, LlamaContext, LlamaContextSequence, LlamaModel, Token,
} from "node-llama-cpp" with { "resolution-mode": "import" };
import { formatBytes } from "../core/models/modelFiles";
import { SETTINGS } from "../core/settings";
import { detectFimFormat, fimStopTokenRoles, usableMetadataFimTokens, type DeclaredFimToken, type FimFormat, type FimTokenRole } from "../core/fim/fimFormat";
import { layoutFimPrompt } from "../core/fim/fimLayout";
import type {
  ChatParams, ChatResult, CompleteParams, CompleteResult, InfillParams, LoadModelParams, LoadSettings, LoadedModelInfo, ModelDescription,
  ModelRole, PrefillParams, PrefillResult,
} from "../protocol/engineProtocol";
import { backendLine, isGpuBuild } from "./backendLine";
import { ChatTemplate, type ChatTemplateLimits } from "./chatTemplate/chatTemplate";
import { planReuse, prefillTarget, type ReusePlan } from "./cacheReuse";
import { applyReusePlan, canShiftPositions, CompletionSequences, evaluateInSlices } from "./completionSequences";
import { EngineError } from "./engineError";
import { generateOnSequence } from "./generation";
import { checkFitsInMemory, estimateMemory } from "./memoryCheck";
import { FileInspector } from "./fileInspection/fileInspector";
import { checkModelFile } from "./modelFileCheck";
import { capToContext, fitPrompt, piecesTokens, type FitChoice, type PromptPiece } from "./promptFit";
import { chooseLineSplit, MemoizedTokenizer, promptPieces, renderPieces } from "./promptPieces";
import { resolveThreads } from "./threads";

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
  /** The completion role's sequences (the first is `sequences.completion`) and their reuse state. */
  completion: CompletionSequences;
  tokenizer: MemoizedTokenizer<Token>;
  roles: Set<ModelRole>;
  info: Omit<LoadedModelInfo, "role" | "promptTokensPerSecond">;
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
  /** The controller of a running idle prefill: requests preempt it; it never preempts them. */
  private prefillInFlight: AbortController | undefined;

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
    return [...this.byRole].map(([role, loaded]) => infoFor(loaded, role));
  }

  async load(params: LoadModelParams): Promise<LoadedModelInfo> {
    const { role, modelPath, settings } = params;
    const settingsKey = JSON.stringify(settings);
    const current = this.byRole.get(role);
    if (current && current.modelPath === modelPath && current.settingsKey === settingsKey) return infoFor(current, role);
    this.inFlight.get(role)?.abort();
    if (role === "completion") this.prefillInFlight?.abort();

    const shared = [...this.byRole.values()].find((entry) => entry.modelPath === modelPath && entry.settingsKey === settingsKey);
    const target = shared ?? (await this.loadFile(modelPath, settings, settingsKey));
    if (role === "completion" && !target.completion.calibrated) {
      const started = performance.now();
      await target.completion.calibrate(target.model);
      this.log("info", `${target.info.displayName}: prompt ${Math.round(target.completion.promptTokensPerSecond)} tokens/s (measured in ${Math.round(performance.now() - started)} ms)`);
    }
    target.roles.add(role);
    this.byRole.set(role, target);
    if (current && current !== target) await this.release(current, role);
    return infoFor(target, role);
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
      const memory = await checkFitsInMemory(insights, displayName, { contextSize, sequences: CONTEXT_SEQUENCES, gpuLayers: 0 });
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
      const { threads, clamped } = resolveThreads(settings.threads);
      if (clamped) this.log("warn", `hearth.engine.threads is ${settings.threads}, more than this machine's cores: using ${threads}`);
      const loraAdapters = settings.loraAdapters ?? [];
      for (const adapter of loraAdapters) await checkModelFile(adapter.filePath);
      // llama.cpp's own default ("auto": on where the backend supports it for this model), as
      // llama-server and llama-bench run; node-llama-cpp defaults to off. On a 2-core CPU it
      // evaluated prompts 1.3x faster (0.5B twin, 2 threads: ~400 against ~300 tokens/s).
      const context = await model.createContext({
        contextSize, sequences: CONTEXT_SEQUENCES, threads, flashAttention: "auto",
        lora: loraAdapters.length > 0 ? { adapters: loraAdapters.map((adapter) => ({ filePath: adapter.filePath, scale: adapter.scale ?? 1 })) } : undefined,
      });
      const sequences: Record<ModelRole, LlamaContextSequence> = {
        completion: context.getSequence(),
        chat: context.getSequence(),
      };
      const memoryEstimate = await estimateMemory(insights, { contextSize: context.contextSize, sequences: CONTEXT_SEQUENCES, gpuLayers: model.gpuLayers });
      const fim = detectModelFim(model, (message) => this.log("warn", message));
      await chatTemplate.resolve(model);
      const wrapper = chatTemplate.current;
      const completion = new CompletionSequences([sequences.completion, context.getSequence()], canShiftPositions(model));
      const info: Omit<LoadedModelInfo, "role" | "promptTokensPerSecond"> = {
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
      const continuation = (text: string) => model.tokenize(text, false, "trimLeadingSpace");
      const tokenizer = new MemoizedTokenizer<Token>({
        tokenize: continuation,
        special: (role) => info.fim ? fimTokenId(model, info.fim, role) : failNoFim(displayName),
      }, chooseLineSplit(continuation));
      loaded.entry = { modelPath, settingsKey, model, context, sequences, completion, tokenizer, roles: new Set(), info, chatTemplate };
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
    if (role === "completion") this.prefillInFlight?.abort();
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

  /** Runs generation jobs of one role one at a time; a newer job aborts the running one (and any idle prefill). */
  private schedule<T>(role: ModelRole, signal: AbortSignal, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.inFlight.get(role)?.abort();
    if (role === "completion") this.prefillInFlight?.abort();
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
      const pieces = plainPieces(entry, params.prompt, promptCapOf(entry));
      const choice = fitPrompt(pieces, entry.completion.snapshot().caches, { shift: entry.completion.canShift && params.reusePrefix !== false });
      const outcome = await this.generateChoice(entry, choice, params, jobSignal, onText, []);
      return { ...outcome, prompt: renderPieces(choice.pieces) };
    });
  }

  /** Evaluates a fitted prompt on its sequence and generates from it. */
  private async generateChoice(entry: LoadedModel, choice: FitChoice<Token>, params: CompleteParams | InfillParams, signal: AbortSignal,
    onText: (chunk: string) => void, stopTokens: readonly Token[]) {
    const sequence = entry.completion.snapshot().sequences[choice.cache];
    if (params.reusePrefix !== false) await applyReusePlan(sequence, choice.tokens, choice.plan);
    const outcome = await generateOnSequence(entry.model, sequence, choice.tokens, params, signal, onText, stopTokens);
    entry.completion.touch(sequence);
    entry.completion.recordPromptSpeed(outcome.stats.evaluatedTokens, outcome.stats.promptMs);
    const shiftedTokens = Math.min(choice.plan.shifted, outcome.stats.reusedTokens);
    return { ...outcome, stats: { ...outcome.stats, shiftedTokens, leftOutTokens: choice.leftOut } };
  }

  /**
   * Idle prefill: evaluates the prompt the next request will need, without generating. It runs
   * only while no request does, a slice at a time; any request preempts it and reuses what it
   * evaluated. When the whole prompt would not fit the requests' budget (a file just opened), it
   * first evaluates the prompt a request would cut to now, so the next one answers at once, then
   * grows the whole prompt. The whole prompt is built in the sequence that already holds the most
   * of it, but never in the one the last request used unless that is only extended (a preempted
   * prefill would leave the requests being typed nothing to reuse).
   */
  async prefill(params: PrefillParams, signal: AbortSignal): Promise<PrefillResult> {
    const entry = this.require("completion");
    const skipped: PrefillResult = { ran: false, complete: false, promptTokens: 0, reusedTokens: 0, evaluatedTokens: 0, promptMs: 0 };
    if (this.inFlight.has("completion")) return skipped;
    const fim = entry.info.fim;
    if (params.fim && !fim) throw new EngineError("fimUnsupported", `${entry.info.displayName} has no fill-in-the-middle tokens.`);
    this.prefillInFlight?.abort();
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.prefillInFlight = controller;
    const previous = this.queues.get("completion") ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async (): Promise<PrefillResult> => {
      if (controller.signal.aborted) return skipped;
      const started = performance.now();
      const maxPromptTokens = promptCapOf(entry);
      const requested = params.fim && fim ? promptPieces(fim, layoutFimPrompt(fim, params.fim), entry.tokenizer, bosOf(entry.model)) : plainPieces(entry, params.prompt ?? "", maxPromptTokens);
      const pieces = capToContext(requested, maxPromptTokens);
      const tokens = piecesTokens(pieces);
      const shift = entry.completion.canShift;
      const sliceTokens = Math.min(PREFILL_SLICE_MAX_TOKENS, Math.max(8, Math.round(entry.completion.promptTokensPerSecond * PREFILL_SLICE_SECONDS)));
      let evaluatedTokens = 0;
      const budgetTokens = entry.completion.budgetTokens(params.promptBudgetMs);
      if (budgetTokens !== undefined) {
        const now = entry.completion.snapshot();
        // The pieces are already within the context: only the budget cuts here.
        const next = fitPrompt(pieces, now.caches, { shift, budgetTokens });
        if (next.variant !== "whole") {
          const first = await this.evaluateWithoutLastToken(entry, now.sequences[next.cache], next.tokens, next.plan, sliceTokens, controller.signal);
          evaluatedTokens += first.evaluated;
          if (!first.complete) return { ran: true, complete: false, promptTokens: tokens.length, reusedTokens: first.reused, evaluatedTokens, promptMs: performance.now() - started };
        }
      }
      const { sequences, caches } = entry.completion.snapshot();
      const plans = caches.map((cached) => planReuse(cached, tokens, { shift }));
      const target = prefillTarget(caches, tokens, plans);
      const whole = await this.evaluateWithoutLastToken(entry, sequences[target], tokens, plans[target], sliceTokens, controller.signal);
      evaluatedTokens += whole.evaluated;
      return { ran: true, complete: whole.complete, promptTokens: tokens.length, reusedTokens: whole.reused, evaluatedTokens, promptMs: performance.now() - started };
    });
    const settled = run.finally(() => {
      signal.removeEventListener("abort", onAbort);
      if (this.prefillInFlight === controller) this.prefillInFlight = undefined;
    });
    this.queues.set("completion", settled.catch(() => undefined));
    return settled;
  }

  /** A prefill's evaluation on one sequence, a slice at a time; the last token is left for the request (its logits pick the first generated token). */
  private async evaluateWithoutLastToken(entry: LoadedModel, sequence: LlamaContextSequence, tokens: readonly Token[], plan: ReusePlan, sliceTokens: number, signal: AbortSignal) {
    const reused = await applyReusePlan(sequence, tokens, plan);
    const toEvaluate = tokens.slice(reused, Math.max(reused, tokens.length - 1));
    const evaluationStarted = performance.now();
    const evaluated = await evaluateInSlices(sequence, toEvaluate, sliceTokens, signal);
    entry.completion.recordPromptSpeed(evaluated, performance.now() - evaluationStarted);
    const complete = evaluated === toEvaluate.length;
    if (complete) entry.completion.touch(sequence);
    return { reused, evaluated, complete };
  }

  infill(params: InfillParams, signal: AbortSignal, onText: (chunk: string) => void): Promise<CompleteResult> {
    const entry = this.require("completion");
    const fim = entry.info.fim;
    if (!fim) {
      throw new EngineError("fimUnsupported", `${entry.info.displayName} has no fill-in-the-middle tokens; use plain completion or a coder model.`);
    }
    return this.schedule("completion", signal, async (jobSignal) => {
      const { model } = entry;
      const pieces = promptPieces(fim, layoutFimPrompt(fim, params), entry.tokenizer, bosOf(model));
      const choice = fitPrompt(pieces, entry.completion.snapshot().caches, {
        shift: entry.completion.canShift && params.reusePrefix !== false,
        budgetTokens: params.reusePrefix === false ? undefined : entry.completion.budgetTokens(params.promptBudgetMs),
        maxPromptTokens: promptCapOf(entry),
      });
      const stopTokens = fimStopTokenRoles(fim).map((role) => fimTokenId(model, fim, role));
      const outcome = await this.generateChoice(entry, choice, params, jobSignal, onText, stopTokens);
      return { ...outcome, prompt: renderPieces(choice.pieces) };
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
    this.prefillInFlight?.abort();
    for (const role of [...this.byRole.keys()]) await this.unload(role);
    await this.llama?.dispose();
    this.llama = undefined;
  }
}

/** Detects the FIM format from the vocabulary: which special tokens exist, never the file name. */
export function detectModelFim(model: LlamaModel, warn: (message: string) => void = () => undefined): FimFormat | null {
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

export function fimTokenId(model: LlamaModel, fim: FimFormat, role: FimTokenRole): Token {
  const text = fim.tokens[role];
  const tokens = text === undefined ? [] : model.tokenize(text, true);
  if (tokens.length !== 1) throw new EngineError("fimUnsupported", `The ${role} token of the ${fim.name} FIM format is missing from the vocabulary.`);
  return tokens[0];
}

/** The largest hearth.completion.maxTokens. */
const MAX_COMPLETION_TOKENS = SETTINGS["hearth.completion.maxTokens"].range?.maximum ?? 1024;
/** Context sequences: the completion role's two (see CompletionSequences) and chat's. */
const CONTEXT_SEQUENCES = 3;
/**
 * A prefill slice takes about this long. A keystroke cancels the prefill at once and the request
 * it leads to comes a debounce later (150 ms at least by default, about 390 learned), so the slice
 * in flight ends before it comes: in the replay benchmark no request was delayed. Longer slices
 * waste less: every evaluation streams the whole model's weights, and with 0.5B on 2 threads 40
 * tokens at a time evaluated 238 tok/s against 325 at 128 and 345 at 512; 0.3 s slices (about
 * 100 tokens) cut Hearth's CPU per typed character by 13% against 0.12 s ones and completed 80
 * prefills of 100 against 62.
 */
const PREFILL_SLICE_SECONDS = 0.3;
/**
 * The speed estimate comes from short prompts; a long one can run at another speed (flash
 * attention, a loaded machine), so a slice is also bounded in tokens: one batch.
 */
const PREFILL_SLICE_MAX_TOKENS = 512;

function bosOf(model: LlamaModel): Token | undefined {
  const bos = model.tokens.bos;
  return bos != null && model.tokens.shouldPrependBosToken ? bos : undefined;
}

/** A plain prompt as pieces (BOS, then the text), for reuse across sequences; its end when it is longer than `maxTokens`. */
function plainPieces(entry: LoadedModel, prompt: string, maxTokens: number): PromptPiece<Token>[] {
  const bos = bosOf(entry.model);
  const room = Math.max(1, maxTokens - (bos === undefined ? 0 : 1));
  const all = entry.model.tokenize(prompt, false);
  const tokens = all.length > room ? all.slice(all.length - room) : all;
  const text = tokens === all ? prompt : entry.model.detokenize(tokens);
  return [...(bos === undefined ? [] : [{ part: "fixed" as const, text: "", tokens: [bos] }]), { part: "middle", text, tokens }];
}

/**
 * The most tokens a completion prompt may have: a sequence holds the context size, and what it
 * generates needs room after the prompt (up to the largest hearth.completion.maxTokens, a quarter
 * of a small context). A longer prompt would lose its start to the context's shift: the FIM
 * tokens and the file header, which makes the prompt malformed, and all reuse with it.
 */
function promptCapOf(entry: LoadedModel): number {
  const contextSize = entry.context.contextSize;
  return contextSize - Math.min(MAX_COMPLETION_TOKENS, Math.floor(contextSize / 4));
}

function failNoFim(displayName: string): never {
  throw new EngineError("fimUnsupported", `${displayName} has no fill-in-the-middle tokens; use plain completion or a coder model.`);
}

function infoFor(entry: LoadedModel, role: ModelRole): LoadedModelInfo {
  return { ...entry.info, role, promptTokensPerSecond: Math.round(entry.completion.promptTokensPerSecond * 10) / 10 };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
