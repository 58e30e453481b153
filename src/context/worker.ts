/**
 * Entry of the context worker thread (bundled to dist/contextWorker.js; tests run
 * out/src/context/worker.js). Parsing and indexing happen here, off the extension
 * host's main thread. The same script also runs as an analyzer thread that the
 * context worker starts while it indexes (one script, so the bundle needs no second entry).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ClientToWorker, WorkerToClient } from "./contextProtocol";
import { ContextService } from "./contextService";
import { ANALYZER_ROLE } from "./index/analyzerProtocol";
import { runAnalyzer } from "./index/analyzerWorker";

const port = parentPort;
if (!port) throw new Error("contextWorker must run in a worker thread");

function isAnalyzerThread(data: unknown): boolean {
  return typeof data === "object" && data !== null && "role" in data && data.role === ANALYZER_ROLE;
}

if (isAnalyzerThread(workerData)) {
  runAnalyzer(port);
} else {
  const post = (message: WorkerToClient) => port.postMessage(message);
  const service = new ContextService(post, { analyzerWorkerPath: __filename });

  port.on("message", (message: ClientToWorker) => {
    void (async () => {
      try {
        const result = await service.handle(message.method, message.params);
        post({ id: message.id, ok: true, result });
      } catch (error) {
        post({ id: message.id, ok: false, error: error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error) });
      }
    })();
  });

  port.on("close", () => service.dispose());
}
