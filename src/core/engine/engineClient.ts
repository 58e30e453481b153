import { fork, type ChildProcess } from "node:child_process";
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
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onStream?: (text: string) => void;
}

/**
 * Talks to the engine child process: starts it on first need, restarts it after a
 * crash (restoring the models that were loaded), and stops restarting after
 * repeated crashes so a broken model cannot cause a restart loop.
 */
export class EngineClient {
  private child: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly loadedParams = new Map<ModelRole, LoadModelParams>();
  private readonly crashTimes: number[] = [];
  private gaveUp = false;
  private disposed = false;
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

  /** Allows restarts again after the user acted on a "stopped restarting" message. */
  resetCrashCounter(): void {
    this.crashTimes.length = 0;
    this.gaveUp = false;
  }

  private ensureStarted(): Promise<ChildProcess> {
    if (this.disposed) return Promise.reject(new EngineRequestError("engineCrashed", "The Hearth engine has been shut down."));
    if (this.child) return Promise.resolve(this.child);
    if (this.gaveUp) {
      return Promise.reject(new EngineRequestError("engineCrashed",
        "The Hearth engine crashed repeatedly and was not restarted. Check \"Hearth: Show Log\", choose another model, then try again."));
    }
    this.starting ??= this.spawn().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async spawn(): Promise<ChildProcess> {
    const child = fork(this.options.enginePath, [], {
      execPath: this.options.execPath ?? process.execPath,
      execArgv: [],
      env: { ...(this.options.env ?? process.env), ELECTRON_RUN_AS_NODE: "1" },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    child.stdout?.on("data", (data: Buffer) => this.logEmitter.fire({ level: "info", message: `engine: ${data.toString().trimEnd()}` }));
    child.stderr?.on("data", (data: Buffer) => this.logEmitter.fire({ level: "warn", message: `engine: ${data.toString().trimEnd()}` }));
    await new Promise<void>((resolve, reject) => {
      const onMessage = (raw: unknown) => {
        if (parseEngineMessage(raw)?.kind === "ready") {
          child.off("exit", onEarlyExit);
          resolve();
        }
      };
      const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null) => {
        child.off("message", onMessage);
        reject(new EngineRequestError("engineCrashed", `The Hearth engine exited while starting (code ${code}, signal ${signal}).`));
      };
      child.on("message", onMessage);
      child.once("exit", onEarlyExit);
      child.once("error", reject);
    });
    child.on("message", (raw: unknown) => {
      const message = parseEngineMessage(raw);
      if (message) this.onMessage(message);
    });
    child.once("exit", (code, signal) => this.onChildExit(child, code, signal));
    this.child = child;
    // Restore the models that were loaded before a crash.
    const restore = [...this.loadedParams.values()];
    for (const params of restore) {
      await this.send(child, "loadModel", params).catch((error: Error) => {
        this.loadedParams.delete(params.role);
        this.logEmitter.fire({ level: "error", message: `could not reload ${params.modelPath} after restart: ${error.message}` });
      });
    }
    return child;
  }

  private onChildExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    const crashed = !this.disposed;
    if (crashed) {
      const now = Date.now();
      this.crashTimes.push(now);
      const windowMs = this.options.crashWindowMs ?? 60_000;
      while (this.crashTimes.length > 0 && now - this.crashTimes[0] > windowMs) this.crashTimes.shift();
      if (this.crashTimes.length >= (this.options.maxCrashes ?? 3)) this.gaveUp = true;
    }
    const error = new EngineRequestError("engineCrashed", signal
      ? `The Hearth engine stopped (signal ${signal}). It restarts on the next request.`
      : `The Hearth engine exited with code ${code}. It restarts on the next request.`);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.exitEmitter.fire({ code, signal, crashed, gaveUp: this.gaveUp });
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
      const onAbort = () => {
        if (this.child === child && child.connected) child.send({ kind: "cancel", id });
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        resolve: (value) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(value as EngineMethods[M]["result"]);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
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
    const child = await this.ensureStarted();
    const result = await this.send(child, method, params, options);
    if (method === "loadModel") {
      const load = params as LoadModelParams;
      this.loadedParams.set(load.role, load);
    } else if (method === "unloadModel") {
      this.loadedParams.delete((params as EngineMethods["unloadModel"]["params"]).role);
    }
    return result;
  }

  /** Stops the engine process; pending requests reject. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const child = this.child;
    if (child) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    this.logEmitter.dispose();
    this.exitEmitter.dispose();
  }
}
