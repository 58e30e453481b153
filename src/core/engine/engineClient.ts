import { fork, type ChildProcess } from "node:child_process";
import { engineLaunch } from "./engineLaunch";
import { CrashedModels, isNativeFault, modelName, roleOfMethod } from "./crashedModels";
import { DEFAULT_DEADLINES, measuresProgress, type EngineDeadlines } from "./engineDeadlines";
import {
  parseEngineMessage, type EngineErrorCode, type EngineMethod, type EngineMethods, type EngineToExtensionMessage,
  type LoadModelParams, type ModelRole,
} from "../../protocol/engineProtocol";
import { Emitter } from "../emitter";

/** An error from the engine, or about the engine process itself. */
export class EngineRequestError extends Error {
  constructor(readonly code: EngineErrorCode, message: string) {
    super(message);
    this.name = "EngineRequestError";
  }
}

export interface EngineClientOptions {
  /** The bundled engine entry (dist/engine.js). */
  enginePath: string;
  /** Node binary to run it with; defaults to the current process's. */
  execPath?: string;
  /** Crashes within `crashWindowMs` after which the client stops restarting. */
  maxCrashes?: number;
  crashWindowMs?: number;
  env?: NodeJS.ProcessEnv;
  /** false runs the engine with Node's and glibc's own memory settings (the benchmarks' baseline). */
  memoryTuning?: boolean;
  /** How long each request may take, and how the client checks that the engine still answers (engineDeadlines.ts). */
  deadlines?: Partial<EngineDeadlines>;
}

export interface EngineLogLine {
  level: "info" | "warn" | "error";
  message: string;
}

export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the process ended without being asked to. */
  crashed: boolean;
  /** True when the client gave up restarting after repeated crashes. */
  gaveUp: boolean;
  /** The model file the crash is blamed on (a native fault while loading it or generating with it). */
  blamedModel?: string;
  /** True when the client starts the engine again at once, to reload the models that served before. */
  restarting: boolean;
  /** True when the client killed the engine because it stopped answering. */
  unresponsive: boolean;
}

/** A role lost its model: the engine crashed on it, could not reload it, or stopped restarting. */
export interface ModelDropped {
  role: ModelRole;
  modelPath: string;
  message: string;
  /** "crashed": the model crashed or hung the engine; "reloadFailed": it did not load after a restart; "gaveUp": the engine stopped restarting. */
  reason: "crashed" | "reloadFailed" | "gaveUp";
}

interface Pending {
  /** The process the request was sent to: only its exit rejects the request. */
  child: ChildProcess;
  method: EngineMethod;
  params: EngineMethods[EngineMethod]["params"];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onStream?: (text: string) => void;
  /** Restarts the request's deadline (a streamed chunk is progress). */
  touch: () => void;
  /** Its deadline passed and it was cancelled: an engine that does not answer now is stuck. */
  timedOut: boolean;
}

const SHUT_DOWN_MESSAGE = "The Hearth engine has been shut down.";
const GAVE_UP_MESSAGE = "The Hearth engine crashed repeatedly and was not restarted. Check \"Hearth: Show Log\", choose another model (Hearth: Select Model…), then try again.";

/**
 * Talks to the engine child process: starts it on first need, restarts it after a
 * crash (restoring the models that were loaded), and stops restarting after
 * repeated crashes so a broken model cannot cause a restart loop.
 */
export class EngineClient {
  /** The process serving requests (set once it is ready, also while it reloads models after a restart). */
  private child: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  /** Every process started and not yet exited, the one still starting included: dispose ends them all. */
  private readonly processes = new Set<ChildProcess>();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly loadedParams = new Map<ModelRole, LoadModelParams>();
  private readonly crashedModels = new CrashedModels();
  private readonly deadlines: EngineDeadlines;
  /** When the serving process last sent anything; the heartbeat probes it after a silence. */
  private lastHeard = Date.now();
  private heartbeat: NodeJS.Timeout | undefined;
  private probing = false;
  /** Processes killed because they stopped answering: their exit says so. */
  private readonly unresponsive = new WeakSet<ChildProcess>();
  private readonly crashTimes: number[] = [];
  private gaveUp = false;
  private disposed = false;
  /** Abort listeners this client holds on callers' signals (a leak check for long sessions). */
  private signalListeners = 0;
  private readonly logEmitter = new Emitter<EngineLogLine>();
  private readonly exitEmitter = new Emitter<EngineExit>();
  private readonly droppedEmitter = new Emitter<ModelDropped>();
  readonly onLog = this.logEmitter.event;
  readonly onExit = this.exitEmitter.event;
  /** Fired before `onExit` for every role whose model will not be reloaded. */
  readonly onModelDropped = this.droppedEmitter.event;

  constructor(private readonly options: EngineClientOptions) {
    this.deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  /** Requests sent and not yet answered. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /** Abort listeners still attached to callers' signals; 0 once every request has settled. */
  get attachedSignalListeners(): number {
    return this.signalListeners;
  }

  /** Allows restarts again after the user acted on a "stopped restarting" message. */
  resetCrashCounter(): void {
    this.crashTimes.length = 0;
    this.gaveUp = false;
  }

  private ensureStarted(method: EngineMethod): Promise<ChildProcess> {
    if (this.disposed) return Promise.reject(new EngineRequestError("engineCrashed", SHUT_DOWN_MESSAGE));
    // While a restarted process reloads the models, requests wait: sent earlier they would find no model.
    if (this.starting) return this.starting;
    if (this.child) return Promise.resolve(this.child);
    if (this.gaveUp) {
      // Loading a model is the user acting on the message ("choose another model"): start afresh.
      // Anything else would restart the loop.
      if (method !== "loadModel") return Promise.reject(new EngineRequestError("engineCrashed", GAVE_UP_MESSAGE));
      this.resetCrashCounter();
      this.logEmitter.fire({ level: "info", message: "starting the engine again to load a model after it had stopped restarting" });
    }
    const starting = this.spawn().finally(() => {
      if (this.starting === starting) this.starting = undefined;
    });
    this.starting = starting;
    return starting;
  }

  private async spawn(): Promise<ChildProcess> {
    const child = fork(this.options.enginePath, [], {
      execPath: this.options.execPath ?? process.execPath,
      ...engineLaunch(this.options.env ?? process.env, this.options.memoryTuning ?? true),
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    this.processes.add(child);
    // A failed send or kill is reported here; without a listener it would throw in the extension host.
    child.on("error", (error) => this.logEmitter.fire({ level: "error", message: `engine process: ${error.message}` }));
    child.once("exit", (code, signal) => this.onProcessExit(child, code, signal));
    child.stdout?.on("data", (data: Buffer) => this.logEmitter.fire({ level: "info", message: `engine: ${data.toString().trimEnd()}` }));
    child.stderr?.on("data", (data: Buffer) => this.logEmitter.fire({ level: "warn", message: `engine: ${data.toString().trimEnd()}` }));
    child.on("message", (raw: unknown) => {
      if (child === this.child) this.lastHeard = Date.now();
      const message = parseEngineMessage(raw);
      if (message) this.onMessage(message);
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (raw: unknown) => {
        if (parseEngineMessage(raw)?.kind !== "ready") return;
        cleanup();
        resolve();
      };
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) => {
        cleanup();
        reject(new EngineRequestError("engineCrashed", this.disposed ? SHUT_DOWN_MESSAGE
          : `The Hearth engine exited while starting (${describeExit(code, signal)}). ${this.gaveUp ? GAVE_UP_MESSAGE : "It starts again on the next request; \"Hearth: Show Log\" has its output."}`));
      };
      const onError = (error: Error) => {
        cleanup();
        if (child.pid === undefined) {
          // It never ran (no "exit" will follow): count it like a crash so a broken setup cannot loop.
          this.processes.delete(child);
          if (!this.disposed) this.recordCrash();
        } else {
          child.kill("SIGKILL");
        }
        reject(new EngineRequestError("engineCrashed", `The Hearth engine could not be started: ${error.message}`));
      };
      // A process that never says it is ready is stuck: its exit rejects this start.
      const startTimer = setTimeout(() => this.stopUnresponsive(child, `it was not ready within ${this.deadlines.startMs / 1000} s of starting`), this.deadlines.startMs);
      const cleanup = () => {
        clearTimeout(startTimer);
        child.off("message", onMessage);
        child.off("exit", onEarlyExit);
        child.off("error", onError);
      };
      child.on("message", onMessage);
      child.once("exit", onEarlyExit);
      child.once("error", onError);
    });
    if (this.disposed) {
      // Disposed while it was starting: it must not outlive the extension.
      child.kill("SIGKILL");
      throw new EngineRequestError("engineCrashed", SHUT_DOWN_MESSAGE);
    }
    this.child = child;
    this.lastHeard = Date.now();
    // Restore the models that were loaded before a crash.
    for (const params of [...this.loadedParams.values()]) {
      try {
        await this.send(child, "loadModel", params);
      } catch (error) {
        // The process died again while reloading: fail the request that started it. A model that
        // is not blamed for it is kept for the next start (the crash counter stops a loop).
        if (!this.processes.has(child)) throw error;
        const message = `could not reload ${params.modelPath} after restart: ${error instanceof Error ? error.message : String(error)}`;
        this.logEmitter.fire({ level: "error", message });
        this.dropModels("reloadFailed", (role) => role === params.role, `${modelName(params.modelPath)} could not be loaded again after the engine restarted: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return child;
  }

  private onProcessExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.processes.delete(child);
    if (this.child === child) this.child = undefined;
    const crashed = !this.disposed;
    const unresponsive = this.unresponsive.has(child);
    const pending = [...this.pending].filter(([, request]) => request.child === child);
    // A native fault is blamed on the model loading or generating; a hang on the request that ran past its deadline.
    const suspects = isNativeFault(signal) ? pending.map(([, request]) => request)
      : unresponsive ? pending.map(([, request]) => request).filter((request) => request.timedOut) : [];
    const blame = crashed ? this.blame(suspects, pending.map(([, request]) => request), unresponsive ? undefined : signal) : undefined;
    // A crash blamed on a file cannot loop (that file is not loaded again): it does not count.
    if (crashed && !blame) this.recordCrash();
    const restarting = (blame !== undefined || unresponsive) && !this.gaveUp && this.loadedParams.size > 0;
    const how = unresponsive ? "stopped responding and was stopped" : `stopped unexpectedly (${describeExit(code, signal)})`;
    const error = new EngineRequestError("engineCrashed", !crashed ? SHUT_DOWN_MESSAGE
      : this.gaveUp ? `The Hearth engine ${how}. ${GAVE_UP_MESSAGE}`
        : `The Hearth engine ${how}. It restarts on the next request and reloads the model.`);
    for (const [id, request] of pending) {
      this.pending.delete(id);
      request.reject(blame?.errors.get(request) ?? error);
    }
    this.exitEmitter.fire({ code, signal, crashed, gaveUp: this.gaveUp, blamedModel: blame?.modelPath, restarting, unresponsive });
    if (restarting) this.restartSoon();
  }

  /**
   * A native fault while a model loads or generates is blamed on its file: that request fails
   * with a message naming it, the file is not loaded again while unchanged, and the models that
   * served before stay loaded (the engine restarts at once to reload them).
   */
  /** `signal`: the native fault; undefined for an engine that stopped responding. */
  private blame(suspects: Pending[], pending: Pending[], signal: NodeJS.Signals | null | undefined): { modelPath: string; errors: Map<Pending, EngineRequestError> } | undefined {
    const what = signal ? `crashed (${signal})` : "stopped responding";
    const load = suspects.find((request) => request.method === "loadModel");
    const generating = suspects.find((request) => roleOfMethod(request.method) !== undefined);
    const generatingRole = generating ? roleOfMethod(generating.method) : undefined;
    const modelPath = load ? (load.params as LoadModelParams).modelPath : generatingRole ? this.loadedParams.get(generatingRole)?.modelPath : undefined;
    if (!modelPath) return undefined;
    const name = modelName(modelPath);
    const notAgain = `Hearth will not load it again while the file is unchanged: download it again or choose another model (Hearth: Select Model…); "Hearth: Show Log" has llama.cpp's last words.`;
    const happened = load
      ? `llama.cpp ${what} while loading ${name}: the file is damaged or has settings this llama.cpp cannot run.`
      : `The Hearth engine ${what} while ${name} was generating.`;
    this.crashedModels.record(modelPath, `${name} ${signal ? `crashed the Hearth engine (${signal})` : "made the Hearth engine stop responding"} when it was last used. ${notAgain}`);
    this.dropModels("crashed", (_role, params) => params.modelPath === modelPath, `${happened} It was unloaded. ${notAgain}`);
    const serving = [...new Set([...this.loadedParams.values()].map((params) => modelName(params.modelPath)))];
    const afterwards = serving.length === 0 ? "" : serving.length === 1 ? ` ${serving[0]} is loaded again and keeps serving.` : ` ${serving.join(" and ")} are loaded again and keep serving.`;
    const culprit = load ?? generating;
    const errors = new Map<Pending, EngineRequestError>();
    for (const request of pending) {
      errors.set(request, request === culprit
        ? new EngineRequestError(load ? "loadFailed" : "engineCrashed", `${happened} ${notAgain}${afterwards}`)
        : new EngineRequestError("engineCrashed", `The Hearth engine ${what} on ${name}; it restarts and reloads the other models.`));
    }
    this.logEmitter.fire({ level: "error", message: `${happened} It will not be loaded again while the file is unchanged.` });
    return { modelPath, errors };
  }

  /** Forgets the models of the roles `which` picks, so that no restart reloads them, and says so. */
  private dropModels(reason: ModelDropped["reason"], which: (role: ModelRole, params: LoadModelParams) => boolean, message: string): void {
    for (const [role, params] of [...this.loadedParams]) {
      if (!which(role, params)) continue;
      this.loadedParams.delete(role);
      this.droppedEmitter.fire({ role, modelPath: params.modelPath, message, reason });
    }
  }

  /** Starts the engine again at once after a crash or hang, so that the models that served before serve again. */
  private restartSoon(): void {
    const whenFree = this.starting?.then(() => undefined, () => undefined) ?? Promise.resolve();
    void whenFree.then(() => {
      if (this.child || this.disposed || this.gaveUp || this.loadedParams.size === 0) return undefined;
      return this.ensureStarted("status");
    }).catch((error: unknown) => this.logEmitter.fire({ level: "error", message: `could not restart the engine: ${error instanceof Error ? error.message : String(error)}` }));
  }

  private recordCrash(): void {
    const now = Date.now();
    this.crashTimes.push(now);
    const windowMs = this.options.crashWindowMs ?? 60_000;
    while (this.crashTimes.length > 0 && now - this.crashTimes[0] > windowMs) this.crashTimes.shift();
    if (this.crashTimes.length >= (this.options.maxCrashes ?? 3) && !this.gaveUp) {
      this.gaveUp = true;
      // What crashed is not reloaded when the user starts the engine again by choosing a model.
      this.dropModels("gaveUp", () => true, GAVE_UP_MESSAGE);
    }
  }

  private onMessage(message: EngineToExtensionMessage): void {
    switch (message.kind) {
      case "log":
        this.logEmitter.fire({ level: message.level, message: message.message });
        return;
      case "stream": {
        const pending = this.pending.get(message.id);
        pending?.touch();
        pending?.onStream?.(message.text);
        return;
      }
      case "response": {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new EngineRequestError(message.error.code, message.error.message));
        return;
      }
      case "ready":
        return;
    }
  }

  private send<M extends EngineMethod>(
    child: ChildProcess,
    method: M,
    params: EngineMethods[M]["params"],
    options: { signal?: AbortSignal; onStream?: (text: string) => void; probe?: boolean } = {},
  ): Promise<EngineMethods[M]["result"]> {
    const id = this.nextId++;
    return new Promise<EngineMethods[M]["result"]>((resolve, reject) => {
      const { signal, onStream } = options;
      if (signal?.aborted) {
        reject(new EngineRequestError("aborted", "Request aborted."));
        return;
      }
      // The process may have died between being chosen and this send: its exit has already
      // rejected what was pending, so this request would wait for ever.
      if (!this.processes.has(child) || !child.connected) {
        reject(new EngineRequestError("engineCrashed", this.disposed ? SHUT_DOWN_MESSAGE
          : "The Hearth engine stopped before the request could be sent. It restarts on the next request."));
        return;
      }
      const cancel = () => {
        if (this.processes.has(child) && child.connected) child.send({ kind: "cancel", id });
      };
      const budgetMs = options.probe ? this.deadlines.probeMs : this.deadlines.requests[method];
      let deadline: NodeJS.Timeout | undefined;
      let timeoutError: EngineRequestError | undefined;
      const armDeadline = () => {
        clearTimeout(deadline);
        deadline = setTimeout(onDeadline, budgetMs);
      };
      const onDeadline = () => {
        const seconds = Math.round(budgetMs / 100) / 10;
        if (options.probe) {
          this.stopUnresponsive(child, `it did not answer a status check within ${seconds} s`);
          return;
        }
        const entry = this.pending.get(id);
        if (!entry) return;
        entry.timedOut = true;
        timeoutError = new EngineRequestError("timeout", measuresProgress(method)
          ? `The Hearth engine made no progress on ${describeMethod(method)} for ${seconds} s, so it was cancelled.`
          : `The Hearth engine did not finish ${describeMethod(method)} within ${seconds} s, so it was cancelled.`);
        cancel();
        // A working engine answers a cancel at once; one that does not is stuck.
        deadline = setTimeout(() => this.stopUnresponsive(child, `${describeMethod(method)} ran past its ${seconds} s deadline and the engine did not answer the cancel`), this.deadlines.cancelGraceMs);
      };
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        clearTimeout(deadline);
        if (signal) {
          signal.removeEventListener("abort", cancel);
          this.signalListeners -= 1;
        }
        this.stopHeartbeatWhenIdle();
        return true;
      };
      if (signal) {
        signal.addEventListener("abort", cancel, { once: true });
        this.signalListeners += 1;
      }
      this.pending.set(id, {
        child,
        method,
        params,
        resolve: (value) => {
          if (!settle()) return;
          if (timeoutError) reject(timeoutError);
          else resolve(value as EngineMethods[M]["result"]);
        },
        reject: (error) => {
          if (settle()) reject(timeoutError && error instanceof EngineRequestError && error.code !== "engineCrashed" ? timeoutError : error);
        },
        onStream,
        touch: () => {
          if (measuresProgress(method) && !timeoutError) armDeadline();
        },
        timedOut: false,
      });
      armDeadline();
      this.startHeartbeat();
      child.send({ kind: "request", id, method, params });
    });
  }

  /** While requests are pending, an engine silent for too long is asked for its status. */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.checkSilence(), Math.max(100, Math.min(1000, this.deadlines.silenceMs / 4)));
    this.heartbeat.unref?.();
  }

  private stopHeartbeatWhenIdle(): void {
    // Settled requests leave `pending` right after this runs.
    queueMicrotask(() => {
      if (this.pending.size > 0 || !this.heartbeat) return;
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    });
  }

  private checkSilence(): void {
    const child = this.child;
    if (!child || this.probing || Date.now() - this.lastHeard < this.deadlines.silenceMs) return;
    if (![...this.pending.values()].some((request) => request.child === child)) return;
    this.probing = true;
    this.send(child, "status", {}, { probe: true }).then(() => undefined, () => undefined).finally(() => {
      this.probing = false;
    });
  }

  /** Kills a process that stopped answering; its exit restarts it and rejects what it held. */
  private stopUnresponsive(child: ChildProcess, why: string): void {
    if (!this.processes.has(child) || this.unresponsive.has(child)) return;
    this.unresponsive.add(child);
    this.logEmitter.fire({ level: "error", message: `The Hearth engine stopped responding (${why}): stopping it (pid ${child.pid}) and starting it again.` });
    child.kill("SIGKILL");
  }

  async request<M extends EngineMethod>(
    method: M,
    params: EngineMethods[M]["params"],
    options: { signal?: AbortSignal; onStream?: (text: string) => void } = {},
  ): Promise<EngineMethods[M]["result"]> {
    const modelPath = method === "loadModel" ? (params as LoadModelParams).modelPath : undefined;
    // Checked only for a file that crashed the engine, so that a request starts the engine at once.
    if (modelPath !== undefined && this.crashedModels.has(modelPath)) {
      const refusal = await this.crashedModels.refusal(modelPath);
      if (refusal) throw new EngineRequestError("loadFailed", refusal);
    }
    const child = await this.ensureStarted(method);
    const result = await this.send(child, method, params, options);
    if (method === "loadModel") {
      const load = params as LoadModelParams;
      this.loadedParams.set(load.role, load);
    } else if (method === "unloadModel") {
      this.loadedParams.delete((params as EngineMethods["unloadModel"]["params"]).role);
    }
    return result;
  }

  /** Stops the engine process (also one still starting); pending requests reject. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    await Promise.all([...this.processes].map((child) => stopProcess(child)));
    this.logEmitter.dispose();
    this.exitEmitter.dispose();
    this.droppedEmitter.dispose();
  }
}

function describeMethod(method: EngineMethod): string {
  switch (method) {
    case "loadModel": return "loading the model";
    case "unloadModel": return "unloading the model";
    case "describeModel": return "reading the model file";
    case "complete": case "infill": return "the completion";
    case "chat": return "the chat reply";
    case "status": return "a status check";
    case "prefill": return "evaluating the next prompt ahead of time";
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** Asks a process to end (closing its IPC channel makes it shut down), then kills it after 3 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (child.connected) child.disconnect();
  else child.kill("SIGKILL");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}
