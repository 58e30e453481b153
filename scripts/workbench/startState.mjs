// What `npm start` keeps between runs: the settings the user changed in the workbench, and the
// port. Pure functions (plus a port probe), unit-tested in test/scripts/.
import net from "node:net";

/**
 * Parses a settings.json as VS Code writes and reads it: JSON with // and /* comments and
 * trailing commas. Returns undefined for a missing or empty text; throws on anything else
 * that is not an object, so a file that cannot be read is never overwritten.
 */
export function parseJsonc(text) {
  if (text === undefined || text.trim() === "") return undefined;
  let out = "";
  let lastComma = -1; // index in `out` of a comma not yet followed by a value
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end;
      lastComma = -1;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
      out += " ";
    } else if ((ch === "}" || ch === "]") && lastComma >= 0) {
      // A trailing comma, as VS Code allows in settings.json.
      out = out.slice(0, lastComma) + out.slice(lastComma + 1) + ch;
      lastComma = -1;
    } else {
      if (ch === ",") lastComma = out.length;
      else if (!/\s/.test(ch)) lastComma = -1;
      out += ch;
    }
  }
  const value = JSON.parse(out);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("settings.json does not hold an object");
  return value;
}

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The User and Machine settings of this run. code-server is a remote window: machine-scoped
 * settings (the model paths, folders, engine) live in Machine/settings.json, where the Settings
 * UI writes them; User/settings.json holds the rest.
 *   previous     { user, machine }: last run's files, parsed ({} when absent)
 *   base         the workbench's quiet defaults (a value the user changed wins)
 *   modelsDir    the models folder of this run, or undefined when it does not exist
 *   ggufFiles    the GGUF files directly in it, sorted
 *   explicit     true when --models named the folder on this run
 *   exists       (path) => boolean
 * Kept: every setting of the last run, the chosen completion and chat models included, while
 * their files exist. Set: the models folder in hearth.modelFolders, and a completion model
 * from it when none is chosen, the chosen one is gone, or --models names a folder it is not in.
 * Returns { user, machine, changed: { user, machine }, notes }.
 */
export function startSettings({ previous, base, modelsDir, ggufFiles, explicit, exists }) {
  const user = { ...base, ...previous.user };
  const machine = { ...previous.machine };
  const notes = [];
  if (modelsDir) {
    const folders = Array.isArray(machine["hearth.modelFolders"]) ? machine["hearth.modelFolders"] : [];
    if (!folders.includes(modelsDir)) machine["hearth.modelFolders"] = [...folders, modelsDir];
    const chosen = machine["hearth.completion.modelPath"];
    const chosenUsable = typeof chosen === "string" && chosen !== "" && exists(chosen);
    const inFolder = chosenUsable && ggufFiles.includes(chosen);
    if (ggufFiles.length > 0 && (!chosenUsable || (explicit && !inFolder))) {
      machine["hearth.completion.modelPath"] = ggufFiles[0];
      notes.push(chosen && !chosenUsable ? `${chosen} is gone: completion model ${ggufFiles[0]}` : `completion model ${ggufFiles[0]}`);
    } else if (chosenUsable) {
      notes.push(`completion model ${chosen} (kept)`);
    }
  }
  const chat = machine["hearth.chat.modelPath"];
  if (typeof chat === "string" && chat !== "") notes.push(`chat model ${chat}${exists(chat) ? " (kept)" : " (kept; the file is missing)"}`);
  return {
    user,
    machine,
    changed: { user: !sameJson(user, previous.user), machine: !sameJson(machine, previous.machine) },
    notes,
  };
}

/** True when nothing listens on 127.0.0.1:port. */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * The port of this run: the one asked for (--port, $PORT), else the last run's while it is free,
 * else 0 (any free port). Returns { port, note }.
 */
export async function choosePort({ requested, last, isFree = portIsFree }) {
  if (requested) return { port: requested, note: `port ${requested} (asked for)` };
  if (Number.isInteger(last) && last > 0 && last <= 65535) {
    if (await isFree(last)) return { port: last, note: `port ${last} (the last run's)` };
    return { port: 0, note: `the last run's port ${last} is taken: using a free one` };
  }
  return { port: 0, note: undefined };
}
