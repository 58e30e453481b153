/**
 * One analyzer thread, started from the context worker's script in the analyzer role.
 * It answers batches in the order sent (two in flight keep it busy while an answer
 * waits for the context worker); if the thread dies, pending batches are rejected
 * and the caller indexes those files itself.
 */
import { Worker } from "node:worker_threads";
import { ANALYZER_ROLE, isAnalyzerResponse, type AnalysisItem, type AnalyzerResponse } from "./analyzerProtocol";

export class AnalyzerThread {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (response: AnalyzerResponse) => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;
  /** Parses the thread ran, as of its last answer. */
  parses = 0;

  constructor(workerPath: string) {
    this.worker = new Worker(workerPath, { workerData: { role: ANALYZER_ROLE } });
    this.worker.on("message", (message: unknown) => {
      if (!isAnalyzerResponse(message)) return;
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      this.parses = message.parses;
      pending.resolve(message);
    });
    this.worker.on("error", (error) => this.fail(new Error(`An index analyzer thread failed: ${error.message}`)));
    this.worker.on("exit", (code) => this.fail(new Error(`An index analyzer thread stopped (code ${code}).`)));
  }

  analyze(files: AnalysisItem[]): Promise<AnalyzerResponse> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<AnalyzerResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, files });
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
  }

  async dispose(): Promise<void> {
    this.fail(new Error("The analyzer thread was stopped."));
    await this.worker.terminate();
  }
}
