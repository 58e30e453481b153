import { readdirSync, readFileSync } from "node:fs";

/** A process as Linux's /proc shows it: enough to find children and measure memory. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** One letter: R running, S sleeping, Z zombie… */
  state: string;
  commandLine: string;
}

function readEntry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    return { pid, ppid: Number(fields[1]), state: fields[0] ?? "?", commandLine };
  } catch {
    return undefined; // it ended while the table was read
  }
}

/** The direct children of a process (this one by default). */
export function childProcesses(parent = process.pid): ProcessEntry[] {
  const children: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readEntry(Number(name));
    if (entry && entry.ppid === parent) children.push(entry);
  }
  return children;
}

/** Resident memory of a process in bytes (VmRSS), or undefined when it is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
