import type { DocumentSnapshot } from "../../src/core/completion/documentSnapshot";
import type { ProcessedSuggestion } from "../../src/core/completion/postProcess";
import type { Prng } from "../support/models/prng";

const START = [
  "interface Point {",
  "  x: number;",
  "  y: number;",
  "}",
  "",
  "function distance(a: Point, b: Point): number {",
  "  const dx = a.x - b.x;",
  "  const dy = a.y - b.y;",
  "  return Math.sqrt(dx * dx + dy * dy);",
  "}",
  "",
  "export function total(items: Point[]) {",
  "  ",
].join("\n");

/** What a person types: code, block openers, a comment and a string now and then (no suggestion there). */
const TYPED = ["const", " sum", " = ", "items", ".map(", "(item) => ", "item.x", ");", "return ", "if (", "sum > 0", ") {", "for (const p of items) {", "}", "let name = \"", "// ", "distance(", "a, b"];

/** Longest document before the soak starts again from the first text: it stays the size of a real file. */
const MAX_LENGTH = 6000;

export function pick<T>(random: Prng, items: readonly T[]): T {
  const item = items[Math.floor(random.next() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

/** A TypeScript file edited at random: typing, deleting, new lines, cursor moves, accepted suggestions. */
export class SoakDocument {
  private text = START;
  private offset = START.length;

  constructor(private readonly random: Prng, readonly uri = "file:///soak/main.ts") {}

  snapshot(): DocumentSnapshot {
    return { uri: this.uri, languageId: "typescript", filePath: "soak/main.ts", text: this.text, offset: this.offset, indent: { useTabs: false, size: 2 } };
  }

  /** One random edit, as a keystroke (or a paste) would make it. */
  edit(): void {
    const roll = this.random.next();
    if (roll < 0.5) this.insert(pick(this.random, TYPED));
    else if (roll < 0.65) this.deleteBack(1 + Math.floor(this.random.next() * 6));
    else if (roll < 0.8) this.newLine();
    else this.moveToLineEnd();
    if (this.text.length > MAX_LENGTH) {
      this.text = START;
      this.offset = START.length;
    }
  }

  /** Accepts the first `length` characters of a suggestion shown at the cursor (all of it by default). */
  accept(suggestion: ProcessedSuggestion, length = suggestion.text.length): void {
    const whole = length >= suggestion.text.length;
    const end = whole ? Math.max(this.offset, suggestion.replaceEnd) : this.offset;
    const accepted = suggestion.text.slice(0, length);
    this.text = this.text.slice(0, this.offset) + accepted + this.text.slice(end);
    this.offset += accepted.length;
  }

  private insert(typed: string): void {
    this.text = this.text.slice(0, this.offset) + typed + this.text.slice(this.offset);
    this.offset += typed.length;
  }

  private deleteBack(count: number): void {
    const from = Math.max(0, this.offset - count);
    this.text = this.text.slice(0, from) + this.text.slice(this.offset);
    this.offset = from;
  }

  private newLine(): void {
    const lineStart = this.text.lastIndexOf("\n", this.offset - 1) + 1;
    const indentation = /^[ ]*/.exec(this.text.slice(lineStart, this.offset))?.[0] ?? "";
    const opens = /[{([]\s*$/.test(this.text.slice(lineStart, this.offset));
    this.insert(`\n${indentation}${opens ? "  " : ""}`);
  }

  private moveToLineEnd(): void {
    const lineEnds: number[] = [];
    for (let index = this.text.indexOf("\n"); index !== -1; index = this.text.indexOf("\n", index + 1)) lineEnds.push(index);
    lineEnds.push(this.text.length);
    this.offset = pick(this.random, lineEnds);
  }
}
