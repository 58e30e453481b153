// Writes a VSIX from an explicit file list with vsce's own manifest generation and checks.
// vsce's CLI chooses the files itself (`npm list` of the dependencies, filtered by .vscodeignore)
// and cannot take node_modules from a trimmed staging folder, so this runs the steps of
// `vsce package` (read and validate package.json, the processors that write
// extension.vsixmanifest and [Content_Types].xml and check README, LICENSE and icon, then the
// zip) on Hearth's list. They are internals of the vsce version pinned in package.json; the
// package tests check every VSIX this writes.
import { createRequire } from "node:module";
import path from "node:path";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";

const require = createRequire(import.meta.url);
const vsce = require("@vscode/vsce/out/package.js");
const yazl = createRequire(require.resolve("@vscode/vsce/package.json"))("yazl");

/** Packages the staged extension folder's `files` (paths relative to `stage`) into `out` for `target`. */
export async function writeVsix({ stage, files, target, out }) {
  const manifest = await vsce.readManifest(stage);
  const options = { cwd: stage, target, packagePath: out, dependencies: false, allowMissingRepository: true };
  const entries = files.map((file) => ({ path: `extension/${file}`, localPath: path.join(stage, file) }));
  const packaged = await vsce.processFiles(vsce.createDefaultProcessors(manifest, options), entries);
  await rm(out, { force: true });
  await new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const file of packaged) {
      if (file.contents !== undefined) zip.addBuffer(Buffer.isBuffer(file.contents) ? file.contents : Buffer.from(file.contents, "utf8"), file.path, { mode: file.mode });
      else zip.addFile(file.localPath, file.path, { mode: file.mode });
    }
    zip.end();
    const stream = createWriteStream(out);
    zip.outputStream.once("error", reject).pipe(stream);
    stream.once("error", reject).once("finish", resolve);
  });
  return packaged.length;
}
