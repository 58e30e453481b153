import type { ContextChunk } from "../fim/fimLayout";
import type { FimFormat } from "../fim/fimFormat";
import type { CompleteParams, CompleteResult, GenerationStats, InfillParams, PrefillParams, PrefillResult } from "../../protocol/engineProtocol";
import { AdaptiveDebounce, sleep } from "./adaptiveDebounce";
import { CompletionCache } from "./completionCache";
import { cursorLine, type DocumentSnapshot } from "./documentSnapshot";
import { asSuggestion, finishSuggestion, keepSpan, leavesTextAfter, parsesNoWorse, refineBlockEnd, type ProcessedSuggestion } from "./postProcess";
import { mostStableFirst } from "./contextOrder";
import { fimInputFor, plainPromptFor, prefixEndLine } from "./promptLayout";
import { RequestManager } from "./requestManager";
import { decideSuggestion, SUGGEST_EVERYWHERE, type SuggestIn, type SuggestionDecision, type SuggestionMode } from "./suggestionPolicy";
import type { SpanRule } from "./suggestionShape";
import { heuristicVerdict, type SyntaxChecker, type SyntaxQuery, type SyntaxVerdict } from "./syntaxVerdict";

/** Shapes of several lines of code, whose lines are code lines (prose and strings may run long). */
const CODE_LINES: ReadonlySet<SpanRule["shape"]> = new Set(["line-or-block", "block", "siblings"]);

/** The model side of completion: the real engine, or a scripted one in tests and the CLI. */
export interface CompletionBackend {
  /** The completion model, loading it if needed; undefined when there is none. */
  model(): Promise<{ name: string; fim: FimFormat | null } | undefined>;
  infill(params: InfillParams, signal: AbortSignal): Promise<CompleteResult>;
  complete(params: CompleteParams, signal: AbortSignal): Promise<CompleteResult>;
  /** Evaluates the next request's prompt without generating (idle prefill); optional. */
  prefill?(params: PrefillParams, signal: AbortSignal): Promise<PrefillResult>;
}

export type ContextProvider = (document: DocumentSnapshot, signal: AbortSignal) => Promise<ContextChunk[]>;

export interface PipelineOptions {
  maxTokens: { singleLine: number; multiLine: number };
  /** Base debounce; the adaptive debounce starts from it. 0 disables waiting (CLI, tests). */
  debounceMs: () => number;
  timeBudgetMs: number;
  context?: ContextProvider;
  /** The syntax service: block ends and whether a mid-line insertion parses (bracket heuristics without it). */
  checkSyntax?: SyntaxChecker;
  /** Precompute the next suggestion as if this one were accepted. */
  speculate: boolean;
  /** Whether to suggest in comments and strings without being asked (both by default). */
  suggestIn?: () => SuggestIn;
  /** Longest wait for the syntax service before falling back to brackets and indentation. */
  syntaxBudgetMs?: number;
  /**
   * Most milliseconds a request may spend evaluating prompt tokens the engine has not cached
   * (the first request in a file, a cursor jump): the engine leaves out far context to fit, and
   * idle prefill evaluates the whole prompt afterwards. Unset: no limit.
   */
  promptBudgetMs?: number;
  /** Called when the next request's prompt is worth evaluating now: a request left context out to answer in time. */
  requestPrefill?: () => void;
  /** The debounce's clock (a simulated one in the replay benchmark); the wall clock by default. */
  now?: () => number;
}

export type SuggestionSource = "model" | "cache" | "typed-ahead" | "speculative";

export interface PipelineResult {
  suggestions: ProcessedSuggestion[];
  source: SuggestionSource;
  mode: SuggestionMode;
  /** Present when the model was asked. */
  request?: CompletionRequestRecord;
}

/** What the prompt inspector shows about the last request sent to the model. */
export interface CompletionRequestRecord {
  at: Date;
  filePath: string;
  model: string;
  fimFormat: string | null;
  prompt: string;
  chunks: ContextChunk[];
  raw: string;
  stats: GenerationStats;
  stopReason: CompleteResult["stopReason"];
  speculative: boolean;
}

/**
 * A prefill is worth it where a suggestion would be made, or soon will be: a comment before its
 * first word, the middle of a word. The prompt there differs from the next request's only in the
 * cursor's line (a file opened in a doc comment still gets its first keystrokes' prompt ready).
 * Not in comments or strings the settings keep suggestions out of.
 */
function worthPrefilling(document: DocumentSnapshot, suggestIn: SuggestIn = SUGGEST_EVERYWHERE): boolean {
  const decision = decideSuggestion(document, false, suggestIn);
  if (decision.suggest) return true;
  return decision.reason === "mid-word" || (decision.reason === "comment" && suggestIn.comments);
}

export class CompletionPipeline {
  readonly cache = new CompletionCache();
  readonly debounce: AdaptiveDebounce;
  private readonly requests = new RequestManager();
  private readonly speculation = new RequestManager();
  /**
   * Context chunks change only at stable moments: another file, a step of the prefix window, a
   * save. In between they are kept, so the prompt's start (and the KV cache) stays the same.
   */
  private contextChunks: { key: string; chunks: ContextChunk[] } | undefined;
  private saves = 0;
  lastRequest: CompletionRequestRecord | undefined;

  constructor(private readonly backend: CompletionBackend, private readonly options: PipelineOptions) {
    this.debounce = new AdaptiveDebounce(options.now ? { now: options.now } : {});
  }

  /** Serves a suggestion for the cursor: cache and typed-ahead first (before any debounce), then the model. */
  async provide(document: DocumentSnapshot, options: { manual: boolean; signal: AbortSignal; alternatives?: number }): Promise<PipelineResult | undefined> {
    const decision = decideSuggestion(document, options.manual, this.options.suggestIn?.());
    if (!decision.suggest) return undefined;
    const line = cursorLine(document);
    const before = document.text.slice(0, document.offset);
    if (!options.manual) {
      const hit = this.cache.get(document.uri, before, line.after);
      if (hit) {
        // Cached text was post-processed when it was made: only the range is new.
        const processed = asSuggestion(document, hit.text, decision.situation.stringDelimiter);
        if (processed) {
          const source: SuggestionSource = hit.origin === "speculative" && hit.typedAhead === 0 ? "speculative" : hit.typedAhead > 0 ? "typed-ahead" : "cache";
          return { suggestions: [processed], source, mode: shownMode(decision, processed) };
        }
      }
    }
    this.speculation.cancel();
    const delay = this.debounce.remainingMs(this.options.debounceMs());
    if (delay > 0 && !(await sleep(delay, options.signal))) return undefined;
    const request = this.requests.begin(options.signal);
    try {
      const count = options.manual ? Math.max(1, options.alternatives ?? 1) : 1;
      const suggestions: ProcessedSuggestion[] = [];
      let record: CompletionRequestRecord | undefined;
      for (let attempt = 0; attempt < count && !request.signal.aborted; attempt++) {
        const answer = await this.ask(document, decision, request.signal, attempt === 0 ? 0 : 0.7, false);
        if (!answer) break;
        record ??= answer.record;
        if (answer.suggestion && !suggestions.some((known) => known.text === answer.suggestion?.text)) suggestions.push(answer.suggestion);
      }
      if (request.signal.aborted || suggestions.length === 0) return undefined;
      this.cache.set(document.uri, before, line.after, { text: suggestions[0].text, origin: "model" });
      if (this.options.speculate && !options.manual) void this.speculate(document, suggestions[0]);
      return { suggestions, source: "model", mode: shownMode(decision, suggestions[0]), request: record };
    } finally {
      request.end();
    }
  }

  /** One model request and its post-processing. */
  private async ask(document: DocumentSnapshot, decision: Decided, signal: AbortSignal, temperature: number, speculative: boolean): Promise<{ suggestion?: ProcessedSuggestion; record: CompletionRequestRecord } | undefined> {
    const model = await this.backend.model();
    if (!model || signal.aborted) return undefined;
    const chunks = model.fim ? await this.chunksFor(document, signal, speculative) : [];
    const sampling = {
      maxTokens: decision.mode === "multi-line" ? this.options.maxTokens.multiLine : this.options.maxTokens.singleLine,
      temperature,
      topK: 40,
      topP: 0.95,
      timeBudgetMs: this.options.timeBudgetMs,
      span: decision.rule,
      // Several lines of code: their budget once the first line is done, one line's before (a
      // first line longer than that is a runaway, and on a CPU it would cost seconds).
      ...(CODE_LINES.has(decision.rule.shape) ? { firstLineMaxTokens: this.options.maxTokens.singleLine } : {}),
      ...(this.options.promptBudgetMs === undefined ? {} : { promptBudgetMs: this.options.promptBudgetMs }),
    };
    let result: CompleteResult;
    try {
      result = model.fim
        ? await this.backend.infill({ ...fimInputFor(document, chunks), ...sampling }, signal)
        : await this.backend.complete({ prompt: plainPromptFor(document), ...sampling }, signal);
    } catch (error) {
      if (signal.aborted) return undefined;
      throw error;
    }
    const record: CompletionRequestRecord = {
      at: new Date(), filePath: document.filePath, model: model.name, fimFormat: model.fim?.name ?? null,
      prompt: result.prompt, chunks, raw: result.text, stats: result.stats, stopReason: result.stopReason, speculative,
    };
    // Context was left out to answer in time: evaluate the whole prompt while the user reads or pauses.
    if (!speculative && (result.stats.leftOutTokens ?? 0) > 0) this.options.requestPrefill?.();
    if (!speculative) this.lastRequest = record;
    if (result.stopReason === "aborted") return undefined;
    return { suggestion: await this.shape(document, decision, result.text, signal), record };
  }

  /**
   * The model's text as a suggestion: the decision's span, the parser's block end, the
   * finishing touches; an insertion before text left on the line must parse no worse.
   */
  private async shape(document: DocumentSnapshot, decision: Decided, raw: string, signal: AbortSignal): Promise<ProcessedSuggestion | undefined> {
    const kept = keepSpan(document, decision, raw);
    if (kept.text.trim() === "") return undefined;
    let text = kept.text;
    if (kept.cut.multiLine) {
      const verdict = await this.syntax(document, text, { replaceEnd: document.offset, headerOffset: kept.cut.headerStart ?? 0 }, signal);
      text = refineBlockEnd(kept, verdict);
    }
    const suggestion = finishSuggestion(document, decision, text);
    if (!suggestion || !leavesTextAfter(document, suggestion)) return suggestion;
    const query = { replaceEnd: suggestion.replaceEnd, headerOffset: 0 };
    const verdict = await this.syntax(document, suggestion.text, query, signal) ?? heuristicVerdict(document, suggestion.text, suggestion.replaceEnd);
    return parsesNoWorse(verdict) ? suggestion : undefined;
  }

  /** The syntax service's verdict within its time budget; undefined when it has none or is late. */
  private async syntax(document: DocumentSnapshot, completion: string, query: SyntaxQuery, signal: AbortSignal): Promise<SyntaxVerdict | undefined> {
    const checker = this.options.checkSyntax;
    if (!checker) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.options.syntaxBudgetMs ?? 60);
    });
    try {
      return await Promise.race([checker(document, completion, query, signal).catch(() => undefined), budget]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async chunksFor(document: DocumentSnapshot, signal: AbortSignal, speculative: boolean): Promise<ContextChunk[]> {
    if (!this.options.context) return [];
    const key = `${document.uri}\n${prefixEndLine(document)}\n${this.saves}`;
    const known = this.contextChunks;
    if (known && (known.key === key || (speculative && known.key.startsWith(`${document.uri}\n`)))) return known.chunks;
    if (speculative) return [];
    const fresh = await this.options.context(document, signal).catch(() => []);
    // Chunks still wanted keep their places at the front (their cached tokens stay reusable); new ones go after.
    const chunks = mostStableFirst(known?.chunks ?? [], fresh);
    this.contextChunks = { key, chunks };
    return chunks;
  }

  /** A document was saved: its context may have changed (a stable moment to gather it again). */
  documentSaved(): void {
    this.saves++;
  }

  /**
   * Idle prefill: has the engine evaluate the prompt the next request at this cursor will need,
   * without generating. Skipped while a request is open; any request preempts it in the engine.
   */
  async prefill(document: DocumentSnapshot, signal: AbortSignal = new AbortController().signal): Promise<PrefillResult | undefined> {
    const backend = this.backend;
    if (!backend.prefill || this.openRequests > 0 || !worthPrefilling(document, this.options.suggestIn?.())) return undefined;
    const model = await this.backend.model();
    if (!model || signal.aborted) return undefined;
    const chunks = model.fim ? await this.chunksFor(document, signal, false) : [];
    if (signal.aborted || this.openRequests > 0) return undefined;
    const params: PrefillParams = {
      ...(model.fim ? { fim: fimInputFor(document, chunks) } : { prompt: plainPromptFor(document) }),
      ...(this.options.promptBudgetMs === undefined ? {} : { promptBudgetMs: this.options.promptBudgetMs }),
    };
    return backend.prefill(params, signal).catch(() => undefined);
  }

  /**
   * Precomputes what comes after a shown suggestion, as if it were accepted whole and as if
   * only its first line were, so that accepting it shows the next suggestion at once.
   * Any typing cancels it (a new request supersedes it in the engine too).
   */
  private async speculate(document: DocumentSnapshot, shown: ProcessedSuggestion): Promise<void> {
    const run = this.speculation.begin();
    try {
      const variants = [shown.text];
      const firstLineEnd = shown.text.indexOf("\n", 1);
      if (firstLineEnd > 0) variants.push(shown.text.slice(0, firstLineEnd));
      for (const accepted of variants) {
        if (run.signal.aborted) return;
        const next = acceptInto(document, shown, accepted);
        const decision = decideSuggestion(next, false, this.options.suggestIn?.());
        if (!decision.suggest) continue;
        const answer = await this.ask(next, decision, run.signal, 0, true).catch(() => undefined);
        if (!answer?.suggestion || run.signal.aborted) continue;
        const line = cursorLine(next);
        this.cache.set(next.uri, next.text.slice(0, next.offset), line.after, { text: answer.suggestion.text, origin: "speculative" });
      }
    } finally {
      run.end();
    }
  }

  /** Requests (and speculations) begun and not yet finished: 0 when idle. */
  get openRequests(): number {
    return this.requests.openRequests + this.speculation.openRequests;
  }

  /** The user typed or moved: drop speculative work. */
  cancelSpeculation(): void {
    this.speculation.cancel();
  }

  /** A partial accept (next word or line) of a shown suggestion keeps the cache coherent: the rest stays served. */
  acceptedPartially(document: DocumentSnapshot, shown: ProcessedSuggestion, acceptedLength: number): void {
    const accepted = shown.text.slice(0, acceptedLength);
    const next = acceptInto(document, shown, accepted);
    const rest = shown.text.slice(acceptedLength);
    if (rest.trim() !== "") this.cache.set(next.uri, next.text.slice(0, next.offset), cursorLine(next).after, { text: rest, origin: "model" });
  }

  dispose(): void {
    this.requests.cancel();
    this.speculation.cancel();
  }
}

type Decided = Extract<SuggestionDecision, { suggest: true }>;

/** The decision's mode, except that a line which opened a block shows as several lines. */
function shownMode(decision: Decided, suggestion: ProcessedSuggestion): SuggestionMode {
  if (decision.rule.shape !== "line-or-block") return decision.mode;
  return suggestion.text.trim().includes("\n") ? "multi-line" : "single-line";
}

/** The document as it would be after accepting `accepted` (a prefix of the shown suggestion). */
export function acceptInto(document: DocumentSnapshot, shown: ProcessedSuggestion, accepted: string): DocumentSnapshot {
  const whole = accepted === shown.text;
  const end = whole ? shown.replaceEnd : document.offset;
  const text = document.text.slice(0, document.offset) + accepted + document.text.slice(end);
  return { ...document, text, offset: document.offset + accepted.length };
}
