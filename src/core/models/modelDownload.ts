/**
 * The only code in Hearth that may touch the network: downloading a GGUF file the user
 * asked for, with hearth.network.allowModelDownload turned on. Uses Node's own HTTP.
 * Resumes a partial download (.part file + Range request), verifies the size the server
 * announced and the sha256 where one is known, then renames into place.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { finished } from "node:stream/promises";
import { dirname } from "node:path";

export interface DownloadRequest {
  url: string;
  targetPath: string;
  /** Known size in bytes (from a recommendation); otherwise the server's Content-Length. */
  expectedBytes?: number;
  expectedSha256?: string;
}

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | undefined;
  resumedFrom: number;
}

const MAX_REDIRECTS = 5;

export async function downloadModel(request: DownloadRequest, onProgress: (progress: DownloadProgress) => void, signal: AbortSignal): Promise<string> {
  const partPath = `${request.targetPath}.part`;
  await mkdir(dirname(request.targetPath), { recursive: true });
  const resumedFrom = await stat(partPath).then((info) => info.size, () => 0);
  const response = await get(request.url, resumedFrom, signal);
  const resuming = response.statusCode === 206 && resumedFrom > 0;
  if (response.statusCode !== 200 && !resuming) {
    response.resume();
    throw new Error(`The server answered ${response.statusCode} for ${request.url}.`);
  }
  const announced = Number(response.headers["content-length"]);
  const totalBytes = request.expectedBytes ?? (Number.isFinite(announced) ? announced + (resuming ? resumedFrom : 0) : undefined);
  const out = createWriteStream(partPath, { flags: resuming ? "a" : "w" });
  let receivedBytes = resuming ? resumedFrom : 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        response.destroy();
        reject(new Error("Download cancelled; it resumes where it stopped next time."));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      response.on("data", (chunk: Buffer) => {
        receivedBytes += chunk.length;
        onProgress({ receivedBytes, totalBytes, resumedFrom: resuming ? resumedFrom : 0 });
      });
      response.on("error", reject);
      response.on("aborted", () => {
        if (!signal.aborted) reject(new Error("The connection was interrupted; run the download again to resume."));
      });
      response.on("close", () => {
        if (!response.complete && !signal.aborted) reject(new Error("The connection was interrupted; run the download again to resume."));
      });
      out.on("error", reject);
      out.on("finish", () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
      response.pipe(out);
    });
  } finally {
    // Let every received byte reach the .part file before resuming or verifying it.
    out.end();
    await finished(out).catch(() => undefined);
  }
  const size = (await stat(partPath)).size;
  if (totalBytes !== undefined && size !== totalBytes) {
    if (size > totalBytes) await rm(partPath, { force: true });
    throw new Error(`The download has ${size} bytes but ${totalBytes} were expected${size > totalBytes ? "; the file was removed" : "; run it again to resume"}.`);
  }
  if (request.expectedSha256) {
    const digest = await sha256(partPath);
    if (digest !== request.expectedSha256.toLowerCase()) {
      await rm(partPath, { force: true });
      throw new Error(`The downloaded file's sha256 is ${digest}, not the expected ${request.expectedSha256}; it was removed.`);
    }
  }
  await rename(partPath, request.targetPath);
  return request.targetPath;
}

async function get(url: string, from: number, signal: AbortSignal, redirects = 0): Promise<IncomingMessage> {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error(`Only http(s) downloads are supported, not ${parsed.protocol}`);
  const transport = parsed.protocol === "https:" ? await import("node:https") : await import("node:http");
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = transport.get(parsed, { headers: from > 0 ? { Range: `bytes=${from}-` } : {}, signal }, resolve);
    request.on("error", reject);
  });
  const location = response.headers.location;
  if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
    response.resume();
    if (redirects >= MAX_REDIRECTS) throw new Error(`Too many redirects downloading ${url}.`);
    return get(new URL(location, parsed).toString(), from, signal, redirects + 1);
  }
  return response;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export interface RecommendedModel {
  label: string;
  detail: string;
  url: string;
  fileName: string;
  role: "completion" | "chat";
}

/** A short list for a first model; sizes are approximate, the server's Content-Length is verified. */
export const RECOMMENDED_MODELS: readonly RecommendedModel[] = [
  { label: "Qwen2.5-Coder 0.5B Instruct (Q8_0)", detail: "≈ 0.5 GB · fast completions on any laptop", role: "completion", fileName: "qwen2.5-coder-0.5b-instruct-q8_0.gguf",
    url: "https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-0.5b-instruct-q8_0.gguf" },
  { label: "Qwen2.5-Coder 1.5B Instruct (Q8_0)", detail: "≈ 1.9 GB · better completions, 8 GB RAM or more", role: "completion", fileName: "qwen2.5-coder-1.5b-instruct-q8_0.gguf",
    url: "https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-1.5b-instruct-q8_0.gguf" },
  { label: "Qwen2.5-Coder 7B Instruct (Q4_K_M)", detail: "≈ 4.7 GB · completions and chat, 16 GB RAM or a GPU", role: "chat", fileName: "qwen2.5-coder-7b-instruct-q4_k_m.gguf",
    url: "https://huggingface.co/Qwen/Qwen2.5-Coder-7B-Instruct-GGUF/resolve/main/qwen2.5-coder-7b-instruct-q4_k_m.gguf" },
];

/** A Hugging Face file URI (`hf:org/repo/file.gguf`) or an http(s) URL to a direct download URL. */
export function resolveModelUri(uri: string): { url: string; fileName: string } {
  const trimmed = uri.trim();
  const hf = /^hf:([^/]+\/[^/]+)\/(.+\.gguf)$/i.exec(trimmed);
  if (hf) return { url: `https://huggingface.co/${hf[1]}/resolve/main/${hf[2]}`, fileName: hf[2].split("/").pop() ?? hf[2] };
  const parsed = new URL(trimmed);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new Error("Give an https:// URL or hf:org/repo/file.gguf");
  const fileName = decodeURIComponent(parsed.pathname.split("/").pop() ?? "");
  if (!/\.gguf$/i.test(fileName)) throw new Error("The URL must name a .gguf file.");
  return { url: parsed.toString(), fileName };
}
