import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { CHAT_SAMPLING } from "../core/chat/conversation";
import { estimateTokens } from "../core/chat/contextBudget";
import { EngineRequestError, type EngineClient } from "../core/engine/engineClient";
import type { ModelController } from "../core/models/modelController";
import type { ChatTurn, StopReason } from "../protocol/engineProtocol";
import { getSetting } from "./configuration";

export const LM_VENDOR = "hearth";
const MODEL_ID = "hearth-chat";

/** How the last vscode.lm request ended (the integration tests check that cancelling stops the model). */
export interface LanguageModelResponseOutcome {
  stopReason: StopReason;
  generatedTokens: number;
}

/** The registration as the composition root keeps it. */
export interface LanguageModelProviderRegistration extends vscode.Disposable {
  /** Whether the provider is registered with VS Code right now. */
  readonly registered: boolean;
  readonly lastResponse: LanguageModelResponseOutcome | undefined;
}

/** The part of vscode.lm this file needs; older VS Code builds lack the function, so it is looked up at runtime. */
interface LanguageModelRegistry {
  registerLanguageModelChatProvider?: (vendor: string, provider: vscode.LanguageModelChatProvider) => vscode.Disposable;
}

function hasRegistry(value: unknown): value is LanguageModelRegistry {
  return typeof value === "object" && value !== null;
}

/** Plain text of a request message (tool calls and data parts are not supported by Hearth's local models). */
function messageText(message: vscode.LanguageModelChatRequestMessage): string {
  return message.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : "")).join("");
}

/** VS Code's messages as the engine's chat request: system text, alternating history, and the last user message. */
export function toEngineChat(messages: readonly vscode.LanguageModelChatRequestMessage[]): { systemPrompt?: string; history: ChatTurn[]; message: string } {
  const system: string[] = [];
  const turns: ChatTurn[] = [];
  for (const message of messages) {
    const text = messageText(message);
    if (message.role === vscode.LanguageModelChatMessageRole.User || message.role === vscode.LanguageModelChatMessageRole.Assistant) {
      const role = message.role === vscode.LanguageModelChatMessageRole.User ? "user" : "assistant";
      const last = turns[turns.length - 1];
      // Merge consecutive messages of one role: chat templates expect user and assistant to alternate.
      if (last && last.role === role) last.text += `\n\n${text}`;
      else turns.push({ role, text });
    } else {
      system.push(text);
    }
  }
  const lastUser = turns[turns.length - 1]?.role === "user" ? turns.pop() : undefined;
  if (turns[0]?.role === "assistant") turns.shift();
  return { systemPrompt: system.length ? system.join("\n\n") : undefined, history: turns, message: lastUser?.text ?? "" };
}

/**
 * Hearth's chat model as a language model provider, so VS Code's own chat and other
 * extensions can use the local model (hearth.chat.languageModelProvider). Registered only
 * where the running VS Code has vscode.lm.registerLanguageModelChatProvider.
 */
class HearthLanguageModelProvider implements vscode.LanguageModelChatProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private readonly subscription: { dispose(): void };
  lastResponse: LanguageModelResponseOutcome | undefined;

  constructor(private readonly engine: EngineClient, private readonly models: ModelController) {
    this.subscription = models.onDidChangeState((role) => {
      if (role === "chat") this.changed.fire();
    });
  }

  provideLanguageModelChatInformation(): vscode.LanguageModelChatInformation[] {
    const path = this.models.configuredPath("chat");
    if (!path) return [];
    const info = this.models.serving("chat");
    const maxOutputTokens = getSetting("hearth.chat.maxTokens");
    const contextSize = info?.contextSize ?? getSetting("hearth.engine.contextSize");
    const name = info?.displayName ?? path.replace(/^.*[\\/]/, "").replace(/\.gguf$/i, "");
    return [{
      id: MODEL_ID,
      name: `${name} (Hearth, local)`,
      family: info?.architecture ?? "gguf",
      version: "1",
      tooltip: `Runs on this machine through Hearth: ${path}`,
      detail: "local",
      maxInputTokens: Math.max(256, contextSize - maxOutputTokens),
      maxOutputTokens,
      capabilities: {},
    }];
  }

  async provideLanguageModelChatResponse(
    _model: vscode.LanguageModelChatInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    _options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const info = await this.models.ensure("chat");
    if (!info) throw new Error("No Hearth chat model is selected: run \"Hearth: Select Chat Model…\".");
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    // Cancelled while the model was loading: the listener above would not run any more.
    if (token.isCancellationRequested) controller.abort();
    try {
      const chat = toEngineChat(messages);
      const result = await this.engine.request("chat", {
        conversationId: `lm-${randomUUID()}`,
        ...chat,
        maxTokens: getSetting("hearth.chat.maxTokens"),
        ...CHAT_SAMPLING,
      }, { signal: controller.signal, onStream: (text) => progress.report(new vscode.LanguageModelTextPart(text)) });
      this.lastResponse = { stopReason: result.stopReason, generatedTokens: result.stats.generatedTokens };
    } catch (error) {
      // Aborted before the engine started: the caller asked for it, so this is no failure.
      if (error instanceof EngineRequestError && error.code === "aborted" && controller.signal.aborted) {
        this.lastResponse = { stopReason: "aborted", generatedTokens: 0 };
        return;
      }
      throw error;
    } finally {
      cancel.dispose();
    }
  }

  async provideTokenCount(_model: vscode.LanguageModelChatInformation, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    return estimateTokens(typeof text === "string" ? text : messageText(text));
  }

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/**
 * Registers the provider while hearth.chat.languageModelProvider is on (and the API
 * exists); follows the setting without a reload.
 */
export function registerLanguageModelProvider(engine: EngineClient, models: ModelController, log: vscode.LogOutputChannel): LanguageModelProviderRegistration {
  let registration: { provider: HearthLanguageModelProvider; disposable: vscode.Disposable } | undefined;
  const update = () => {
    const wanted = getSetting("hearth.chat.languageModelProvider");
    if (!wanted && registration) {
      registration.disposable.dispose();
      registration.provider.dispose();
      registration = undefined;
      log.info("language model provider unregistered");
    } else if (wanted && !registration) {
      const lm: unknown = vscode.lm;
      const register = hasRegistry(lm) ? lm.registerLanguageModelChatProvider : undefined;
      if (typeof register !== "function") {
        log.warn("hearth.chat.languageModelProvider is on, but this VS Code has no vscode.lm.registerLanguageModelChatProvider (VS Code 1.104 or later is needed).");
        return;
      }
      const provider = new HearthLanguageModelProvider(engine, models);
      try {
        registration = { provider, disposable: register.call(lm, LM_VENDOR, provider) };
        log.info("language model provider registered: VS Code's chat and other extensions can use the Hearth chat model");
      } catch (error) {
        provider.dispose();
        log.error(`could not register the language model provider: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  update();
  const listener = vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration("hearth.chat.languageModelProvider")) update();
    else if (event.affectsConfiguration("hearth.chat") || event.affectsConfiguration("hearth.engine")) registration?.provider.refresh();
  });
  return {
    get registered() {
      return registration !== undefined;
    },
    get lastResponse() {
      return registration?.provider.lastResponse;
    },
    dispose: () => {
      listener.dispose();
      registration?.disposable.dispose();
      registration?.provider.dispose();
      registration = undefined;
    },
  };
}
