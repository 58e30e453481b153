// Finding and killing the processes a test run started, by PID only.
// code-server's agent host and copilot helpers ignore SIGTERM and can outlive their parent, so every
// process is tagged with an environment variable (inherited by all descendants) and found by it.
import { readdirSync, readFileSync } from "node:fs";

/** PIDs of all processes whose environment has `name=value`. */
export function pidsWithEnv(name, value) {
  const needle = Buffer.from(`${name}=${value}\0`);
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`);
      if (environ.includes(needle) || environ.subarray(0, needle.length - 1).equals(needle.subarray(0, -1))) pids.push(pid);
    } catch {
      /* gone or not ours */
    }
  }
  return pids;
}

/** PIDs of the descendants of `root` (children first by parent link, from /proc/<pid>/stat). */
export function descendantsOf(root) {
  const children = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      /* gone */
    }
  }
  const out = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    // A zombie counts as gone.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * Sends SIGTERM to the given PIDs, waits up to graceMs, then SIGKILLs what is left.
 * `more()` is asked again before the SIGKILL round (processes may have been spawned meanwhile).
 */
export async function killPids(pids, { graceMs = 3000, more = () => [] } = {}) {
  const all = new Set(pids);
  for (const pid of all) signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    for (const pid of more()) if (!all.has(pid)) { all.add(pid); signal(pid, "SIGTERM"); }
    if ([...all].every((pid) => !isAlive(pid))) return { killed: all.size, forced: 0 };
    await new Promise((r) => setTimeout(r, 150));
  }
  for (const pid of more()) all.add(pid);
  let forced = 0;
  for (const pid of all) {
    if (isAlive(pid)) {
      forced += 1;
      signal(pid, "SIGKILL");
    }
  }
  return { killed: all.size, forced };
}
