/**
 * The real context worker, except that a request whose params mention STALL blocks the
 * worker's thread (as a read that never returns would): at once, or for indexFolders a
 * moment after it started, so that only the client's pings can notice. For the
 * watchdog tests in watchdog.test.ts; nothing else changes.
 */
import { isMainThread } from "node:worker_threads";
import { ContextService } from "../../../src/context/contextService";
import type { ContextMethod, ParamsOf, ResultOf } from "../../../src/context/contextProtocol";

export const STALL = "__stall__";
const BLOCK_MS = 120_000;

function blockThread(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BLOCK_MS);
}

function installStall(): void {
  const handle = ContextService.prototype.handle;
  ContextService.prototype.handle = function <M extends ContextMethod>(this: ContextService, method: M, params: ParamsOf<M>): ResultOf<M> | Promise<ResultOf<M>> {
    if (JSON.stringify(params).includes(STALL)) {
      if (method !== "indexFolders") blockThread();
      else {
        setTimeout(blockThread, 50);
        return new Promise<ResultOf<M>>(() => undefined);
      }
    }
    return handle.call(this, method, params);
  };
}

// The test imports STALL from here on the main thread; only the worker thread patches and runs the worker.
if (!isMainThread) {
  installStall();
  // After the patch: the worker's module creates its service on load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("../../../src/context/worker");
}
