import { strict as assert } from "node:assert";
import {
  fileMatch, pickerEntries, rankFiles, rankSymbols, symbolIcon, type FileCandidate, type PickerEntry, type SymbolCandidate,
} from "../../../src/core/chat/contextPickerItems";

function file(relativePath: string): FileCandidate {
  return { uri: `file:///ws/${relativePath}`, relativePath };
}

function symbol(name: string, relativePath: string, extra: Partial<SymbolCandidate> = {}): SymbolCandidate {
  return { name, kind: "function", uri: `file:///ws/${relativePath}`, relativePath, startLine: 4, endLine: 9, ...extra };
}

const FILES = [
  file("src/math.ts"),
  file("src/story.ts"),
  file("src/util/format.ts"),
  file("src/geometry/shapes.ts"),
  file("README.md"),
  file("test/math.test.ts"),
];

/** Separators and item labels, as the picker shows them. */
function shown(entries: readonly PickerEntry[]): string[] {
  return entries.map((entry) => (entry.type === "separator" ? `-- ${entry.label}` : entry.label));
}

describe("chat @ picker items", () => {
  it("lists every file by path for an empty query, labelled by name with the path as description", () => {
    const entries = rankFiles("", FILES);
    assert.deepEqual(entries.map((entry) => entry.type === "file" && entry.description), [
      "README.md", "src/geometry/shapes.ts", "src/math.ts", "src/story.ts", "src/util/format.ts", "test/math.test.ts",
    ]);
    assert.deepEqual(shown(entries).slice(0, 3), ["README.md", "shapes.ts", "math.ts"]);
    assert.equal(rankFiles("", FILES, { browseFiles: 2, matchingFiles: 10, symbols: 10 }).length, 2, "the browse limit holds");
  });

  it("ranks a file whose name matches above one that only matches across folders, and drops non-matches", () => {
    // "geo" is the start of a folder name only; "form" the start of a file name.
    assert.deepEqual(shown(rankFiles("form", FILES)), ["format.ts"]);
    assert.deepEqual(shown(rankFiles("geo", FILES)), ["shapes.ts"]);
    assert.deepEqual(fileMatch("geo", file("src/geometry/shapes.ts"))?.byName, false);
    assert.deepEqual(fileMatch("sha", file("src/geometry/shapes.ts"))?.byName, true);
    // A weak name match still ranks above a strong match across folders.
    assert.deepEqual(shown(rankFiles("geo", [file("geo/all.ts"), file("src/gauge-config.ts")])), ["gauge-config.ts", "all.ts"]);
    assert.deepEqual(rankFiles("zzz", FILES), []);
    // A shorter name with the query as its start beats a longer one, which beats a match inside a name.
    assert.deepEqual(shown(rankFiles("math", [file("a/amath.tsx"), file("test/math.test.ts"), file("src/math.ts")])), ["math.ts", "math.test.ts", "amath.tsx"]);
  });

  it("lists a file once even when two sources report it, and keeps the matching limit", () => {
    const twice = [...FILES, file("src/math.ts")];
    assert.equal(rankFiles("math", twice).filter((entry) => entry.type === "file" && entry.description === "src/math.ts").length, 1);
    assert.equal(rankFiles("s", FILES, { browseFiles: 10, matchingFiles: 2, symbols: 10 }).length, 2);
  });

  it("ranks symbols by the index's score when given, else by the same fuzzy score, with icon, container and line", () => {
    const entries = rankSymbols("add", [
      symbol("addAll", "src/math.ts", { kind: "method", container: "Calculator", startLine: 11 }),
      symbol("add", "src/math.ts", { startLine: 2 }),
      symbol("Shape", "src/geometry/shapes.ts", { kind: "class" }),
    ]);
    assert.deepEqual(entries.map((entry) => entry.type !== "separator" && [entry.label, entry.description]), [
      ["$(symbol-function) add", "src/math.ts:3"],
      ["$(symbol-method) addAll", "Calculator · src/math.ts:12"],
    ]);
    // A score from the index wins over the name (it adds a bonus for exported names).
    const scored = rankSymbols("add", [symbol("add", "a.ts", { score: 10 }), symbol("addAll", "b.ts", { score: 900 })]);
    assert.deepEqual(shown(scored), ["$(symbol-function) addAll", "$(symbol-function) add"]);
  });

  it("asks for no symbols below two characters and lists a definition found twice once", () => {
    assert.deepEqual(rankSymbols("a", [symbol("add", "src/math.ts")]), []);
    assert.equal(rankSymbols("add", [symbol("add", "src/math.ts"), symbol("add", "src/math.ts")]).length, 1);
    assert.equal(rankSymbols("add", [symbol("add", "src/math.ts"), symbol("add", "src/math.ts", { startLine: 20 })]).length, 2, "two definitions of one name stay two");
  });

  it("maps the index's and VS Code's symbol kinds to codicons", () => {
    assert.deepEqual(["function", "method", "class", "interface", "type", "enum", "constant", "struct", "module", "trait", "block", "typeparameter"].map(symbolIcon),
      ["function", "method", "class", "interface", "interface", "enum", "constant", "struct", "module", "interface", "misc", "misc"]);
  });

  it("puts the section with the better match first, each under its separator, and leaves out empty sections", () => {
    const symbols = [symbol("formatPrice", "src/util/format.ts"), symbol("story", "src/story.ts", { kind: "constant" })];
    // "story" names a symbol exactly (1000) and a file by prefix (less): symbols first.
    assert.deepEqual(shown(pickerEntries("story", FILES, symbols)), ["-- Symbols", "$(symbol-constant) story", "-- Files", "story.ts"]);
    // "format.ts" matches a file exactly and no symbol: files only.
    assert.deepEqual(shown(pickerEntries("format.ts", FILES, symbols)), ["-- Files", "format.ts"]);
    // "forma" is a prefix of both; the shorter file name scores higher: files first.
    assert.deepEqual(shown(pickerEntries("forma", FILES, symbols)), ["-- Files", "format.ts", "-- Symbols", "$(symbol-function) formatPrice"]);
    // Empty query: files only, no symbol section.
    assert.deepEqual(shown(pickerEntries("", [file("b.ts"), file("a.ts")], symbols)), ["-- Files", "a.ts", "b.ts"]);
    assert.deepEqual(pickerEntries("zzz", FILES, symbols), []);
  });
});
