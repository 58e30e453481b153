/** The file-inspection worker (see inspectionProtocol.ts): one request at a time, in order. */
import { parentPort } from "node:worker_threads";
import type { InspectionReply, InspectionRequest } from "./inspectionProtocol";
import { toErrorPayload } from "../engineError";
import { describeModelFile } from "../modelDescription";
import { checkModelFile } from "../modelFileCheck";

let queue: Promise<void> = Promise.resolve();

async function handle(request: InspectionRequest): Promise<InspectionReply> {
  try {
    if (request.kind === "check") return { id: request.id, ok: true, kind: "check", sizeBytes: (await checkModelFile(request.path)).sizeBytes };
    return { id: request.id, ok: true, kind: "describe", description: await describeModelFile(request.path) };
  } catch (error) {
    return { id: request.id, ok: false, error: toErrorPayload(error) };
  }
}

parentPort?.on("message", (request: InspectionRequest) => {
  queue = queue.then(async () => parentPort?.postMessage(await handle(request)));
});
