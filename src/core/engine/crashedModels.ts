import { stat } from "node:fs/promises";
import type { EngineMethod, ModelRole } from "../../protocol/engineProtocol";

/**
 * Signals of a native fault in the engine (llama.cpp's GGML_ASSERT aborts, a bad memory access):
 * a crash with one of them while a model loads or generates is blamed on that model's file.
 * SIGKILL and SIGTERM come from outside (the user, the system's out-of-memory killer) and blame
 * no file.
 */
const NATIVE_FAULTS: ReadonlySet<string> = new Set(["SIGABRT", "SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGTRAP", "SIGSYS"]);

export function isNativeFault(signal: NodeJS.Signals | null): boolean {
  return signal !== null && NATIVE_FAULTS.has(signal);
}

/** The role a generation request runs on. */
export function roleOfMethod(method: EngineMethod): ModelRole | undefined {
  if (method === "complete" || method === "infill") return "completion";
  if (method === "chat") return "chat";
  return undefined;
}

export function modelName(modelPath: string): string {
  return modelPath.replace(/^.*[\\/]/, "");
}

interface CrashRecord {
  /** Size and modification time when it crashed; undefined until read (or if unreadable). */
  identity: string | undefined;
  message: string;
}

async function fileIdentity(modelPath: string): Promise<string | undefined> {
  try {
    const info = await stat(modelPath);
    return `${info.size}:${info.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * Model files that crashed the engine. They are not loaded again, by a restart or by a request,
 * while the file is unchanged: the same bytes crash the same llama.cpp again. A new download
 * (another size or modification time) may be tried.
 */
export class CrashedModels {
  private readonly records = new Map<string, CrashRecord>();

  record(modelPath: string, message: string): void {
    const record: CrashRecord = { identity: undefined, message };
    this.records.set(modelPath, record);
    void fileIdentity(modelPath).then((identity) => { record.identity = identity; });
  }

  has(modelPath: string): boolean {
    return this.records.has(modelPath);
  }

  /** Why the file may not be loaded, or undefined when it may. */
  async refusal(modelPath: string): Promise<string | undefined> {
    const record = this.records.get(modelPath);
    if (!record) return undefined;
    const now = await fileIdentity(modelPath);
    // A file that is gone or unreadable now is the engine's to report.
    if (now === undefined || (record.identity !== undefined && now !== record.identity)) {
      this.records.delete(modelPath);
      return undefined;
    }
    return record.message;
  }
}
