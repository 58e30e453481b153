// VSIX targets and the node-llama-cpp builds each one ships.
// Each VSIX carries the CPU build of its platform and, where node-llama-cpp publishes one that
// works without extra runtimes, the GPU build tried first when hearth.engine.gpuLayers is "auto":
// Vulkan (NVIDIA, AMD and Intel GPUs) on linux-x64 and win32-x64, Metal on Apple silicon (its one
// build runs on the CPU as well). CUDA builds are left out: 150 MB and more, and they need the
// CUDA runtime installed; Vulkan covers the same GPUs.

/** VS Code target → the @node-llama-cpp packages it ships, CPU build first. */
export const TARGETS = Object.freeze({
  "linux-x64": ["linux-x64", "linux-x64-vulkan"],
  "linux-arm64": ["linux-arm64"],
  "linux-armhf": ["linux-armv7l"],
  "darwin-arm64": ["mac-arm64-metal"],
  "darwin-x64": ["mac-x64"],
  "win32-x64": ["win-x64", "win-x64-vulkan"],
  "win32-arm64": ["win-arm64"],
});

/** The file each node-llama-cpp build loads (its native addon), relative to the package folder. */
export function addonPath(binaryPackage) {
  return `bins/${binaryPackage}/llama-addon.node`;
}

/** The target of this machine (what `npm run package` builds without an argument). */
export function hostTarget(platform = process.platform, arch = process.arch) {
  const target = `${platform}-${arch === "arm" ? "armhf" : arch}`;
  if (!(target in TARGETS)) {
    throw new Error(`Hearth has no VSIX target for ${platform}-${arch}; name one of: ${Object.keys(TARGETS).join(", ")}`);
  }
  return target;
}

/** The packages of `target`; throws with the list of known targets. */
export function binaryPackagesOf(target) {
  const packages = TARGETS[target];
  if (!packages) throw new Error(`Unknown target "${target}". Known: ${Object.keys(TARGETS).join(", ")}`);
  return packages;
}
