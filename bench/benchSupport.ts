import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
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

/**
 * Writes bench/results/<date>T<time>-<name>.json and returns its path. Runs never overwrite each
 * other: the time is to the second, and a file already there gets a numbered sibling.
 */
export async function writeResult(name: string, result: unknown): Promise<string> {
  const dir = join(repoRoot, "bench", "results");
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "-");
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, `${stamp}-${name}${attempt === 0 ? "" : `-${attempt}`}.json`);
    try {
      await writeFile(path, JSON.stringify(result, null, 2) + "\n", { flag: "wx" });
      return path;
    } catch (error) {
      if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
    }
  }
}

/** Samples the machine's 1-minute load average while a benchmark runs: what else competed for the CPU. */
export class LoadRecorder {
  private readonly samples: number[] = [loadavg()[0]];
  private readonly timer = setInterval(() => this.samples.push(loadavg()[0]), 5000).unref();

  stop(): { start: number; mean: number; max: number; end: number; samples: number } {
    clearInterval(this.timer);
    this.samples.push(loadavg()[0]);
    const mean = this.samples.reduce((sum, value) => sum + value, 0) / this.samples.length;
    return { start: round(this.samples[0], 2), mean: round(mean, 2), max: round(Math.max(...this.samples), 2), end: round(this.samples[this.samples.length - 1], 2), samples: this.samples.length };
  }
}

let clockTicks: number | undefined;

/** CPU seconds (user + system, all threads) a process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces) in /proc/<pid>/stat: utime is the 14th, stime the 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    clockTicks ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

export function modelLabel(path: string): string {
  return basename(path);
}
