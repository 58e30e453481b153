/**
 * Files that survive a kill at any moment: the text goes to a temporary file beside the
 * target (`<file>.<pid>.<n>.tmp`), then replaces it with one rename, so a reader sees the old
 * or the new content, never a mix. A writer killed between the two steps leaves its
 * temporary file behind; `removeStaleTemporaries` clears those of processes that are gone.
 */
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

let sequence = 0;

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${++sequence}.tmp`;
  try {
    await writeFile(temporary, text, "utf8");
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}

/** Removes the temporary files of writers of `file` that were killed mid-save. */
export async function removeStaleTemporaries(file: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  const names = await readdir(dirname(file)).catch(() => []);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number(name.slice(prefix.length).split(".")[0]);
    // This process's own (a save in progress) and those of a live writer stay.
    if (pid === process.pid || (Number.isInteger(pid) && pid > 0 && isRunning(pid))) continue;
    await rm(join(dirname(file), name), { force: true });
  }
}
