/**
 * Analyzes the files of an index run on this thread and, when the machine has cores
 * to spare, on analyzer threads too. This thread takes one file at a time and yields
 * to its event loop every few milliseconds (requests for completion context are
 * served meanwhile); analyzer threads take batches. Threads start only once a file
 * really needs parsing and enough remain, so a restart with an unchanged workspace
 * never starts one.
 */
import { availableParallelism } from "node:os";
import type { AnalysisItem } from "./analyzerProtocol";
import { AnalyzerThread } from "./analyzerThread";
import { analyzeIfChanged, type AnalysisOutcome } from "./fileAnalyzer";

/** Work between yields to the event loop, so requests for completions are served meanwhile. */
const SLICE_MS = 8;
const BATCH_FILES = 16;
/** Batches in flight per analyzer thread: the next one is queued there while an answer travels back. */
const BATCHES_IN_FLIGHT = 2;
/** Fewer files than this left: starting a thread (and loading its grammars) would not pay off. */
const MIN_FILES_FOR_THREADS = 4 * BATCH_FILES;
const MAX_ANALYZER_THREADS = 3;

export interface AnalysisJob extends AnalysisItem {
  relativePath: string;
}

export interface ParallelAnalysisOptions {
  /** Script that runs as an analyzer thread (the context worker's own); undefined: this thread only. */
  workerPath: string | undefined;
  /** Analyzer threads besides this one. */
  threads: number;
  cancelled(): boolean;
  /** Each file's outcome, in no particular order. */
  done(job: AnalysisJob, outcome: AnalysisOutcome): void;
  warn(message: string): void;
}

/** One analyzer thread per spare core, at most three (the extension host and the editor need the rest). */
export function defaultAnalyzerThreads(): number {
  return Math.max(0, Math.min(MAX_ANALYZER_THREADS, availableParallelism() - 1));
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

class JobQueue {
  private next = 0;
  private readonly returned: AnalysisJob[] = [];

  constructor(private readonly jobs: readonly AnalysisJob[]) {}

  take(count: number): AnalysisJob[] {
    const batch = this.returned.splice(0, count);
    while (batch.length < count && this.next < this.jobs.length) batch.push(this.jobs[this.next++]);
    return batch;
  }

  /** Files of a batch whose thread failed, to be analyzed by another lane. */
  giveBack(batch: readonly AnalysisJob[]): void {
    this.returned.push(...batch);
  }

  get remaining(): number {
    return this.jobs.length - this.next + this.returned.length;
  }
}

/** Analyzes every job (or stops when cancelled); returns the parses analyzer threads ran. */
export async function analyzeAll(jobs: readonly AnalysisJob[], options: ParallelAnalysisOptions): Promise<{ threadParses: number }> {
  const queue = new JobQueue(jobs);
  let wantThreads: (value: boolean) => void = () => undefined;
  const threadsWanted = new Promise<boolean>((resolve) => { wantThreads = resolve; });
  let threadParses = 0;

  const localLane = async () => {
    let sliceStart = performance.now();
    while (!options.cancelled()) {
      const [job] = queue.take(1);
      if (!job) break;
      const outcome = await analyzeIfChanged(job.path, job.previous);
      if (outcome.kind !== "unchanged" && queue.remaining >= MIN_FILES_FOR_THREADS) wantThreads(true);
      options.done(job, outcome);
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    wantThreads(false);
  };

  const threadLane = async (thread: AnalyzerThread) => {
    while (!options.cancelled()) {
      const batch = queue.take(BATCH_FILES);
      if (batch.length === 0) return;
      let outcomes: AnalysisOutcome[];
      try {
        outcomes = (await thread.analyze(batch.map(({ path, previous }) => ({ path, previous })))).outcomes;
      } catch (error) {
        queue.giveBack(batch);
        options.warn(`${error instanceof Error ? error.message : String(error)} Indexing goes on without it.`);
        return;
      }
      batch.forEach((job, index) => options.done(job, outcomes[index] ?? { kind: "skipped", reason: "no answer" }));
    }
  };

  const threadRun = async () => {
    if (!options.workerPath || !(await threadsWanted) || options.cancelled()) return;
    let thread: AnalyzerThread;
    try {
      thread = new AnalyzerThread(options.workerPath);
    } catch (error) {
      options.warn(`Could not start an index analyzer thread (${error instanceof Error ? error.message : String(error)}); indexing goes on without it.`);
      return;
    }
    try {
      await Promise.all(Array.from({ length: BATCHES_IN_FLIGHT }, () => threadLane(thread)));
    } finally {
      threadParses += thread.parses;
      await thread.dispose();
    }
  };

  await Promise.all([localLane(), ...Array.from({ length: options.threads }, threadRun)]);
  // Files handed back by a thread that failed after this thread's lane had finished.
  if (queue.remaining > 0 && !options.cancelled()) await localLane();
  return { threadParses };
}
