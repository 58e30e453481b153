import { basename } from "node:path";
import type {
  GgufInsights, Llama, LlamaChatSession, LlamaContext, LlamaContextSequence, LlamaModel, Token,
} from "node-llama-cpp" with { "resolution-mode": "import" };
import { formatBytes } from "../core/models/modelFiles";
import { detectFimFormat, fimStopTokenRoles, type FimFormat, type FimTokenRole } from "../core/fim/fimFormat";
import { layoutFimPrompt } from "../core/fim/fimLayout";
import type {
  ChatParams, ChatResult, CompleteParams, CompleteResult, InfillParams, LoadModelParams, LoadSettings, LoadedModelInfo, ModelDescription,
  ModelRole, PrefillParams, PrefillResult,
} from "../protocol/engineProtocol";
import { planReuse } from "./cacheReuse";
import { applyReusePlan, canShiftPositions, CompletionSequences, evaluateInSlices } from "./completionSequences";
import { EngineError } from "./engineError";
import { generateOnSequence } from "./generation";
import { checkFitsInMemory, estimateMemory } from "./memoryCheck";
import { describeGguf } from "./modelDescription";
import { checkModelFile } from "./modelFileCheck";
import { fitPrompt, piecesTokens, type FitChoice, type PromptPiece } from "./promptFit";
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
  /** The controller of a running idle prefill: requests preempt it; it never preempts them. */
  private prefillInFlight: AbortController | undefined;

  constructor(private readonly log: (level: "info" | "warn" | "error", message: string) => void) {}

  private async lib(): Promise<NodeLlamaCpp> {
    this.llamaModule ??= await import("node-llama-cpp");
    return this.llamaModule;
  }

  private async getLlama(gpu: LoadSettings["gpu"]): Promise<Llama> {
    if (!this.llama) {
      const { getLlama, LlamaLogLevel } = await this.lib();
      this.llama = await getLlama({
        gpu,
        build: "never",
        logLevel: LlamaLogLevel.warn,
        logger: (level, message) => {
          const text = message.trim();
          if (text) this.log(level === LlamaLogLevel.error || level === LlamaLogLevel.fatal ? "error" : "warn", `llama.cpp: ${text}`);
        },
      });
      this.log("info", `llama.cpp backend: ${this.llama.gpu || "cpu"}`);
    }
    return this.llama;
  }

  async describe(path: string): Promise<ModelDescription> {
    await checkModelFile(path);
    const { readGgufFileInfo } = await this.lib();
    try {
      return describeGguf(path, await readGgufFileInfo(path, { readTensorInfo: true }));
    } catch (error) {
      throw new EngineError("notGguf", `${basename(path)} has a damaged GGUF header: ${errorText(error)}.`);
    }
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
    await checkModelFile(modelPath);
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
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath, gpuLayers: settings.gpuLayers === "auto" ? "auto" : settings.gpuLayers });
    } catch (error) {
      throw new EngineError("loadFailed", `llama.cpp could not load ${basename(modelPath)}: ${errorText(error)}. The file may be corrupt, truncated, or of an architecture this llama.cpp build does not support: download it again or pick another model ("Hearth: Show Log" has llama.cpp's own reason).`);
    }
    try {
      const { threads, clamped } = resolveThreads(settings.threads);
      if (clamped) this.log("warn", `hearth.engine.threads is ${settings.threads}, more than this machine's cores: using ${threads}`);
      const loraAdapters = settings.loraAdapters ?? [];
      for (const adapter of loraAdapters) await checkModelFile(adapter.filePath);
      const context = await model.createContext({
        contextSize, sequences: CONTEXT_SEQUENCES, threads,
        lora: loraAdapters.length > 0 ? { adapters: loraAdapters.map((adapter) => ({ filePath: adapter.filePath, scale: adapter.scale ?? 1 })) } : undefined,
      });
      const sequences: Record<ModelRole, LlamaContextSequence> = {
        completion: context.getSequence(),
        chat: context.getSequence(),
      };
      const completion = new CompletionSequences([sequences.completion, context.getSequence()], canShiftPositions(model));
      const { resolveChatWrapper } = await this.lib();
      const wrapper = resolveChatWrapper(model);
      const info: Omit<LoadedModelInfo, "role" | "promptTokensPerSecond"> = {
        modelPath,
        displayName,
        architecture: model.fileInfo.metadata.general.architecture,
        contextSize: context.contextSize,
        trainedContextSize,
        threads,
        fim: detectModelFim(model),
        gpuLayers: model.gpuLayers,
        memoryEstimate: await estimateMemory(insights, { contextSize: context.contextSize, sequences: CONTEXT_SEQUENCES, gpuLayers: model.gpuLayers }),
        chatWrapper: wrapper.wrapperName,
        chatWrapperType: wrapper.constructor.name,
        loraAdapters,
        loadMs: Math.round(performance.now() - started),
      };
      this.log("info", `loaded ${info.displayName} (${info.architecture}, context ${info.contextSize}, ${threads} threads) in ${info.loadMs} ms`);
      const continuation = (text: string) => model.tokenize(text, false, "trimLeadingSpace");
      const tokenizer = new MemoizedTokenizer<Token>({
        tokenize: continuation,
        special: (role) => info.fim ? fimTokenId(model, info.fim, role) : failNoFim(displayName),
      }, chooseLineSplit(continuation));
      return { modelPath, settingsKey, model, context, sequences, completion, tokenizer, roles: new Set(), info };
    } catch (error) {
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
      const pieces = plainPieces(entry, params.prompt);
      const choice = fitPrompt(pieces, entry.completion.snapshot().caches, { shift: entry.completion.canShift && params.reusePrefix !== false });
      const outcome = await this.generateChoice(entry, choice, params, jobSignal, onText, []);
      return { ...outcome, prompt: params.prompt };
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
   * evaluated. It builds in the sequence that already holds the most of the prompt, but never
   * rebuilds the one the last request used (a preempted prefill would leave the requests being
   * typed nothing to reuse): that one is only extended.
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
      const pieces = params.fim && fim ? promptPieces(fim, layoutFimPrompt(fim, params.fim), entry.tokenizer, bosOf(entry.model)) : plainPieces(entry, params.prompt ?? "");
      const tokens = piecesTokens(pieces);
      const { sequences, caches } = entry.completion.snapshot();
      const shift = entry.completion.canShift;
      const plans = caches.map((cached) => planReuse(cached, tokens, { shift }));
      let target = plans.reduce((best, plan, index) => plan.reused > plans[best].reused ? index : best, 0);
      // The last request's sequence is only extended a little: larger work is done in the other one.
      if (target === 0 && sequences.length > 1 && tokens.length - plans[0].reused > PREFILL_EXTEND_TOKENS) target = 1;
      const sequence = sequences[target];
      const reused = await applyReusePlan(sequence, tokens, plans[target]);
      // The last token is left for the request: its logits pick the first generated token.
      const toEvaluate = tokens.slice(reused, Math.max(reused, tokens.length - 1));
      const evaluationStarted = performance.now();
      const sliceTokens = Math.max(8, Math.round(entry.completion.promptTokensPerSecond * PREFILL_SLICE_SECONDS));
      const evaluated = await evaluateInSlices(sequence, toEvaluate, sliceTokens, controller.signal);
      entry.completion.recordPromptSpeed(evaluated, performance.now() - evaluationStarted);
      const complete = evaluated === toEvaluate.length;
      if (complete) entry.completion.touch(sequence);
      return { ran: true, complete, promptTokens: tokens.length, reusedTokens: reused, evaluatedTokens: evaluated, promptMs: performance.now() - started };
    });
    const settled = run.finally(() => {
      signal.removeEventListener("abort", onAbort);
      if (this.prefillInFlight === controller) this.prefillInFlight = undefined;
    });
    this.queues.set("completion", settled.catch(() => undefined));
    return settled;
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
      const meterBefore = entry.sequences.chat.tokenMeter.getState();
      const result = await session.promptWithMeta(params.message, {
        maxTokens: params.maxTokens,
        temperature: params.temperature,
        topK: params.topK,
        topP: params.topP,
        signal: jobSignal,
        stopOnAbortSignal: true,
        customStopTriggers: params.stopStrings,
        onTextChunk: (chunk) => {
          if (generatedTokens === 0) firstTokenMs = performance.now() - started;
          generatedTokens += 1;
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
      return {
        text: result.responseText,
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
    for (const controller of this.inFlight.values()) controller.abort();
    this.prefillInFlight?.abort();
    for (const role of [...this.byRole.keys()]) await this.unload(role);
    await this.llama?.dispose();
    this.llama = undefined;
  }
}

/** Detects the FIM format from the vocabulary: which special tokens exist, never the file name. */
export function detectModelFim(model: LlamaModel): FimFormat | null {
  const infill = model.tokens.infill;
  const text = (token: Token | null) => token == null ? undefined : model.detokenize([token], true);
  return detectFimFormat({
    hasSpecialToken: (candidate) => model.tokenize(candidate, true).length === 1,
    metadataFimTokens: { prefix: text(infill.prefix), suffix: text(infill.suffix), middle: text(infill.middle) },
  }) ?? null;
}

export function fimTokenId(model: LlamaModel, fim: FimFormat, role: FimTokenRole): Token {
  const text = fim.tokens[role];
  const tokens = text === undefined ? [] : model.tokenize(text, true);
  if (tokens.length !== 1) throw new EngineError("fimUnsupported", `The ${role} token of the ${fim.name} FIM format is missing from the vocabulary.`);
  return tokens[0];
}

/** Context sequences: the completion role's two (see CompletionSequences) and chat's. */
const CONTEXT_SEQUENCES = 3;
/** A prefill that only appends this many tokens to the last request's sequence runs there. */
const PREFILL_EXTEND_TOKENS = 256;
/** A prefill slice takes about this long, the most a request waits for a prefill to yield. */
const PREFILL_SLICE_SECONDS = 0.12;

function bosOf(model: LlamaModel): Token | undefined {
  const bos = model.tokens.bos;
  return bos != null && model.tokens.shouldPrependBosToken ? bos : undefined;
}

/** A plain prompt as pieces (BOS, then the text a line at a time), for reuse across sequences. */
function plainPieces(entry: LoadedModel, prompt: string): PromptPiece<Token>[] {
  const bos = bosOf(entry.model);
  const tokens = entry.model.tokenize(prompt, false);
  return [...(bos === undefined ? [] : [{ part: "fixed" as const, text: "", tokens: [bos] }]), { part: "middle", text: prompt, tokens }];
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
