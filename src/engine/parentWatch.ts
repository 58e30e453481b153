import { Worker } from "node:worker_threads";

/**
 * Ends the engine when the process that started it is gone, however it went: SIGKILL gives it
 * no chance to close the IPC channel properly, and a busy main thread (a long native call, a
 * runaway loop) never sees the "disconnect" event. A worker thread checks the parent by itself:
 * once this process has been handed to another parent (the parent died), it gives the main
 * thread a moment to shut down cleanly, then kills the whole process.
 * (prctl's PR_SET_PDEATHSIG would do this in the kernel, but Node offers no way to set it.)
 */
export interface ParentWatchOptions {
  parentPid: number;
  /** How often the parent is checked. */
  pollMs: number;
  /** After the parent is found gone, how long a clean shutdown may take. */
  graceMs: number;
}

const WATCHER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { parentPid, pollMs, graceMs } = workerData;
const timer = setInterval(() => {
  if (process.ppid === parentPid) return;
  clearInterval(timer);
  setTimeout(() => process.kill(process.pid, "SIGKILL"), graceMs);
}, pollMs);
`;

export function exitWithParent(options: ParentWatchOptions, onError: (message: string) => void): { dispose(): void } {
  // No heap limit of its own: what a thread needs at rest differs between Node versions and
  // preloaded modules (8 MB ran out on Node 24 with a --require'd module), and this code allocates nothing.
  const worker = new Worker(WATCHER_SOURCE, { eval: true, workerData: options });
  // A watcher that fails leaves the "disconnect" handler as the only guard, but never takes the engine down.
  worker.on("error", (error) => onError(`the parent-process watcher stopped: ${error.message}`));
  // It must never keep the engine alive by itself.
  worker.unref();
  return { dispose: () => void worker.terminate() };
}
