import { freemem } from "node:os";
import type { GgufInsights } from "node-llama-cpp" with { "resolution-mode": "import" };
import { formatBytes } from "../core/models/modelFiles";
import { EngineError } from "./engineError";

/**
 * Free memory as the engine sees it. HEARTH_ENGINE_FREE_MEMORY (bytes) replaces the
 * real figure, so tests can simulate a machine with little memory.
 */
export function freeMemoryBytes(): number {
  const injected = Number(process.env.HEARTH_ENGINE_FREE_MEMORY);
  return Number.isFinite(injected) && injected > 0 ? injected : freemem();
}

export interface MemoryOptions {
  contextSize: number;
  sequences: number;
  gpuLayers: number;
}

/** node-llama-cpp's estimate of the RAM and VRAM a model and its context need. */
export async function estimateMemory(insights: GgufInsights, options: MemoryOptions): Promise<{ ramBytes: number; vramBytes: number }> {
  const model = await insights.estimateModelResourceRequirementsV2({ gpuLayers: options.gpuLayers, useMmap: false });
  const context = await insights.estimateContextResourceRequirementsV2({
    contextSize: options.contextSize,
    modelGpuLayers: options.gpuLayers,
    sequences: options.sequences,
  });
  return { ramBytes: model.cpuRam + context.cpuRam, vramBytes: model.gpuVram + context.gpuVram };
}

/** Refuses a CPU load that node-llama-cpp's own estimate says cannot fit in free memory. */
export async function checkFitsInMemory(
  insights: GgufInsights,
  displayName: string,
  options: MemoryOptions,
): Promise<{ requiredBytes: number; freeBytes: number }> {
  const requiredBytes = (await estimateMemory(insights, options)).ramBytes;
  const freeBytes = freeMemoryBytes();
  if (requiredBytes > freeBytes) {
    throw new EngineError("insufficientMemory",
      `${displayName} needs about ${formatBytes(requiredBytes)} of memory with a ${options.contextSize}-token context, ` +
      `but only ${formatBytes(freeBytes)} is free. Close other programs, choose a smaller quantization (for example Q4_K_M) ` +
      `or a smaller model, or lower "hearth.engine.contextSize".`);
  }
  return { requiredBytes, freeBytes };
}
