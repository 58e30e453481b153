/**
 * Entry of the context worker thread (bundled to dist/contextWorker.js; tests run
 * out/src/context/worker.js). Parsing and indexing happen here, off the extension
 * host's main thread.
 */
import { parentPort } from "node:worker_threads";
import type { ClientToWorker, WorkerToClient } from "./contextProtocol";
import { ContextService } from "./contextService";

const port = parentPort;
if (!port) throw new Error("contextWorker must run in a worker thread");

const post = (message: WorkerToClient) => port.postMessage(message);
const service = new ContextService(post);

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
