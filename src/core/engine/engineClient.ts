import { fork, type ChildProcess } from "node:child_process";
import { engineLaunch } from "./engineLaunch";
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
}

interface Pending {
  /** The process the request was sent to: only its exit rejects the request. */
  child: ChildProcess;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onStream?: (text: string) => void;
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
  private readonly crashTimes: number[] = [];
  private gaveUp = false;
  private disposed = false;
  /** Abort listeners this client holds on callers' signals (a leak check for long sessions). */
  private signalListeners = 0;
  private readonly logEmitter = new Emitter<EngineLogLine>();
  private readonly exitEmitter = new Emitter<EngineExit>();
  readonly onLog = this.logEmitter.event;
  readonly onExit = this.exitEmitter.event;

  constructor(private readonly options: EngineClientOptions) {}

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
      const cleanup = () => {
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
    // Restore the models that were loaded before a crash.
    for (const params of [...this.loadedParams.values()]) {
      try {
        await this.send(child, "loadModel", params);
      } catch (error) {
        // The process died again while reloading: keep the model for the next start (the crash
        // counter stops a loop), and fail the request that started it.
        if (error instanceof EngineRequestError && error.code === "engineCrashed") throw error;
        this.loadedParams.delete(params.role);
        this.logEmitter.fire({ level: "error", message: `could not reload ${params.modelPath} after restart: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
    return child;
  }

  private onProcessExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.processes.delete(child);
    if (this.child === child) this.child = undefined;
    const crashed = !this.disposed;
    if (crashed) this.recordCrash();
    const error = new EngineRequestError("engineCrashed", !crashed ? SHUT_DOWN_MESSAGE
      : this.gaveUp ? `The Hearth engine stopped unexpectedly (${describeExit(code, signal)}). ${GAVE_UP_MESSAGE}`
        : `The Hearth engine stopped unexpectedly (${describeExit(code, signal)}). It restarts on the next request and reloads the model.`);
    for (const [id, pending] of [...this.pending]) {
      if (pending.child !== child) continue;
      this.pending.delete(id);
      pending.reject(error);
    }
    this.exitEmitter.fire({ code, signal, crashed, gaveUp: this.gaveUp });
  }

  private recordCrash(): void {
    const now = Date.now();
    this.crashTimes.push(now);
    const windowMs = this.options.crashWindowMs ?? 60_000;
    while (this.crashTimes.length > 0 && now - this.crashTimes[0] > windowMs) this.crashTimes.shift();
    if (this.crashTimes.length >= (this.options.maxCrashes ?? 3) && !this.gaveUp) {
      this.gaveUp = true;
      // What crashed is not reloaded when the user starts the engine again by choosing a model.
      this.loadedParams.clear();
    }
  }

  private onMessage(message: EngineToExtensionMessage): void {
    switch (message.kind) {
      case "log":
        this.logEmitter.fire({ level: message.level, message: message.message });
        return;
      case "stream":
        this.pending.get(message.id)?.onStream?.(message.text);
        return;
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
    options: { signal?: AbortSignal; onStream?: (text: string) => void } = {},
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
      const onAbort = () => {
        if (this.processes.has(child) && child.connected) child.send({ kind: "cancel", id });
      };
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        if (signal) {
          signal.removeEventListener("abort", onAbort);
          this.signalListeners -= 1;
        }
        return true;
      };
      if (signal) {
        signal.addEventListener("abort", onAbort, { once: true });
        this.signalListeners += 1;
      }
      this.pending.set(id, {
        child,
        resolve: (value) => {
          if (settle()) resolve(value as EngineMethods[M]["result"]);
        },
        reject: (error) => {
          if (settle()) reject(error);
        },
        onStream,
      });
      child.send({ kind: "request", id, method, params });
    });
  }

  async request<M extends EngineMethod>(
    method: M,
    params: EngineMethods[M]["params"],
    options: { signal?: AbortSignal; onStream?: (text: string) => void } = {},
  ): Promise<EngineMethods[M]["result"]> {
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
    await Promise.all([...this.processes].map((child) => stopProcess(child)));
    this.logEmitter.dispose();
    this.exitEmitter.dispose();
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
