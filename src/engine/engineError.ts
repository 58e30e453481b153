import type { EngineErrorCode, EngineErrorPayload } from "../protocol/engineProtocol";

/** An error the engine reports to the extension with a code the UI can act on. */
export class EngineError extends Error {
  constructor(readonly code: EngineErrorCode, message: string) {
    super(message);
    this.name = "EngineError";
  }
}

export function toErrorPayload(error: unknown): EngineErrorPayload {
  if (error instanceof EngineError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: "internal", message: error.message };
  return { code: "internal", message: String(error) };
}
