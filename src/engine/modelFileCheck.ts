import { open, stat } from "node:fs/promises";
import { EngineError } from "./engineError";

const GGUF_MAGIC = "GGUF";

/**
 * Cheap checks before handing a path to llama.cpp, so that the user gets a message
 * naming the actual problem instead of a native loader error.
 */
export async function checkModelFile(modelPath: string): Promise<{ sizeBytes: number }> {
  let info;
  try {
    info = await stat(modelPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EngineError("modelNotFound", `Model file not found: ${modelPath}. Check the path or pick another model with "Hearth: Select Model…".`);
    if (code === "ELOOP") throw new EngineError("notGguf", `Model path is a symbolic link loop: ${modelPath}.`);
    throw new EngineError("modelNotFound", `Cannot read model file ${modelPath}: ${code ?? String(error)}.`);
  }
  if (!info.isFile()) throw new EngineError("notGguf", `${modelPath} is not a file. Choose a .gguf model file.`);
  if (info.size < 24) throw new EngineError("notGguf", `${modelPath} is too small to be a GGUF model (${info.size} bytes).`);
  const handle = await open(modelPath, "r").catch((error: NodeJS.ErrnoException) => {
    throw new EngineError("modelNotFound", `Cannot open model file ${modelPath}: ${error.code ?? error.message}. Check its permissions.`);
  });
  try {
    const header = Buffer.alloc(4);
    await handle.read(header, 0, 4, 0);
    if (header.toString("latin1") !== GGUF_MAGIC) {
      throw new EngineError("notGguf", `${modelPath} is not a GGUF file (it does not start with "GGUF"). Hearth runs llama.cpp GGUF models; convert the model or download its GGUF version.`);
    }
  } finally {
    await handle.close();
  }
  return { sizeBytes: info.size };
}
