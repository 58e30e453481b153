import type { EngineErrorPayload, ModelDescription } from "../../protocol/engineProtocol";

/**
 * The protocol between the engine and its file-inspection worker (inspectionWorker.ts): the
 * header check and the catalog's description of a model file run there, so that a file with a
 * huge header never stalls completions on the engine's main thread.
 */
export type InspectionRequest = { id: number; kind: "check"; path: string } | { id: number; kind: "describe"; path: string };

export type InspectionReply =
  | { id: number; ok: true; kind: "check"; sizeBytes: number }
  | { id: number; ok: true; kind: "describe"; description: ModelDescription }
  | { id: number; ok: false; error: EngineErrorPayload };
