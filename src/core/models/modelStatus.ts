import type { CompletionRequestRecord } from "../completion/completionPipeline";
import { countOf } from "../plural";
import type { LoadedModelInfo } from "../../protocol/engineProtocol";
import type { ModelState } from "./modelController";

/** What the status bar item shows for the completion model. */
export interface ModelStatusView {
  /** The item's text, with `$(codicon)` icons. */
  text: string;
  /** Markdown. */
  tooltip: string;
  /** warning and error take the theme's warning and error backgrounds. */
  tone: "normal" | "warning" | "error";
}

export interface StatusContext {
  paused: boolean;
  /** A completion request is running. */
  busy: boolean;
  lastRequest?: CompletionRequestRecord;
}

const CLICK = "Click to select a model.";

/** Status text that says what is true: which model serves, what failed, what loads when. */
export function modelStatusView(state: ModelState, context: StatusContext): ModelStatusView {
  const paused = context.paused ? " (paused)" : "";
  switch (state.kind) {
    case "none":
      return { text: "$(circle-slash) Hearth: no model", tooltip: `Hearth has no completion model. ${CLICK}`, tone: "normal" };
    case "unloaded":
      return {
        text: "$(circle-large-outline) Hearth: unloaded — loads on next use",
        tooltip: `**${escapeMarkdown(state.name)}** was unloaded to free memory. It loads again on the next completion or chat message.\n\n${CLICK}`,
        tone: "normal",
      };
    case "loading":
      return { text: `$(loading~spin) Hearth: loading ${state.name}…`, tooltip: `Loading ${escapeMarkdown(state.name)}`, tone: "normal" };
    case "ready": {
      const icon = context.paused ? "$(debug-pause)" : context.busy ? "$(loading~spin)" : "$(hubot)";
      return {
        text: `${icon} Hearth: ${state.info.displayName}${paused}`,
        tooltip: `${modelDetails(state.info, context)}\n\n${context.paused ? "Completions are paused. " : ""}Click to select another model.`,
        tone: "normal",
      };
    }
    case "error": {
      const message = escapeMarkdown(state.message);
      if (state.cause === "engine") {
        return { text: `$(error) Hearth: engine stopped`, tooltip: `${message}\n\n${CLICK}`, tone: "error" };
      }
      if (state.previous) {
        return {
          text: `$(warning) Hearth: ${state.previous.displayName} (last load failed)${paused}`,
          tooltip: `**${escapeMarkdown(state.previous.displayName)}** is still serving: the last load failed.\n\n` +
            `Could not load **${escapeMarkdown(state.name)}**: ${message}\n\n${modelDetails(state.previous, context)}\n\n${CLICK}`,
          tone: "warning",
        };
      }
      return { text: `$(error) Hearth: ${state.name} failed to load`, tooltip: `${message}\n\n${CLICK}`, tone: "error" };
    }
  }
}

function modelDetails(info: LoadedModelInfo, context: StatusContext): string {
  const fim = info.fim
    ? `Fill-in-the-middle format: ${info.fim.name}.`
    : "This model has no fill-in-the-middle tokens: completions use the text before the cursor only.";
  const last = context.lastRequest;
  const timings = last
    ? `\n\nLast completion: prompt ${Math.round(last.stats.promptMs)} ms (${last.stats.reusedTokens} of ${countOf(last.stats.promptTokens, "token")} reused), ` +
      `first token ${Math.round(last.stats.firstTokenMs)} ms, total ${Math.round(last.stats.generationMs)} ms.`
    : "";
  return `**${escapeMarkdown(info.displayName)}** (${escapeMarkdown(info.architecture)})\n\n` +
    `Context ${countOf(info.contextSize, "token")}, ${countOf(info.threads, "thread")}, loaded in ${info.loadMs} ms. ${fim}${timings}`;
}

/** Model names, paths and engine messages are shown as written, not as Markdown. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (character) => `\\${character}`);
}
