import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { basename, join } from "node:path";

export const repoRoot = join(__dirname, "..", "..");

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return { cores: cpuList.length, cpuModel: cpuList[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 1024 ** 3), node: process.version };
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

type Cell = string | number;

export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const line = (cells: readonly Cell[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Writes bench/results/<date>-<name>.json (then -2, -3, …: a day's earlier results are kept) and returns its path. */
export async function writeResult(name: string, result: unknown): Promise<string> {
  const dir = join(repoRoot, "bench", "results");
  await mkdir(dir, { recursive: true });
  const stem = join(dir, `${new Date().toISOString().slice(0, 10)}-${name}`);
  for (let attempt = 1; ; attempt++) {
    const path = attempt === 1 ? `${stem}.json` : `${stem}-${attempt}.json`;
    try {
      await writeFile(path, JSON.stringify(result, null, 2) + "\n", { flag: "wx" });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

export function modelLabel(path: string): string {
  return basename(path);
}
