import { basename } from "node:path";

/** The parts after the first of a split model (`-00002-of-00003.gguf`) name the same model. */
const SPLIT_PART = /-(\d{5})-of-(\d{5})\.gguf$/i;

/** File name without .gguf (and without the split suffix): what the user recognises. */
export function modelDisplayName(modelPath: string): string {
  return basename(modelPath).replace(SPLIT_PART, "").replace(/\.gguf$/i, "");
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
