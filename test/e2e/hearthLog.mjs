// Files in the workbench's user data folder: Hearth's log (E2E steps count model requests in it) and others.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Files under `root` whose name matches `pattern`, newest first. */
export function findFiles(root, pattern) {
  const stack = [root];
  const found = [];
  while (stack.length) {
    const dir = stack.pop();
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (pattern.test(entry.name)) found.push(full);
    }
  }
  return found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}

function hearthLogFile(userDataDir) {
  return findFiles(path.join(userDataDir, "logs"), /Hearth\.log$/)[0];
}

export function hearthLogLines(userDataDir) {
  const file = hearthLogFile(userDataDir);
  return file ? readFileSync(file, "utf8").split("\n") : [];
}

/** Lines the completion provider writes for each request that reached the model. */
export const modelRequestLines = (lines) => lines.filter((line) => /completion: \d+ prompt tokens/.test(line));
