import type { LoadSettings, LoadedModelInfo, LoraAdapter, ModelRole } from "../../protocol/engineProtocol";
import { Emitter } from "../emitter";
import type { EngineClient } from "../engine/engineClient";
import { modelDisplayName } from "./modelFiles";

export type ModelState =
  | { kind: "none" }
  /** Unloaded on request (Unload Models): the configured model loads again on next use. */
  | { kind: "unloaded"; name: string }
  | { kind: "loading"; name: string }
  | { kind: "ready"; info: LoadedModelInfo }
  /** `previous` is the model that still serves requests after a failed switch. */
  | { kind: "error"; cause: "load" | "engine"; name: string; message: string; previous?: LoadedModelInfo };

export interface ModelConfiguration {
  completionModelPath: string;
  /** Empty: the chat uses the completion model. */
  chatModelPath: string;
  load: LoadSettings;
  /** LoRA adapters configured for a model file. */
  loraAdaptersFor(modelPath: string): LoraAdapter[];
}

/** What a switch to another model ended in. */
export type SwitchResult = { ok: true; info: LoadedModelInfo } | { ok: false; message: string; serving: LoadedModelInfo | undefined };

/**
 * Keeps the engine's loaded models in line with the configuration and tells the UI
 * what state each role is in. A failed load leaves the previous model serving, and a
 * model that failed to load is never saved as the configured one (see switchTo).
 */
export class ModelController {
  private readonly states = new Map<ModelRole, ModelState>([["completion", { kind: "none" }], ["chat", { kind: "none" }]]);
  private readonly stateEmitter = new Emitter<ModelRole>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly loading = new Map<ModelRole, Promise<LoadedModelInfo | undefined>>();
  /** What each role was last asked to load: a path and its load settings. */
  private readonly requested = new Map<ModelRole, string>();
  /** The path and load settings of the model serving each role. */
  private readonly servingKey = new Map<ModelRole, string>();

  private readonly engineListener: { dispose(): void };

  constructor(
    private readonly engine: EngineClient,
    private readonly configuration: () => ModelConfiguration,
    private readonly log: (level: "info" | "warn" | "error", message: string) => void,
  ) {
    // The engine will not reload a model (it crashed the engine, or the engine stopped restarting):
    // the role must not claim it still serves.
    this.engineListener = engine.onModelDropped((dropped) => {
      if (this.serving(dropped.role)?.modelPath !== dropped.modelPath) return;
      this.log("error", `${dropped.role} model ${dropped.modelPath} is no longer loaded: ${dropped.message}`);
      this.setState(dropped.role, { kind: "error", cause: dropped.reason === "gaveUp" ? "engine" : "load", name: modelDisplayName(dropped.modelPath), message: dropped.message });
    });
  }

  state(role: ModelRole): ModelState {
    return this.states.get(role) ?? { kind: "none" };
  }

  /** The model serving a role right now, if any. */
  serving(role: ModelRole): LoadedModelInfo | undefined {
    const state = this.state(role);
    return state.kind === "ready" ? state.info : state.kind === "error" ? state.previous : undefined;
  }

  /**
   * A model is chosen for the role (the walkthrough's "Choose a local model" step): one serves it,
   * or one is configured that has not failed to load.
   */
  chosen(role: ModelRole): boolean {
    if (this.serving(role)) return true;
    const state = this.state(role);
    return this.configuredPath(role) !== "" && !(state.kind === "error" && state.cause === "load");
  }

  /** The role has a model loaded, loading or failed: not never used, not unloaded on request. */
  inUse(role: ModelRole): boolean {
    const kind = this.state(role).kind;
    return kind !== "none" && kind !== "unloaded";
  }

  private setState(role: ModelRole, state: ModelState): void {
    this.states.set(role, state);
    this.stateEmitter.fire(role);
  }

  configuredPath(role: ModelRole): string {
    const config = this.configuration();
    return role === "chat" ? config.chatModelPath || config.completionModelPath : config.completionModelPath;
  }

  /** Makes sure the configured model of a role is loaded; resolves to what serves the role. */
  ensure(role: ModelRole): Promise<LoadedModelInfo | undefined> {
    const path = this.configuredPath(role);
    const running = this.loading.get(role);
    // A load (or a switch that saves its setting once loaded) is under way: decide after it.
    if (running) return running.then(() => this.ensure(role));
    const serving = this.serving(role);
    if (!path) return Promise.resolve(serving);
    const key = this.requestKey(path);
    if (serving && this.servingKey.get(role) === key) return Promise.resolve(serving);
    // Never retry a file that failed to load with the same settings: serve what there is.
    if (this.requested.get(role) === key) return Promise.resolve(serving);
    return this.load(role, path);
  }

  /**
   * Loads another model for a role and calls `save` (which writes the model setting) only
   * once it serves: a file that fails to load is never saved as the configured model, so a
   * window reload still starts the model that worked. Until `save` has run, ensure() waits.
   */
  async switchTo(role: ModelRole, modelPath: string, save: (modelPath: string) => Promise<void>): Promise<SwitchResult> {
    // The load below starts in the same turn as the check that no other one runs (at once when none does).
    if (this.loading.has(role)) await this.settled(role);
    let failure: string | undefined;
    const info = await this.load(role, modelPath, async (loaded) => {
      await save(loaded.modelPath).catch((error: Error) => {
        this.log("error", `${loaded.displayName} loaded, but its setting could not be saved: ${error.message}`);
      });
    }, (message) => (failure = message));
    return failure === undefined && info ? { ok: true, info } : { ok: false, message: failure ?? "the model did not load", serving: info };
  }

  /**
   * Loads a model for a role; on failure the previous model keeps serving. `afterLoad` runs
   * before ensure() may look at the configuration again (switchTo saves the setting there).
   */
  load(role: ModelRole, modelPath: string, afterLoad?: (info: LoadedModelInfo) => Promise<void>, onFailure?: (message: string) => void): Promise<LoadedModelInfo | undefined> {
    const running = this.loading.get(role);
    if (running) return running.then(() => this.ensure(role));
    const previous = this.serving(role);
    const name = modelDisplayName(modelPath);
    const key = this.requestKey(modelPath);
    this.requested.set(role, key);
    this.setState(role, { kind: "loading", name });
    this.log("info", `loading ${role} model ${modelPath}`);
    const task = this.engine.request("loadModel", { role, modelPath, settings: this.loadSettings(modelPath) }).then(
      async (info) => {
        this.servingKey.set(role, key);
        this.setState(role, { kind: "ready", info });
        await afterLoad?.(info);
        return info;
      },
      (error: Error) => {
        this.log("error", `could not load ${modelPath}: ${error.message}`);
        this.setState(role, { kind: "error", cause: "load", name, message: error.message, previous });
        onFailure?.(error.message);
        return previous;
      },
    ).finally(() => this.loading.delete(role));
    this.loading.set(role, task);
    return task;
  }

  /** Resolves once no load of the role is under way. */
  private async settled(role: ModelRole): Promise<void> {
    for (let running = this.loading.get(role); running; running = this.loading.get(role)) await running;
  }

  private loadSettings(modelPath: string): LoadSettings {
    const configuration = this.configuration();
    return { ...configuration.load, loraAdapters: configuration.loraAdaptersFor(modelPath) };
  }

  private requestKey(modelPath: string): string {
    return JSON.stringify([modelPath, this.loadSettings(modelPath)]);
  }

  /** Frees a role's model; a configured model loads again on next use (ensure). */
  async unload(role: ModelRole): Promise<void> {
    await this.settled(role);
    const name = this.serving(role)?.displayName;
    this.requested.delete(role);
    this.servingKey.delete(role);
    await this.engine.request("unloadModel", { role });
    const path = this.configuredPath(role);
    this.setState(role, path ? { kind: "unloaded", name: name ?? modelDisplayName(path) } : { kind: "none" });
  }

  /**
   * The user chose the model that already serves a role: a failed load of another file is
   * no longer news, so the role reads as ready again.
   */
  keepServing(role: ModelRole): void {
    const state = this.state(role);
    if (state.kind === "error" && state.cause === "load" && state.previous) this.setState(role, { kind: "ready", info: state.previous });
  }

  /** The engine process died: what it held is gone until it restarts and reloads. */
  engineStopped(message: string): void {
    for (const role of ["completion", "chat"] as const) {
      const serving = this.serving(role);
      if (serving) this.setState(role, { kind: "error", cause: "engine", name: serving.displayName, message, previous: serving });
    }
  }

  /** A request succeeded after a crash: the engine reloaded the model. */
  confirmServing(role: ModelRole): void {
    const state = this.state(role);
    if (state.kind === "error" && state.previous && state.previous.displayName === state.name) {
      this.setState(role, { kind: "ready", info: state.previous });
    }
  }

  dispose(): void {
    this.engineListener.dispose();
    this.stateEmitter.dispose();
  }
}
