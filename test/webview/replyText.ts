import { Prng } from "../support/models/prng";

/**
 * Model-like markdown replies of a given size, the same for a given seed: paragraphs with
 * inline code, emphasis and links, headings, bullet and numbered lists (some with code
 * inside), tables, quotes and fenced code blocks in several languages.
 */
export function markdownReply(size: number, seed = "reply"): string {
  const random = new Prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random.next() * items.length)];
  const words = ["value", "the", "function", "returns", "array", "index", "cache", "model", "token", "stream", "render", "block",
    "buffer", "request", "handler", "parser", "state", "result", "error", "promise", "await", "loop", "list", "item", "node"];
  const sentence = () => {
    const parts = Array.from({ length: 6 + Math.floor(random.next() * 14) }, () => pick(words));
    const roll = random.next();
    if (roll < 0.2) parts.splice(2, 0, `\`${pick(words)}()\``);
    else if (roll < 0.3) parts.splice(3, 0, `**${pick(words)}**`);
    else if (roll < 0.35) parts.splice(1, 0, `[docs](https://example.org/${pick(words)})`);
    else if (roll < 0.4) parts.splice(4, 0, `_${pick(words)}_`);
    const text = parts.join(" ");
    return `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}.`;
  };
  const paragraph = () => Array.from({ length: 2 + Math.floor(random.next() * 4) }, sentence).join(" ");
  const code = (lines: number) => {
    const language = pick(["ts", "python", "js", "rust", "go", "bash", "json", ""]);
    const body = Array.from({ length: lines }, (_, line) => `${"  ".repeat(line % 3)}const ${pick(words)}${line} = ${pick(words)}(${line}, "${pick(words)}"); // ${pick(words)}`);
    return `\`\`\`${language}\n${body.join("\n")}\n\`\`\``;
  };
  const blocks: string[] = [];
  let length = 0;
  while (length < size) {
    const roll = random.next();
    let block: string;
    if (roll < 0.35) block = paragraph();
    else if (roll < 0.45) block = `${"#".repeat(2 + Math.floor(random.next() * 2))} ${sentence().slice(0, 40)}`;
    else if (roll < 0.6) block = Array.from({ length: 2 + Math.floor(random.next() * 5) }, () => `- ${sentence()}`).join("\n");
    else if (roll < 0.68) block = Array.from({ length: 3 }, (_, index) => `${index + 1}. ${sentence()}\n\n   ${code(2).split("\n").join("\n   ")}`).join("\n\n");
    else if (roll < 0.73) block = `| name | value |\n| --- | --- |\n${Array.from({ length: 4 }, () => `| \`${pick(words)}\` | ${pick(words)} |`).join("\n")}`;
    else if (roll < 0.76) block = `> ${sentence()}`;
    else block = code(5 + Math.floor(random.next() * 30));
    blocks.push(block);
    length += block.length + 2;
  }
  return blocks.join("\n\n").slice(0, size);
}

/** One fenced code block of `size` characters, unclosed when cut there (a reply still streaming). */
export function codeBlockReply(size: number): string {
  const lines: string[] = ["Here is the file:", "", "```ts"];
  let length = lines.join("\n").length;
  for (let line = 0; length < size; line++) {
    const text = `export const value${line} = compute(${line}, "item ${line}"); // line ${line}`;
    lines.push(text);
    length += text.length + 1;
  }
  return lines.join("\n").slice(0, size);
}

/** `text` in chunks of about `size` characters, the way the engine streams (cut anywhere). */
export function chunksOf(text: string, size: number): string[] {
  const chunks: string[] = [];
  for (let index = 0; index < text.length; index += size) chunks.push(text.slice(index, index + size));
  return chunks;
}
