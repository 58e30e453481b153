import type { FimFormat } from "../fim/fimFormat";
import { layoutFimPrompt, renderSegments } from "../fim/fimLayout";
import type { CompleteParams, CompleteResult, InfillParams, PrefillParams, PrefillResult } from "../../protocol/engineProtocol";
import type { CompletionBackend } from "./completionPipeline";

/**
 * A backend that answers with given text: the real pipeline around a scripted model, for
 * golden tests and `cli complete --raw-output` (the real engine is tested on its own).
 */
export class ScriptedBackend implements CompletionBackend {
  readonly requests: (InfillParams | CompleteParams)[] = [];
  readonly prefills: PrefillParams[] = [];

  constructor(private readonly answers: string[], private readonly fim: FimFormat | null = null, private readonly name = "scripted") {}

  async model(): Promise<{ name: string; fim: FimFormat | null }> {
    return { name: this.name, fim: this.fim };
  }

  async infill(params: InfillParams): Promise<CompleteResult> {
    this.requests.push(params);
    const prompt = this.fim ? renderSegments(this.fim, layoutFimPrompt(this.fim, params)) : "";
    return this.answer(prompt);
  }

  async complete(params: CompleteParams): Promise<CompleteResult> {
    this.requests.push(params);
    return this.answer(params.prompt);
  }

  async prefill(params: PrefillParams): Promise<PrefillResult> {
    this.prefills.push(params);
    return { ran: true, complete: true, promptTokens: 0, reusedTokens: 0, evaluatedTokens: 0, promptMs: 0 };
  }

  private answer(prompt: string): CompleteResult {
    const text = this.answers.length > 1 ? this.answers.shift() ?? "" : this.answers[0] ?? "";
    return {
      text,
      prompt,
      stopReason: "eog",
      stats: { promptTokens: 0, reusedTokens: 0, evaluatedTokens: 0, promptMs: 0, firstTokenMs: 0, generationMs: 0, generatedTokens: 0 },
    };
  }
}
