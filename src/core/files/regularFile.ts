/**
 * Reading files Hearth did not write (workspace sources, a folder's .gitignore, the
 * manifests of other model tools): only regular files, at most a given number of bytes,
 * and never an open that can block.
 *
 * Why each step: a file named like source can be a link to a device (`/dev/zero` never
 * ends: read whole, it grew the extension host by gigabytes in seconds) or a named pipe
 * (opening one for reading waits for a writer, forever, and a thread blocked in that call
 * cannot even be terminated). So the path is stat'ed first and anything but a regular file
 * is refused without being opened (opening some devices has effects of its own); the open
 * is non-blocking; the opened descriptor is stat'ed again (the path may have been replaced
 * meanwhile); and reading stops after `maxBytes`, since files of /proc and /sys report a
 * size of 0 whatever they hold.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";

/** Regular files ignore O_NONBLOCK; a pipe opened with it does not wait for a writer. Windows has neither flag. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
/** Read size when the file's size says nothing (0 in /proc and /sys). */
const UNKNOWN_SIZE_CHUNK = 64 * 1024;

export type BoundedRead =
  | { ok: true; bytes: Buffer; sizeBytes: number; mtimeMs: number }
  | {
    ok: false;
    reason: "not-regular" | "too-large";
    /** What the file is, to follow "it is": "a named pipe, not a regular file", "larger than 1 MB". */
    detail: string;
    /** The path and the detail: "<path> is a named pipe, not a regular file". */
    message: string;
  };

type Refusal = Extract<BoundedRead, { ok: false }>;

/** What a non-regular file is, in words ("a named pipe", "a character device"). */
export function describeFileType(info: Pick<Stats, "isDirectory" | "isFIFO" | "isSocket" | "isCharacterDevice" | "isBlockDevice">): string {
  if (info.isDirectory()) return "a folder";
  if (info.isFIFO()) return "a named pipe";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  return "not a regular file";
}

/** "a link to a character device (/dev/zero)" or "a named pipe": what a path that is not a regular file names. */
export function describeSpecialFile(path: string, info: Stats): string {
  const type = describeFileType(info);
  try {
    if (lstatSync(path).isSymbolicLink()) return `a link to ${type} (${realpathSync(path)})`;
  } catch {
    // Replaced or removed meanwhile: the type alone still says why.
  }
  return type;
}

function formatLimit(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;
}

function refused(path: string, reason: Refusal["reason"], detail: string): Refusal {
  return { ok: false, reason, detail, message: `${path} is ${detail}` };
}

function tooLarge(path: string, maxBytes: number): Refusal {
  return refused(path, "too-large", `larger than ${formatLimit(maxBytes)}`);
}

/** Why `info` may not be read, or undefined when it is a regular file within the limit. */
function refusal(path: string, info: Stats, maxBytes: number): Refusal | undefined {
  if (!info.isFile()) return refused(path, "not-regular", `${describeSpecialFile(path, info)}, not a regular file`);
  if (info.size > maxBytes) return tooLarge(path, maxBytes);
  return undefined;
}

/**
 * The reads of one file, as a generator so the synchronous and the asynchronous reader share
 * it: it yields a buffer to fill and receives how many bytes were read, until end of file or
 * one byte past `maxBytes` (a file that grew, or a /proc file that reported no size).
 */
function* readSteps(sizeBytes: number, maxBytes: number): Generator<Buffer, { bytes: Buffer; complete: boolean }, number> {
  const chunks: Buffer[] = [];
  let total = 0;
  let chunkSize = Math.min(maxBytes + 1, sizeBytes > 0 ? sizeBytes + 1 : UNKNOWN_SIZE_CHUNK);
  while (total <= maxBytes) {
    const buffer = Buffer.allocUnsafe(Math.min(chunkSize, maxBytes + 1 - total));
    const count = yield buffer;
    if (count === 0) break;
    chunks.push(buffer.subarray(0, count));
    total += count;
    chunkSize = UNKNOWN_SIZE_CHUNK;
  }
  return { bytes: Buffer.concat(chunks, Math.min(total, maxBytes)), complete: total <= maxBytes };
}

function finish(path: string, info: Stats, maxBytes: number, read: { bytes: Buffer; complete: boolean }): BoundedRead {
  if (!read.complete) return tooLarge(path, maxBytes);
  return { ok: true, bytes: read.bytes, sizeBytes: info.size, mtimeMs: info.mtimeMs };
}

/**
 * The bytes of a regular file of at most `maxBytes`, or why it was not read. Errors of the
 * path itself (missing, no permission) are thrown as the fs module throws them.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<BoundedRead> {
  const before = refusal(path, await stat(path), maxBytes);
  if (before) return before;
  const handle = await open(path, OPEN_FLAGS);
  try {
    const info = await handle.stat();
    const after = refusal(path, info, maxBytes);
    if (after) return after;
    const steps = readSteps(info.size, maxBytes);
    let step = steps.next();
    let position = 0;
    while (!step.done) {
      const { bytesRead } = await handle.read(step.value, 0, step.value.length, position);
      position += bytesRead;
      step = steps.next(bytesRead);
    }
    return finish(path, info, maxBytes, step.value);
  } finally {
    await handle.close();
  }
}

/** readRegularFile for threads that read synchronously (the context worker's analyzers). */
export function readRegularFileSync(path: string, maxBytes: number): BoundedRead {
  const before = refusal(path, statSync(path), maxBytes);
  if (before) return before;
  const descriptor = openSync(path, OPEN_FLAGS);
  try {
    const info = fstatSync(descriptor);
    const after = refusal(path, info, maxBytes);
    if (after) return after;
    const steps = readSteps(info.size, maxBytes);
    let step = steps.next();
    let position = 0;
    while (!step.done) {
      const bytesRead = readSync(descriptor, step.value, 0, step.value.length, position);
      position += bytesRead;
      step = steps.next(bytesRead);
    }
    return finish(path, info, maxBytes, step.value);
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Whether a path may be handed to a reader that Hearth does not bound itself (VS Code's
 * openTextDocument): a regular file of at most `maxBytes`. Stats only; opens nothing.
 */
export async function checkRegularFile(path: string, maxBytes: number): Promise<Refusal | undefined> {
  return refusal(path, await stat(path), maxBytes);
}
