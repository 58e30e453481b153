import { strict as assert } from "node:assert";
import { bracketBalance, scanCode } from "../../../src/core/completion/codeScanner";
import type { DocumentSnapshot } from "../../../src/core/completion/documentSnapshot";
import { overlapEnd, withoutDoubledSpace } from "../../../src/core/completion/lineJoin";
import { cursorSituation, decideSuggestion } from "../../../src/core/completion/suggestionPolicy";
import { blockOpening, decideShape, spanEnd, type SpanRule } from "../../../src/core/completion/suggestionShape";
import { GOLDEN_CASES } from "./goldenCases";
import { goldenSnapshot } from "./goldenSnapshot";

function doc(code: string, languageId = "typescript"): DocumentSnapshot {
  const offset = code.indexOf("█");
  return { uri: "file:///a", languageId, filePath: "a", text: code.replace("█", ""), offset, indent: { useTabs: false, size: 4 } };
}

function ruleFor(code: string, languageId = "typescript"): SpanRule {
  const document = doc(code, languageId);
  return decideShape(document, cursorSituation(document));
}

/** What the rule keeps of `raw` once generation has ended. */
function kept(code: string, raw: string, languageId = "typescript"): string {
  const cut = spanEnd(ruleFor(code, languageId), raw, true);
  return raw.slice(cut.start, cut.end);
}

describe("code scanner", () => {
  it("counts brackets outside strings and comments only", () => {
    assert.deepEqual(bracketBalance("foo(\"(\", '[', `{`) // )", "typescript").open, []);
    assert.deepEqual(bracketBalance("call(a, /* ) */ b", "typescript").open, ["("]);
    assert.deepEqual(bracketBalance("x = {'a': (1, 2)  # }", "python").open, ["{"]);
    assert.deepEqual(bracketBalance("let c = '{'; fn f<'a>(x: &'a str) {", "rust").open, ["{"]);
    assert.deepEqual(bracketBalance("}) + 1", "typescript").closedOutside, ["}", ")"]);
  });

  it("knows the string or comment a text ends in", () => {
    assert.equal(scanCode("print(\"Hello, ", "python").openString, "\"");
    assert.equal(scanCode("doc = \"\"\"Summary\nmore ", "python").openString, "\"\"\"");
    assert.equal(scanCode("const s = `a ${b}\nc", "typescript").openString, "`");
    assert.equal(scanCode("x = 1 # note", "python").lineComment, true);
    assert.equal(scanCode("url = \"http://x\"", "typescript").lineComment, false);
    assert.equal(scanCode("/**\n * Adds", "java").state.blockComment, true);
    assert.equal(scanCode("i--; x", "c").lineComment, false, "-- is an operator outside SQL and Lua");
    assert.equal(scanCode("SELECT 1 -- total", "sql").lineComment, true);
  });

  it("reads JavaScript regular expressions, shell here-documents and shell '#' for what they are", () => {
    assert.deepEqual(bracketBalance("const re = /^[(`'{]+$/u.test(s);", "javascript").open, []);
    assert.deepEqual(bracketBalance("const half = total / 2; f(a", "javascript").open, ["("], "a division is not a regex");
    assert.equal(scanCode("cat <<EOF\n{ ( \"\nEOF\necho {", "shellscript").state.string, undefined);
    assert.deepEqual(bracketBalance("cat <<EOF\n{ ( \"\nEOF\necho {", "shellscript").open, ["{"]);
    assert.deepEqual(bracketBalance("n=${#list[@]} # {", "shellscript").open, []);
    assert.deepEqual(bracketBalance("  start)", "shellscript").closedOutside, [], "a case pattern closes nothing");
  });
});

describe("block openers", () => {
  const cases: [string, string, "brackets" | "indent" | undefined][] = [
    ["function add(a, b) {", "typescript", "brackets"],
    ["items.forEach((item) => {", "javascript", "brackets"],
    ["} else {", "java", "brackets"],
    ["const config = {", "typescript", "brackets"],
    ["if x > 0:", "python", "indent"],
    ["def area(self):  # the area", "python", "indent"],
    ["const double = (x) =>", "typescript", "indent"],
    ["numbers.each do |n|", "ruby", "indent"],
    ["def greet", "ruby", "indent"],
    ["if ready then", "lua", "indent"],
    ["let area width height =", "fsharp", "indent"],
    ["foo(a, b);", "typescript", undefined],
    ["return x", "python", undefined],
    ["const s = \"{\"", "typescript", undefined],
    ["x = 1 // {", "go", undefined],
  ];
  for (const [line, languageId, kind] of cases) {
    it(`${languageId}: ${line}`, () => assert.equal(blockOpening(line, languageId)?.kind, kind));
  }
});

describe("suggestion shape before the request", () => {
  it("a line after a block opener is a block", () => {
    assert.equal(ruleFor("function f() {█\n}").shape, "block");
    assert.equal(ruleFor("for item in items:█", "python").shape, "block");
  });

  it("an empty line inside a block is siblings, measured from the cursor's indentation", () => {
    const rule = ruleFor("const p = {\n  x: 1,\n  █\n};");
    assert.equal(rule.shape, "siblings");
    assert.equal(rule.baseIndent, 2);
    assert.equal(ruleFor("if (ok) {\n█\n}").shape, "siblings", "an empty line at column 0 below an opener");
    assert.equal(ruleFor("class A {\n    run() {\n        go();\n█", "java").baseIndent, -1, "column 0: the model's first line sets it");
  });

  it("the end of other lines and top-level empty lines are a line that may open a block", () => {
    assert.equal(ruleFor("func area█", "go").shape, "line-or-block");
    assert.equal(ruleFor("const a = 1;\n█\nconst b = 2;").shape, "line-or-block");
  });

  it("mid-line, in comments and one-line strings: one line; a string closed later on the line stops at its quote", () => {
    assert.equal(ruleFor("for (let i = 0; i < n; █) {").shape, "line", "text after the cursor that is not only closers");
    assert.equal(ruleFor("return █;").shape, "line-or-block", "only closers after the cursor");
    assert.equal(ruleFor("const x = █ + y;").shape, "line");
    assert.equal(ruleFor("// explain █").shape, "line");
    const quoted = ruleFor("log(\"Hello, █\");");
    assert.equal(quoted.shape, "line");
    assert.equal(quoted.closingQuote, "\"");
    assert.equal(ruleFor("doc = \"\"\"█", "python").shape, "string-block");
  });

  it("prose runs to the end of the paragraph, code fences in Markdown are code", () => {
    assert.equal(ruleFor("# Title\n\nThe tool █", "markdown").shape, "paragraph");
    assert.equal(ruleFor("Text\n\n```js\nfunction f() {█\n```\n", "markdown").shape, "block");
  });

  it("the settings turn comments and strings off; Alt+\\ still asks", () => {
    const off = { comments: false, strings: false };
    assert.deepEqual(decideSuggestion(doc("// compute the █"), false, off), { suggest: false, reason: "comment" });
    assert.deepEqual(decideSuggestion(doc("log(\"Hello, █\");"), false, off), { suggest: false, reason: "string" });
    assert.equal(decideSuggestion(doc("log(\"Hello, █\");"), true, off).suggest, true);
    assert.equal(decideSuggestion(doc("const total = █"), false, off).suggest, true);
  });

  it("declines a comment with no word yet and a cursor inside a word, unless asked", () => {
    assert.deepEqual(decideSuggestion(doc("x(); // █"), false), { suggest: false, reason: "comment" });
    assert.equal(decideSuggestion(doc("x(); // █"), true).suggest, true);
    assert.deepEqual(decideSuggestion(doc("const va█lue = 1;"), false), { suggest: false, reason: "mid-word" });
  });
});

describe("span rule on generated text", () => {
  it("a first line that opens a block continues through the block, by its brackets", () => {
    assert.equal(kept("func area█", "(r Rect) float64 {\n\treturn r.w * r.h\n}\n\nfunc perimeter() {}", "go"), "(r Rect) float64 {\n\treturn r.w * r.h\n}");
    // Indentation below the header's (a model that writes flush left) does not end a bracket block.
    assert.equal(kept("impl A {\n    fn█\n}", " f(&self) {\n    self.x\n}\nfn g() {}", "rust"), " f(&self) {\n    self.x\n}");
  });

  it("Allman braces: the block opens on the next line", () => {
    assert.equal(kept("class A\n{\n    public int Area█\n}", "()\n    {\n        return w * h;\n    }\n\n    public int B() {}", "csharp"), "()\n    {\n        return w * h;\n    }");
    assert.equal(kept("int total = █", "count();\n{\n", "csharp"), "count();", "a statement ending in ';' is not a header");
  });

  it("indentation blocks keep else-like branches and end at the dedent", () => {
    assert.equal(kept("def f(x):█", "\n    if x:\n        return 1\n    return 2\n\ndef g():\n    pass", "python"), "\n    if x:\n        return 1\n    return 2");
    assert.equal(kept("if ok█", "\n  puts 1\nelse\n  puts 2\nend\nputs 3", "ruby"), "\n  puts 1\nelse\n  puts 2\nend");
  });

  it("siblings stop at a dedent below the cursor's indentation, or where the enclosing block closes", () => {
    const code = "enum Color {\n    Red,\n    █\n}\n";
    assert.equal(kept(code, "Green,\n    Blue,\n}\n\nfn main() {}", "rust"), "Green,\n    Blue,\n}", "the closing line is kept by the rule; post-processing drops it when the document has one");
    const cut = spanEnd(ruleFor(code, "rust"), "Green,\n    Blue,\n}\n", true);
    assert.equal("Green,\n    Blue,\n}\n".slice(0, cut.endWithoutCloser), "Green,\n    Blue,");
    assert.equal(kept("def f():\n    x = 1\n    █", "y = 2\n    return x + y\n\nprint(f())", "python"), "y = 2\n    return x + y");
  });

  it("a Markdown fence around the answer is dropped", () => {
    assert.equal(kept("const total = █", "```ts\nitems.length;\n```\n"), "items.length;");
    assert.equal(kept("function f() {█\n}", "```\n\n  return 1;\n}\n```"), "\n  return 1;\n}");
  });

  it("a string closed later on the line stops at its quote; a multi-line one at its closing delimiter", () => {
    assert.equal(kept("greet(\"Hello, █\");", "World\");\nnext();"), "World");
    assert.equal(kept("text = \"\"\"█\nprint(text)", "Line one.\nLine two.\n\"\"\"\nprint(1)", "python"), "Line one.\nLine two.\n\"\"\"");
  });

  it("stopping generation as soon as the rule is complete keeps exactly what the finished text would keep (every golden case, every split)", () => {
    let checked = 0;
    for (const testCase of GOLDEN_CASES) {
      const document = goldenSnapshot(testCase);
      const decision = decideSuggestion(document, testCase.manual ?? false);
      if (!decision.suggest) continue;
      const raw = testCase.raw.replace(/\r\n?/g, "\n");
      const whole = spanEnd(decision.rule, raw, true);
      for (let length = 1; length <= raw.length; length++) {
        const partial = spanEnd(decision.rule, raw.slice(0, length), false);
        if (!partial.complete) continue;
        const stopped = raw.slice(0, partial.end);
        const again = spanEnd(decision.rule, stopped, true);
        assert.equal(stopped.slice(again.start, again.end), raw.slice(whole.start, whole.end), `${testCase.name}, stopped after ${length} characters`);
        checked++;
        break;
      }
    }
    assert.ok(checked >= 30, `only ${checked} cases stopped early`);
  });
});

describe("joining a suggestion to the line", () => {
  it("never doubles a space", () => {
    assert.equal(withoutDoubledSpace(doc("return █"), " this;"), "this;");
    assert.equal(withoutDoubledSpace(doc("return█"), " this;"), " this;");
  });

  const overlaps: [string, string, string][] = [
    ["console.log(█)", "\"hi\");", ")"],
    ["const m = new Map(█);", "entries);", ");"],
    ["greet(\"█\")", "Ada\")", "\")"],
    ["items[\"█\"]", "key\"]", "\"]"],
    ["run(() => {█})", "\n  go();\n})", "})"],
    ["if (█) {", "ready) {", ") {"],
    ["if (█)", "x > 0) {\n  go();\n}", ")"],
    ["const x = █;", "42;", ";"],
  ];
  for (const [code, text, covered] of overlaps) {
    it(`${code} + ${JSON.stringify(text)} covers ${JSON.stringify(covered)}`, () => {
      const document = doc(code);
      const situation = cursorSituation(document);
      assert.equal(document.text.slice(document.offset, overlapEnd(document, text, situation.stringDelimiter)), covered);
    });
  }

  it("replaces an orphaned closer whose opener the suggestion writes, even when the block goes on below", () => {
    const code = "func f() {\n\tinput █}\n\tindex := 1\n\tuse(index)\n}\n";
    const document = doc(code, "go");
    assert.equal(document.text.slice(document.offset, overlapEnd(document, ":= []any{}")), "}");
    const call = doc("printf(\"%d\",\n       (unsigned) █);\n");
    assert.equal(call.text.slice(call.offset, overlapEnd(call, "count(t)")), "", "the ')' closes the call opened on the line above");
  });

  it("does not cover a closer the suggestion matched itself", () => {
    const document = doc("foo(█) + 1;");
    assert.equal(overlapEnd(document, "bar(2)"), document.offset);
    assert.equal(overlapEnd(doc("foo(█)"), "a, b"), doc("foo(█)").offset);
  });
});
