/**
 * Entry of the engine child process. It owns node-llama-cpp so that a native
 * crash or an out-of-memory here never takes down the extension host.
 */
import {
  parseExtensionMessage, type EngineMethods, type EngineToExtensionMessage, type ExtensionToEngineMessage,
} from "../protocol/engineProtocol";
import { EngineError, toErrorPayload } from "./engineError";
import { ModelHost } from "./modelHost";
import { exitWithParent } from "./parentWatch";

function send(message: EngineToExtensionMessage): void {
  if (process.connected) process.send?.(message);
}

/** Milliseconds from the environment (the tests shorten the chat template deadlines). */
function environmentMs(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

const host = new ModelHost((level, message) => send({ kind: "log", level, message }), {
  resolveMs: environmentMs("HEARTH_TEMPLATE_RESOLVE_MS"),
  renderMs: environmentMs("HEARTH_TEMPLATE_RENDER_MS"),
});
const cancellations = new Map<number, AbortController>();

async function handle(message: Extract<ExtensionToEngineMessage, { kind: "request" }>): Promise<EngineMethods[keyof EngineMethods]["result"]> {
  const controller = new AbortController();
  cancellations.set(message.id, controller);
  const stream = (text: string) => send({ kind: "stream", id: message.id, text });
  try {
    switch (message.method) {
      case "loadModel":
        return await host.load(message.params as EngineMethods["loadModel"]["params"]);
      case "unloadModel":
        await host.unload((message.params as EngineMethods["unloadModel"]["params"]).role);
        return null;
      case "complete":
        return await host.complete(message.params as EngineMethods["complete"]["params"], controller.signal, stream);
      case "infill":
        return await host.infill(message.params as EngineMethods["infill"]["params"], controller.signal, stream);
      case "prefill":
        return await host.prefill(message.params as EngineMethods["prefill"]["params"], controller.signal);
      case "chat":
        return await host.chat(message.params as EngineMethods["chat"]["params"], controller.signal, stream);
      case "describeModel":
        return await host.describe((message.params as EngineMethods["describeModel"]["params"]).path);
      case "status":
        return { pid: process.pid, models: host.loadedModels() };
      default:
        throw new EngineError("internal", `Unknown method`);
    }
  } finally {
    cancellations.delete(message.id);
  }
}

process.on("message", (raw: unknown) => {
  const message = parseExtensionMessage(raw);
  if (!message) return;
  if (message.kind === "cancel") {
    cancellations.get(message.id)?.abort();
    return;
  }
  handle(message).then(
    (result) => send({ kind: "response", id: message.id, ok: true, result }),
    (error: unknown) => send({ kind: "response", id: message.id, ok: false, error: toErrorPayload(error) }),
  );
});

/** A clean shutdown frees the models; one that hangs (a native call that never returns) is cut short. */
const SHUTDOWN_GRACE_MS = 2_000;

let shuttingDown = false;
async function shutdown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  for (const controller of cancellations.values()) controller.abort();
  await host.dispose().catch(() => undefined);
  process.exit(0);
}

// The extension closing the IPC channel (or dying) means nobody needs us any more.
process.on("disconnect", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
// A parent killed outright, while this process's main thread is busy, is noticed by a thread of its own.
exitWithParent({ parentPid: process.ppid, pollMs: 500, graceMs: SHUTDOWN_GRACE_MS + 500 }, (message) => send({ kind: "log", level: "warn", message }));

send({ kind: "ready", pid: process.pid });
