import { Worker } from "node:worker_threads";
import type { ModelDescription } from "../../protocol/engineProtocol";
import { EngineError } from "../engineError";
import type { InspectionReply, InspectionRequest } from "./inspectionProtocol";

export interface FileInspectorOptions {
  workerPath: string;
  /** One inspection; a worker that takes longer is stopped (a header check reads at most a few MB). */
  deadlineMs: number;
  /** An idle worker is stopped after this long (it holds node-llama-cpp's parser, about 20 MB). */
  idleMs: number;
}

/**
 * Runs the header check and model descriptions in a worker thread (inspectionWorker.ts), so
 * that reading a large header (a vocabulary of hundreds of thousands of tokens takes a second
 * or more) never holds up completions and status answers on the engine's main thread.
 */
export class FileInspector {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { settle: (reply: InspectionReply) => void }>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: FileInspectorOptions) {}

  /** The header check of modelFileCheck.ts, off the main thread. */
  async check(path: string): Promise<{ sizeBytes: number }> {
    const reply = await this.request({ kind: "check", path });
    if (reply.kind !== "check") throw new EngineError("internal", "The file inspection answered the wrong question.");
    return { sizeBytes: reply.sizeBytes };
  }

  async describe(path: string): Promise<ModelDescription> {
    const reply = await this.request({ kind: "describe", path });
    if (reply.kind !== "describe") throw new EngineError("internal", "The file inspection answered the wrong question.");
    return reply.description;
  }

  private async request(request: { kind: InspectionRequest["kind"]; path: string }): Promise<Extract<InspectionReply, { ok: true }>> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    clearTimeout(this.idleTimer);
    const reply = await new Promise<InspectionReply>((resolve) => {
      const timer = setTimeout(() => {
        this.stop(`reading ${request.path} took more than ${this.options.deadlineMs / 1000} s`);
      }, this.options.deadlineMs);
      this.pending.set(id, {
        settle: (answer) => {
          clearTimeout(timer);
          this.pending.delete(id);
          resolve(answer);
        },
      });
      const message: InspectionRequest = { id, kind: request.kind, path: request.path };
      worker.postMessage(message);
    });
    if (this.pending.size === 0) this.idleTimer = setTimeout(() => this.stop("idle"), this.options.idleMs);
    if (!reply.ok) throw new EngineError(reply.error.code, reply.error.message);
    return reply;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.workerPath, { resourceLimits: { maxOldGenerationSizeMb: 512 } });
    worker.unref();
    worker.on("message", (reply: InspectionReply) => this.pending.get(reply.id)?.settle(reply));
    worker.on("error", (error) => this.fail(worker, `the file inspection failed: ${error.message}`));
    worker.on("exit", () => this.fail(worker, "the file inspection stopped"));
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, message: string): void {
    if (this.worker === worker) this.worker = undefined;
    for (const [id, entry] of [...this.pending]) entry.settle({ id, ok: false, error: { code: "internal", message } });
  }

  private stop(why: string): void {
    const worker = this.worker;
    if (!worker) return;
    this.fail(worker, why === "idle" ? "the file inspection stopped" : `The model file could not be read in time: ${why}. Check that the disk is not failing, or pick another model.`);
    void worker.terminate();
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    this.stop("idle");
  }
}
