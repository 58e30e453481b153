// Hearth's LogOutputChannel file in the workbench's user data folder: E2E steps count model requests in it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

function hearthLogFile(userDataDir) {
  const stack = [path.join(userDataDir, "logs")];
  let newest;
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
      else if (/Hearth\.log$/.test(entry.name) && (!newest || statSync(full).mtimeMs > statSync(newest).mtimeMs)) newest = full;
    }
  }
  return newest;
}

export function hearthLogLines(userDataDir) {
  const file = hearthLogFile(userDataDir);
  return file ? readFileSync(file, "utf8").split("\n") : [];
}

/** Lines the completion provider writes for each request that reached the model. */
export const modelRequestLines = (lines) => lines.filter((line) => /completion: \d+ prompt tokens/.test(line));
