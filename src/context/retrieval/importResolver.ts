/**
 * Where an import's module lives, as candidate file paths in preference order. Only
 * workspace files are found (relative imports, Python packages, Rust `crate::`
 * paths, Java packages); libraries are left to the index lookup by name.
 */
import { dirname, join, resolve, sep } from "node:path";
import { languageFamily } from "../languages";

const JS_EXTENSIONS = [".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"];

function jsCandidates(fromPath: string, module: string): string[] {
  if (!module.startsWith(".")) return [];
  const base = resolve(dirname(fromPath), module);
  // ESM TypeScript imports "./a.js" for the file a.ts.
  const stem = base.replace(/\.(m|c)?js$/, "");
  return [base, ...JS_EXTENSIONS.map((extension) => stem + extension), ...JS_EXTENSIONS.map((extension) => join(base, `index${extension}`))];
}

function pythonCandidates(fromPath: string, module: string, roots: readonly string[]): string[] {
  const dots = /^\.*/.exec(module)?.[0].length ?? 0;
  const parts = module.slice(dots).split(".").filter((part) => part !== "");
  const bases: string[] = [];
  if (dots > 0) {
    let directory = dirname(fromPath);
    for (let level = 1; level < dots; level++) directory = dirname(directory);
    bases.push(directory);
  } else {
    bases.push(dirname(fromPath));
    for (const root of roots) bases.push(root, join(root, "src"));
  }
  const candidates: string[] = [];
  for (const base of bases) {
    const path = join(base, ...parts);
    candidates.push(`${path}.py`, join(path, "__init__.py"), `${path}.pyi`);
  }
  return candidates;
}

/** The `src` folder above a Rust file: the crate root for `crate::` paths. */
function crateRoot(fromPath: string, roots: readonly string[]): string {
  const marker = `${sep}src${sep}`;
  const index = fromPath.lastIndexOf(marker);
  return index >= 0 ? fromPath.slice(0, index + marker.length - 1) : join(roots[0] ?? dirname(fromPath), "src");
}

function rustCandidates(fromPath: string, module: string, roots: readonly string[]): string[] {
  const parts = module.split("::").filter((part) => part !== "");
  let base: string;
  if (parts[0] === "crate") { base = crateRoot(fromPath, roots); parts.shift(); }
  else if (parts[0] === "super") {
    base = dirname(fromPath);
    // In a/mod.rs or a/b.rs alike, `super` is the folder's parent module.
    while (parts[0] === "super") { parts.shift(); base = /(mod|lib|main)\.rs$/.test(fromPath) ? dirname(base) : base; }
  } else if (parts[0] === "self") { base = dirname(fromPath); parts.shift(); }
  else return [];
  const candidates: string[] = [];
  // `use crate::a::b::Item` may name a module a/b or an item of a.
  for (let length = parts.length; length >= 1; length--) {
    const path = join(base, ...parts.slice(0, length));
    candidates.push(`${path}.rs`, join(path, "mod.rs"));
  }
  if (parts.length === 0) candidates.push(join(base, "lib.rs"), join(base, "main.rs"));
  return candidates;
}

function javaCandidates(module: string, name: string | undefined, roots: readonly string[]): string[] {
  const relativePath = [...module.split("."), ...(name && name !== "*" ? [name] : [])].join("/");
  return roots.flatMap((root) => [join(root, `${relativePath}.java`), join(root, "src", "main", "java", `${relativePath}.java`), join(root, "src", `${relativePath}.java`)]);
}

export function importCandidates(fromPath: string, languageId: string, module: string, name: string | undefined, roots: readonly string[]): string[] {
  switch (languageFamily(languageId)) {
    case "js": return jsCandidates(fromPath, module);
    case "python": return pythonCandidates(fromPath, module, roots);
    case "rust": return rustCandidates(fromPath, module, roots);
    case "java": return javaCandidates(module, name, roots);
    default: return [];
  }
}

/** Whether a Go import path names this folder-relative directory ("example.com/app/util" and "util"). */
export function goImportMatches(importPath: string, relativeDirectory: string): boolean {
  return relativeDirectory !== "" && (importPath === relativeDirectory || importPath.endsWith(`/${relativeDirectory}`));
}
