import type { LoadSettings, LoadedModelInfo, LoraAdapter, ModelRole } from "../../protocol/engineProtocol";
import { Emitter } from "../emitter";
import type { EngineClient } from "../engine/engineClient";
import { modelDisplayName } from "./modelFiles";

export type ModelState =
  | { kind: "none" }
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

/**
 * Keeps the engine's loaded models in line with the configuration and tells the UI
 * what state each role is in. A failed load leaves the previous model serving.
 */
export class ModelController {
  private readonly states = new Map<ModelRole, ModelState>([["completion", { kind: "none" }], ["chat", { kind: "none" }]]);
  private readonly stateEmitter = new Emitter<ModelRole>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly loading = new Map<ModelRole, Promise<LoadedModelInfo | undefined>>();
  /** What each role was last asked to load: a path and its load settings. */
  private readonly requested = new Map<ModelRole, string>();

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
    const serving = this.serving(role);
    if (!path) return Promise.resolve(serving);
    // Unchanged request: serve what there is, and never retry a file that failed to load.
    if (this.requested.get(role) === this.requestKey(path)) return this.loading.get(role) ?? Promise.resolve(serving);
    return this.load(role, path);
  }

  /** Loads a model for a role; on failure the previous model keeps serving. */
  load(role: ModelRole, modelPath: string): Promise<LoadedModelInfo | undefined> {
    const running = this.loading.get(role);
    if (running) return running.then(() => this.ensure(role));
    const previous = this.serving(role);
    const name = modelDisplayName(modelPath);
    this.requested.set(role, this.requestKey(modelPath));
    this.setState(role, { kind: "loading", name });
    this.log("info", `loading ${role} model ${modelPath}`);
    const task = this.engine.request("loadModel", { role, modelPath, settings: this.loadSettings(modelPath) }).then(
      (info) => {
        this.setState(role, { kind: "ready", info });
        return info;
      },
      (error: Error) => {
        this.log("error", `could not load ${modelPath}: ${error.message}`);
        this.setState(role, { kind: "error", cause: "load", name, message: error.message, previous });
        return previous;
      },
    ).finally(() => this.loading.delete(role));
    this.loading.set(role, task);
    return task;
  }

  private loadSettings(modelPath: string): LoadSettings {
    const configuration = this.configuration();
    return { ...configuration.load, loraAdapters: configuration.loraAdaptersFor(modelPath) };
  }

  private requestKey(modelPath: string): string {
    return JSON.stringify([modelPath, this.loadSettings(modelPath)]);
  }

  async unload(role: ModelRole): Promise<void> {
    this.requested.delete(role);
    await this.engine.request("unloadModel", { role });
    this.setState(role, { kind: "none" });
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
