import type { CompletionBackend } from "../../src/core/completion/completionPipeline";
import { ScriptedBackend } from "../../src/core/completion/scriptedBackend";
import { EngineRequestError } from "../../src/core/engine/engineClient";
import { detectFimFormat, type FimFormat } from "../../src/core/fim/fimFormat";
import type { CompleteParams, CompleteResult, InfillParams } from "../../src/protocol/engineProtocol";
import type { Prng } from "../support/models/prng";
import { pick } from "./soakDocument";

function fimFormatWith(tokens: readonly string[]): FimFormat {
  const format = detectFimFormat({ hasSpecialToken: (text) => tokens.includes(text) });
  if (!format) throw new Error(`no FIM format has the tokens ${tokens.join(" ")}`);
  return format;
}

/** What the scripted models answer: single lines, blocks, nothing, and text that needs trimming. */
const ANSWERS = [
  "const sum = a + b;", " total;", "x);", "\n  return sum;\n}", "\n  for (const p of items) {\n    sum += p.x;\n  }\n  return sum;\n}",
  "", "   ", "item.y));\n", ") => item.x * 2);", "return distance(a, b);\n}\n\nfunction other() {",
];

/**
 * The scripted backend behind model switches: three "models" (two FIM formats and a plain
 * one) answer through ScriptedBackend after a few event-loop turns, like an engine would,
 * report an aborted generation when cancelled meanwhile, and fail now and then.
 */
export class ScriptedModels implements CompletionBackend {
  private readonly models: { name: string; fim: FimFormat | null }[] = [
    { name: "scripted-qwen", fim: fimFormatWith(["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|file_sep|>", "<|repo_name|>"]) },
    { name: "scripted-plain", fim: null },
    { name: "scripted-deepseek", fim: fimFormatWith(["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"]) },
  ];
  private current = 0;
  /** Generations asked of the scripted models. */
  generations = 0;

  constructor(private readonly random: Prng, private readonly failureRate = 0.02) {}

  switchModel(): void {
    this.current = (this.current + 1) % this.models.length;
  }

  private get active(): { name: string; fim: FimFormat | null } {
    const model = this.models[this.current];
    if (!model) throw new Error("no scripted model");
    return model;
  }

  async model(): Promise<{ name: string; fim: FimFormat | null }> {
    await this.turns();
    return this.active;
  }

  infill(params: InfillParams, signal: AbortSignal): Promise<CompleteResult> {
    return this.generate(signal, (backend) => backend.infill(params));
  }

  complete(params: CompleteParams, signal: AbortSignal): Promise<CompleteResult> {
    return this.generate(signal, (backend) => backend.complete(params));
  }

  private async generate(signal: AbortSignal, ask: (backend: ScriptedBackend) => Promise<CompleteResult>): Promise<CompleteResult> {
    this.generations += 1;
    await this.turns();
    if (this.random.next() < this.failureRate) throw new EngineRequestError("internal", "scripted failure");
    // A backend per answer: ScriptedBackend keeps every request it saw, which a soak must not.
    const { name, fim } = this.active;
    const result = await ask(new ScriptedBackend([pick(this.random, ANSWERS)], fim, name));
    return signal.aborted ? { ...result, text: "", stopReason: "aborted" } : result;
  }

  /** 0 to 3 turns of the event loop: requests overlap, and cancellations land at different points. */
  async turns(): Promise<void> {
    const count = Math.floor(this.random.next() * 4);
    for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
  }
}
