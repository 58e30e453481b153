/**
 * The oracle benchmark's span cutting (bench/oracle): every place's document plus its span
 * is the file again, and the cursor sits where each kind says it does; sampling is
 * reproducible; suggestions are judged against the span through the document they leave.
 */
import { strict as assert } from "node:assert";
import { parserFor } from "../../src/context/parsing/parsers";
import type { SyntaxGrammar } from "../../src/context/languages";
import { judge } from "../../bench/oracle/oracleVerdict";
import { closesWhatHeadOpened, cutAt, findPlaces, MAX_BLOCK_SPAN_LINES, PLACE_KINDS, samplePlaces, type Place } from "../../bench/oracle/spanCutter";
import { Prng } from "../support/models/prng";

const SOURCES: { name: string; grammar: SyntaxGrammar; text: string }[] = [
  {
    name: "TypeScript", grammar: "typescript", text: [
      "import { readFile } from \"node:fs/promises\";",
      "",
      "export async function load(path: string, retries = 3): Promise<string> {",
      "  const text = await readFile(path, \"utf8\");",
      "  if (text.length === 0) {",
      "    throw new Error(`empty file: ${path}`);",
      "  }",
      "  const lines = text.split(\"\\n\").map((line) => line.trim());",
      "  // a comment with \"quotes\" and code(1)",
      "  return lines.join(\"\\n\") + String(retries);",
      "}",
      "",
    ].join("\n"),
  },
  {
    name: "Python", grammar: "python", text: [
      "def greet(name, punctuation=\"!\"):",
      "    message = \"Hello, dear \" + name.title()",
      "    if not name:",
      "        raise ValueError(\"the name is empty\")",
      "    # a comment (with parentheses)",
      "    return message + punctuation",
      "",
    ].join("\n"),
  },
  {
    name: "Go", grammar: "go", text: [
      "package main",
      "",
      "type Point struct {",
      "\tX int",
      "\tY int",
      "}",
      "",
      "func area(width int, height int) int {",
      "\tif width < 0 {",
      "\t\treturn 0",
      "\t}",
      "\t// a comment (with parentheses)",
      "\tprintln(\"computing the area\", width*height)",
      "\treturn width * height",
      "}",
      "",
    ].join("\n"),
  },
  {
    name: "C", grammar: "cpp", text: [
      "#include <stdio.h>",
      "",
      "static int sum(const int *values, int count) {",
      "    int total = 0;",
      "    for (int i = 0; i < count; i++) {",
      "        total += values[i];",
      "    }",
      "    // a comment with \"quotes\" and code(1)",
      "    printf(\"total %d\\n\", total);",
      "    return total;",
      "}",
      "",
    ].join("\n"),
  },
];

function lineAround(text: string, offset: number): { before: string; after: string; previous: string | undefined } {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const newline = text.indexOf("\n", offset);
  const end = newline < 0 ? text.length : newline;
  const previous = text.slice(0, start).split("\n").slice(0, -1).reverse().find((line) => line.trim() !== "");
  return { before: text.slice(start, offset), after: text.slice(offset, end), previous };
}

/** What each kind and variant claims about the cut document. */
function checkPlace(text: string, place: Place): void {
  const document = cutAt(text, place);
  const label = `${place.kind}/${place.variant} ${JSON.stringify(document.span)}`;
  assert.equal(document.text.slice(0, document.offset) + document.span + document.text.slice(document.offset), text, label);
  assert.equal(document.offset, place.start, label);
  assert.ok(document.span.trim() !== "", label);
  const line = lineAround(document.text, document.offset);
  switch (place.kind) {
    case "rest-of-line":
      assert.ok(!document.span.includes("\n") && /\w/.test(document.span), label);
      assert.equal(document.span, document.span.trim(), label);
      if (place.variant === "line-end") assert.equal(line.after, "", label);
      else assert.match(line.after, /^\s*[)\]}]+;?$/, label);
      break;
    case "block":
      assert.equal(line.before.trim(), "", label);
      assert.equal(line.after, "", label);
      assert.ok(document.span.split("\n").length <= MAX_BLOCK_SPAN_LINES, label);
      assert.match(text.slice(place.end), /^(\n|$)/, label);
      if (place.variant === "after-opener") assert.match(line.previous ?? "", /[{:[(]$/, label);
      else assert.doesNotMatch(line.previous ?? "", /[{:[(]$/, label);
      break;
    case "expression":
      assert.ok(!document.span.includes("\n"), label);
      assert.ok(line.before.trim() !== "" && line.after.trim() !== "", label);
      assert.equal(place.variant === "before-closers", /^[\s)\]}>'"`;,.]*$/.test(line.after), label);
      break;
    case "string":
      assert.ok(!document.span.includes("\n"), label);
      if (place.variant === "whole") {
        assert.match(line.before, /["'`]$/, label);
        assert.equal(line.after[0], line.before[line.before.length - 1], label);
      } else {
        assert.match(line.before, / $/, label);
      }
      break;
  }
}

/** Every place in a source, from the project's parser for its grammar. */
async function placesIn(grammar: SyntaxGrammar, text: string): Promise<Place[]> {
  const tree = (await parserFor(grammar)).parse(text);
  assert.ok(tree);
  try {
    return findPlaces(tree.rootNode, text);
  } finally {
    tree.delete();
  }
}

describe("oracle benchmark: span cutting", () => {
  for (const source of SOURCES) {
    it(`${source.name}: every place cuts back to the file, cursor where its kind says`, async () => {
      const places = await placesIn(source.grammar, source.text);
      for (const kind of PLACE_KINDS) assert.ok(places.some((place) => place.kind === kind), `${source.name} has ${kind} places`);
      for (const place of places) checkPlace(source.text, place);
      // Nothing starts inside a comment.
      const comment = source.text.search(/(\/\/|#) a comment/);
      assert.ok(comment > 0);
      const commentEnd = source.text.indexOf("\n", comment);
      assert.ok(places.every((place) => place.start < comment || place.start >= commentEnd), "no place in the comment");
    });
  }

  it("cuts the places a reader would pick (TypeScript)", async () => {
    const { text } = SOURCES[0];
    const spans = new Set((await placesIn("typescript", text)).map((place) => `${place.kind}/${place.variant}: ${text.slice(place.start, place.end)}`));
    for (const expected of [
      "block/siblings: const lines = text.split(\"\\n\").map((line) => line.trim());\n  // a comment with \"quotes\" and code(1)\n  return lines.join(\"\\n\") + String(retries);",
      "block/after-opener: throw new Error(`empty file: ${path}`);",
      "rest-of-line/line-end: await readFile(path, \"utf8\");",
      "rest-of-line/before-closers: await readFile(path, \"utf8\"",
      "rest-of-line/before-closers: Error(`empty file: ${path}`",
      "expression/mid-line: text.length === 0",
      "expression/before-closers: retries",
      "string/whole: utf8",
      "string/whole: node:fs/promises",
    ]) assert.ok(spans.has(expected), expected);
  });

  it("samples reproducibly, every variant taking turns", async () => {
    const places = await placesIn("typescript", SOURCES[0].text);
    const pick = (seed: string, count: number) => samplePlaces(places, "rest-of-line", count, new Prng(seed));
    assert.deepEqual(pick("a", 6), pick("a", 6));
    assert.notDeepEqual(pick("a", 6), pick("b", 6));
    const all = places.filter((place) => place.kind === "rest-of-line");
    const everything = pick("a", all.length + 5);
    assert.equal(everything.length, all.length);
    assert.equal(new Set(everything).size, all.length);
    // Two variants, balanced: the first four picks hold both.
    assert.deepEqual(new Set(pick("a", 4).map((place) => place.variant)), new Set(["line-end", "before-closers"]));
  });

  it("keeps only closers that close what the span opened", () => {
    assert.ok(closesWhatHeadOpened("foo(a, [b", "]);"));
    assert.ok(closesWhatHeadOpened("print(\"a)\"", ")"));
    assert.ok(!closesWhatHeadOpened("a + b", ")"));
    assert.ok(!closesWhatHeadOpened("foo(a", "])"));
  });
});

describe("oracle benchmark: judging a suggestion", () => {
  // The file is `x = f(g(x));`, the span `g(x)`, the editor auto-closed f's `)`.
  const document = { text: "x = f();", offset: 6, span: "g(x)" };

  it("whole, prefix and overlap with the auto-closed bracket", () => {
    assert.equal(judge(document, { text: "g(x)", replaceEnd: 6 }).verdict, "whole");
    assert.equal(judge(document, { text: "g(x))", replaceEnd: 7 }).verdict, "whole");
    assert.equal(judge(document, { text: "g(", replaceEnd: 6 }).verdict, "prefix");
    // `f(g)`: the start of the span, then the bracket that was already there.
    assert.equal(judge(document, { text: "g)", replaceEnd: 7 }).verdict, "prefix");
    assert.equal(judge(document, { text: "g(x)", replaceEnd: 6 }).result, "x = f(g(x));");
  });

  it("names what is wrong", () => {
    assert.deepEqual(judge(document, { text: "g(x)", replaceEnd: 7 }), { verdict: "wrong", wrong: "range", result: "x = f(g(x);" });
    assert.equal(judge(document, { text: "g(x) + 1", replaceEnd: 6 }).wrong, "overshoot");
    assert.equal(judge(document, { text: "g( x )", replaceEnd: 6 }).wrong, "whitespace");
    assert.equal(judge(document, { text: "h(x)", replaceEnd: 6 }).wrong, "differs");
  });
});
