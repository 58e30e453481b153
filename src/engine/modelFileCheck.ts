import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { describeSpecialFile } from "../core/files/regularFile";
import { kernelFileSystem } from "../core/files/kernelFiles";
import { EngineError } from "./engineError";
import { checkGgufHeader, GgufHeaderProblem } from "./ggufHeaderCheck";

const GGUF_MAGIC = "GGUF";
/** Magic (4) + version (4) + tensor count (8) + metadata count (8). */
const MIN_HEADER_BYTES = 24;
/**
 * Opening a named pipe for reading waits for a writer, forever; non-blocking opens return at
 * once (regular files ignore the flag). Windows has no such flag and no such pipes in folders.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Checks a model file before llama.cpp sees it, so that the user gets a message naming the
 * actual problem and what to do, instead of a native loader error or a crash: it must be a
 * readable regular file, start with "GGUF", and have a header whose every count, length and
 * offset fits in the file (see ggufHeaderCheck.ts). Reads only the header.
 */
export async function checkModelFile(modelPath: string): Promise<{ sizeBytes: number }> {
  const handle = await openModel(modelPath);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new EngineError("notGguf", `${modelPath} is ${describeSpecialFile(modelPath, info)}, not a model file. Choose a .gguf file with "Hearth: Select Model…".`);
    const kernel = await kernelFileSystem(modelPath);
    if (kernel) throw new EngineError("notGguf", `${modelPath} is a file of the operating system's ${kernel} file system, not a model file: the kernel makes up its content when it is read. Choose a .gguf file with "Hearth: Select Model…".`);
    if (info.size === 0) {
      // Empty, or a virtual file that reports no size (as /proc files do) on some other file system.
      const { bytesRead } = await handle.read(Buffer.alloc(1), 0, 1, 0);
      if (bytesRead > 0) throw new EngineError("notGguf", `${modelPath} reports a size of 0 bytes but has content: it is a virtual file (like those in /proc), not a model file. Choose a .gguf file with "Hearth: Select Model…".`);
      throw new EngineError("notGguf", `${modelPath} is empty (0 bytes): the download or copy did not finish. Download the model again.`);
    }
    const start = Buffer.alloc(Math.min(info.size, 64));
    await handle.read(start, 0, start.length, 0);
    if (start.subarray(0, 4).toString("latin1") !== GGUF_MAGIC) throw new EngineError("notGguf", notGgufMessage(modelPath, start));
    if (info.size < MIN_HEADER_BYTES) {
      throw new EngineError("notGguf", `${modelPath} is cut off inside its GGUF header (${info.size} bytes): the download or copy did not finish. Download the model again.`);
    }
    try {
      await checkGgufHeader(handle, info.size);
    } catch (error) {
      if (!(error instanceof GgufHeaderProblem)) throw error;
      throw headerError(modelPath, error);
    }
    return { sizeBytes: info.size };
  } finally {
    await handle.close();
  }
}

async function openModel(modelPath: string): Promise<FileHandle> {
  try {
    return await open(modelPath, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EngineError("modelNotFound", `Model file not found: ${modelPath}. Check the path (a link may point to a file that was moved) or pick another model with "Hearth: Select Model…".`);
    if (code === "ELOOP") throw new EngineError("notGguf", `${modelPath} is a symbolic link loop (links that point at each other). Fix or delete the link, or pick the model file itself with "Hearth: Select Model…".`);
    if (code === "EACCES" || code === "EPERM") throw new EngineError("modelNotFound", `Hearth may not read ${modelPath} (${code}). Check the file's permissions, or pick another model.`);
    if (code === "EISDIR") throw new EngineError("notGguf", `${modelPath} is a folder, not a model file. Choose a .gguf file with "Hearth: Select Model…".`);
    throw new EngineError("modelNotFound", `Cannot open model file ${modelPath}: ${code ?? String(error)}. Check the path and its permissions, or pick another model.`);
  }
}

/** Names the formats people mistake for GGUF, with what to do about each. */
function notGgufMessage(modelPath: string, start: Buffer): string {
  const text = start.toString("latin1");
  const convert = "Hearth runs llama.cpp GGUF models; download the model's GGUF version (or convert it with llama.cpp's convert_hf_to_gguf.py).";
  if (text.startsWith("version https://git-lfs")) return `${modelPath} is a Git LFS pointer, not the model itself. Run "git lfs pull" in its repository, or download the file directly.`;
  if (/^\s*<(!doctype|html|\?xml)/i.test(text)) return `${modelPath} is a web page, not a model (a download saved an error or login page). Download the model again.`;
  if (["lmgg", "fmgg", "tjgg"].includes(text.slice(0, 4))) return `${modelPath} is in the old GGML format from before GGUF (2023), which llama.cpp no longer reads. Download the model's GGUF version.`;
  if (text.startsWith("PK\u0003\u0004")) return `${modelPath} is a zip archive (a PyTorch checkpoint?), not a GGUF file. ${convert}`;
  if (start.length >= 9 && start.readBigUInt64LE(0) < BigInt(1 << 30) && text[8] === "{") return `${modelPath} is a safetensors file, not a GGUF file. ${convert}`;
  return `${modelPath} is not a GGUF file (it does not start with "GGUF"). ${convert}`;
}

function headerError(modelPath: string, problem: GgufHeaderProblem): EngineError {
  switch (problem.kind) {
    case "version":
      return new EngineError("notGguf", `${modelPath} cannot be read: ${problem.message} Download a current GGUF version of the model.`);
    case "truncated":
      return new EngineError("loadFailed", `${modelPath} is truncated: ${problem.message}. The download or copy did not finish; download the model again.`);
    case "damaged":
      return new EngineError("notGguf", `${modelPath} has a damaged GGUF header: ${problem.message}. The file is corrupt or was not written by a GGUF converter; download the model again or pick another one.`);
    case "unrunnable":
      return new EngineError("loadFailed", `${modelPath} has model settings that would crash llama.cpp: ${problem.message}. The file was converted or edited wrongly; download the model again or pick another one.`);
    case "inconsistent":
      return new EngineError("loadFailed", `${modelPath} does not hold together: ${problem.message}. The file is damaged; download the model again or pick another one.`);
    case "limit":
      return new EngineError("notGguf", `${modelPath} is larger than any real model in one respect: ${problem.message}. The file is damaged or built to stall model readers; pick another model.`);
  }
}
