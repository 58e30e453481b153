/**
 * Files the kernel makes up when they are read (/proc, /sys and their kin): "regular" to
 * stat, with a size of 0 or 4096 whatever they hold. A model picker or a path setting can
 * point at one; the message must say what it is, not that a download did not finish.
 */
import { statfs } from "node:fs/promises";

/** statfs(2) magic numbers of the kernel's pseudo file systems (linux/magic.h). */
const PSEUDO_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "/proc"],
  [0x62656572, "/sys"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x62656570, "configfs"],
  [0x6165676c, "pstore"],
  [0xde5e81e4, "efivarfs"],
  [0xcafe4a11, "bpf"],
]);

/** The kernel file system a path (links followed) lies on, such as "/proc"; undefined for any other. */
export async function kernelFileSystem(path: string): Promise<string | undefined> {
  if (process.platform !== "linux") return undefined;
  try {
    return PSEUDO_FILE_SYSTEMS.get((await statfs(path)).type);
  } catch {
    return undefined;
  }
}
