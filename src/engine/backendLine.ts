/**
 * The one log line that says which llama.cpp build runs the models, and why. With GPU
 * "auto", node-llama-cpp tries the GPU builds whose driver libraries it finds, then the CPU
 * build; a GPU build that does not start (no usable driver, no device) is a normal outcome on
 * many machines, so it is told as a fact with a next step, never as an error.
 */
export type GpuBuild = "cuda" | "vulkan" | "metal";

const NAMES: Readonly<Record<GpuBuild, string>> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal" };

export function backendLine(options: {
  /** The build in use: a GPU kind, or false for the CPU. */
  used: GpuBuild | false;
  /** What the settings asked for. */
  requested: "auto" | false;
  /** GPU builds node-llama-cpp tried before using `used` (their driver libraries were found). */
  tried: readonly GpuBuild[];
  /** The GPU devices the build in use sees. */
  devices: readonly string[];
}): string {
  const { used, requested, tried, devices } = options;
  if (used !== false) return `llama.cpp backend: ${NAMES[used]}${devices.length > 0 ? ` (${devices.join(", ")})` : ""}`;
  if (requested === false) return "llama.cpp backend: CPU (GPU use is off)";
  if (tried.length > 0) {
    const names = tried.map((kind) => NAMES[kind]).join(" and ");
    const builds = tried.length === 1 ? "build" : "builds";
    return `llama.cpp backend: CPU. The ${names} ${builds} found no usable GPU here (driver missing or not working), so the model runs on the CPU; install or update the GPU driver to use the GPU.`;
  }
  return "llama.cpp backend: CPU (no GPU driver found: Vulkan, CUDA and Metal are unavailable here)";
}

/** Narrows node-llama-cpp's GPU types (which include false and possibly future kinds) to the known builds. */
export function isGpuBuild(value: unknown): value is GpuBuild {
  return value === "cuda" || value === "vulkan" || value === "metal";
}
