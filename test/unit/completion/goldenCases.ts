/**
 * Golden cases of the completion pipeline: a document with a cursor marker (█), the raw
 * text a model returned, and the ghost text a user should see (null: nothing shown).
 * `closes`: the suggestion replaces the rest of the line (auto-closed brackets).
 */
/** Languages of the golden cases and their file extensions (the CLI maps them back to language ids). */
export const EXTENSIONS = {
  typescript: "ts", typescriptreact: "tsx", javascript: "js", python: "py", go: "go", rust: "rs", java: "java", c: "c", cpp: "cpp",
  csharp: "cs", php: "php", ruby: "rb", kotlin: "kt", swift: "swift", html: "html", vue: "vue", sql: "sql", css: "css", scss: "scss",
  markdown: "md", yaml: "yaml", json: "json", lua: "lua", shellscript: "sh", scala: "scala", dart: "dart", r: "r", haskell: "hs",
} as const;

export interface GoldenCase {
  name: string;
  language: keyof typeof EXTENSIONS;
  code: string;
  raw: string;
  expected: string | null;
  closes?: boolean;
  /** The text after the cursor the suggestion's range covers (it writes it again), when not the whole rest of the line. */
  replaces?: string;
  manual?: boolean;
  tabs?: boolean;
}

export const GOLDEN_CASES: GoldenCase[] = [
  // ── TypeScript ──
  { name: "ts: end of line, single line stops at the newline", language: "typescript", code: "const total = █\n", raw: "items.reduce((a, b) => a + b, 0);\nconsole.log(total);", expected: "items.reduce((a, b) => a + b, 0);" },
  { name: "ts: block opener gives a multi-line body, cut where the block ends", language: "typescript", code: "function add(a: number, b: number) {█\n}\n", raw: "\n  return a + b;\n}\n\nfunction sub() {}", expected: "\n  return a + b;" },
  { name: "ts: closing brace kept when the editor has none", language: "typescript", code: "function add(a: number, b: number) {█", raw: "\n  return a + b;\n}\n\nexport {};", expected: "\n  return a + b;\n}" },
  { name: "ts: mid-line before closing paren covers it", language: "typescript", code: "console.log(█)\n", raw: "\"hello\")", expected: "\"hello\")", closes: true },
  { name: "ts: mid-line before closing paren, completion without it", language: "typescript", code: "console.log(█)\n", raw: "\"hello\"", expected: "\"hello\"" },
  { name: "ts: mid-line insertion before a word keeps its space", language: "typescript", code: "const x = █value;\n", raw: "1 + ", expected: "1 + " },
  { name: "ts: mid-line insertion that breaks the line is declined", language: "typescript", code: "const x = █value;\n", raw: "1 +;", expected: null },
  { name: "ts: a comment with a typed word is completed, one line", language: "typescript", code: "// compute the █\nconst a = 1;\n", raw: "total of the items\nconst b = 2;", expected: "total of the items" },
  { name: "ts: a comment with no word yet waits", language: "typescript", code: "const a = 1; // █\n", raw: "the answer", expected: null },
  { name: "ts: inside a comment a manual trigger suggests", language: "typescript", code: "// compute the █\nconst a = 1;\n", raw: "total of the items", expected: "total of the items", manual: true },
  { name: "ts: an unclosed string at the end of the line takes the whole line", language: "typescript", code: "const s = \"hello █\n", raw: "world\";", expected: "world\";" },
  { name: "ts: whitespace-only output is discarded", language: "typescript", code: "const a = █\n", raw: "   \n  ", expected: null },
  { name: "ts: empty output is discarded", language: "typescript", code: "const a = █\n", raw: "", expected: null },
  { name: "ts: drops lines that repeat the suffix", language: "typescript", code: "class A {\n  run() {█\n  }\n  stop() {}\n}\n", raw: "\n    this.go();\n  }\n  stop() {}\n}", expected: "\n    this.go();" },
  { name: "ts: multi-line on an empty line under an opener", language: "typescript", code: "if (ready) {\n  █\n}\n", raw: "start();\n  log(\"started\");\n}\nelse {}", expected: "start();\n  log(\"started\");" },
  { name: "ts: object literal opener", language: "typescript", code: "const config = {█\n};\n", raw: "\n  port: 8080,\n  host: \"localhost\",\n};\nexport default config;", expected: "\n  port: 8080,\n  host: \"localhost\"," },
  { name: "ts: arrow function opener", language: "typescript", code: "const double = (x: number) =>█\n", raw: " x * 2;\nconst triple = 3;", expected: " x * 2;" },
  { name: "ts: trailing whitespace trimmed", language: "typescript", code: "let name = █\n", raw: "\"Ada\";   ", expected: "\"Ada\";" },
  { name: "ts: CRLF output normalised", language: "typescript", code: "function f() {█\n}\n", raw: "\r\n  return 1;\r\n}\r\n", expected: "\n  return 1;" },
  { name: "ts: generic call closes with ');'", language: "typescript", code: "const m = new Map<string, number>(█);\n", raw: "entries);", expected: "entries);", closes: true },
  { name: "ts: array literal opener", language: "typescript", code: "const primes = [█\n];\n", raw: "\n  2, 3, 5, 7,\n];", expected: "\n  2, 3, 5, 7," },
  { name: "ts: single line suggestion equal to the next line is dropped", language: "typescript", code: "const a = 1;\n█\nconst b = 2;\n", raw: "const b = 2;", expected: null },
  { name: "ts: tabs in the document are kept", language: "typescript", code: "function f() {█\n}\n", raw: "\n    return 1;\n}", expected: "\n\treturn 1;", tabs: true },
  { name: "ts: at the end of a finished line, the next line may be suggested", language: "typescript", code: "const a = 1;█\n", raw: "\nconst b = a + 1;\nconst c = 3;", expected: "\nconst b = a + 1;" },
  { name: "ts: mid-line a leading line break gives nothing", language: "typescript", code: "console.log(a, █)\n", raw: "\n  b)", expected: null },
  // ── JavaScript ──
  { name: "js: end of line", language: "javascript", code: "const sum = (a, b) => █\n", raw: "a + b;\n\nmodule.exports = sum;", expected: "a + b;" },
  { name: "js: callback body", language: "javascript", code: "items.forEach((item) => {█\n});\n", raw: "\n  console.log(item);\n});\n", expected: "\n  console.log(item);" },
  { name: "js: mid-line before '})' covers it", language: "javascript", code: "app.get(\"/\", (req, res) => res.send(█))\n", raw: "\"ok\"))", expected: "\"ok\"))", closes: true },
  { name: "js: mid-line before ';' only", language: "javascript", code: "const x = █;\n", raw: "42", expected: "42" },
  { name: "js: if block", language: "javascript", code: "if (err) {█\n}\n", raw: "\n  throw err;\n}\nreturn data;", expected: "\n  throw err;" },
  { name: "js: a block comment line with a word is completed", language: "javascript", code: "/**\n * Adds █\n */\n", raw: "two numbers.\n */", expected: "two numbers." },
  { name: "js: template string continues to its closing backtick", language: "javascript", code: "const msg = `Hello ${name}, █\n", raw: "welcome`;\nsend(msg);", expected: "welcome`;" },
  { name: "js: class body", language: "javascript", code: "class Stack {█\n}\n", raw: "\n  constructor() {\n    this.items = [];\n  }\n}\n", expected: "\n  constructor() {\n    this.items = [];\n  }" },
  { name: "js: switch case continues single line", language: "javascript", code: "switch (x) {\n  case 1:\n    █\n}\n", raw: "return \"one\";\n  case 2:", expected: "return \"one\";" },
  { name: "js: completion that only repeats the rest of the line", language: "javascript", code: "foo(█)\n", raw: ")", expected: ")", closes: true },
  // ── Python ──
  { name: "py: def opener gives the body", language: "python", code: "def add(a, b):█\n", raw: "\n    return a + b\n\n\ndef sub(a, b):\n    return a - b", expected: "\n    return a + b" },
  { name: "py: class opener", language: "python", code: "class Point:█\n", raw: "\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n\nprint(Point)", expected: "\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y" },
  { name: "py: end of line", language: "python", code: "names = █\n", raw: "[user.name for user in users]\nprint(names)", expected: "[user.name for user in users]" },
  { name: "py: comment with words", language: "python", code: "# load the █\n", raw: "configuration file", expected: "configuration file" },
  { name: "py: unclosed string", language: "python", code: "print('Hello, █\n", raw: "world')", expected: "world')" },
  { name: "py: mid-line before ')' covers it", language: "python", code: "print(█)\n", raw: "total)", expected: "total)", closes: true },
  { name: "py: for loop opener on empty line below", language: "python", code: "for item in items:\n    █\n", raw: "process(item)\n    count += 1\nprint(count)", expected: "process(item)\n    count += 1" },
  { name: "py: if opener keeps its else branch", language: "python", code: "if x > 0:█\n", raw: "\n    print(\"positive\")\nelse:\n    print(\"no\")\nprint(x)", expected: "\n    print(\"positive\")\nelse:\n    print(\"no\")" },
  { name: "py: dict literal", language: "python", code: "config = {█\n}\n", raw: "\n    \"debug\": True,\n}\n", expected: "\n    \"debug\": True," },
  { name: "py: suffix duplicate dropped", language: "python", code: "def main():█\n    run()\n", raw: "\n    setup()\n    run()\n", expected: "\n    setup()" },
  { name: "py: whitespace only", language: "python", code: "x = █\n", raw: "\n\n", expected: null },
  // ── Go ──
  { name: "go: func body", language: "go", code: "func Add(a, b int) int {█\n}\n", raw: "\n\treturn a + b\n}\n\nfunc Sub() {}", expected: "\n\treturn a + b", tabs: true },
  { name: "go: end of line", language: "go", code: "package main\n\nvar total = █\n", raw: "sum(values)\nvar other = 1", expected: "sum(values)" },
  { name: "go: if err", language: "go", code: "func f() error {\n\tif err != nil {█\n\t}\n\treturn nil\n}\n", raw: "\n\t\treturn err\n\t}\n", expected: "\n\t\treturn err", tabs: true },
  { name: "go: mid-line before ')' covers it", language: "go", code: "fmt.Println(█)\n", raw: "\"hi\")", expected: "\"hi\")", closes: true },
  { name: "go: struct", language: "go", code: "type User struct {█\n}\n", raw: "\n\tName string\n\tAge  int\n}\n", expected: "\n\tName string\n\tAge  int", tabs: true },
  { name: "go: doc comment", language: "go", code: "// Add returns █\n", raw: "the sum.", expected: "the sum." },
  { name: "go: spaces from the model become tabs", language: "go", code: "func main() {█\n}\n", raw: "\n    run()\n}", expected: "\n\trun()", tabs: true },
  { name: "go: nothing after the block closes", language: "go", code: "for i := 0; i < n; i++ {█", raw: "\n\tsum += i\n}\nfmt.Println(sum)", expected: "\n\tsum += i\n}", tabs: true },
  // ── Rust ──
  { name: "rs: fn body", language: "rust", code: "fn add(a: i32, b: i32) -> i32 {█\n}\n", raw: "\n    a + b\n}\n\nfn main() {}", expected: "\n    a + b" },
  { name: "rs: end of line", language: "rust", code: "let v: Vec<i32> = █\n", raw: "Vec::new();\nlet w = 1;", expected: "Vec::new();" },
  { name: "rs: match arms", language: "rust", code: "match x {█\n}\n", raw: "\n    Some(v) => v,\n    None => 0,\n}\n", expected: "\n    Some(v) => v,\n    None => 0," },
  { name: "rs: mid-line before ');' covers it", language: "rust", code: "println!(█);\n", raw: "\"{}\", x);", expected: "\"{}\", x);", closes: true },
  { name: "rs: doc comment", language: "rust", code: "/// Returns █\nfn f() {}\n", raw: "the answer.\nfn f() {}", expected: "the answer." },
  { name: "rs: impl block", language: "rust", code: "impl Point {█\n}\n", raw: "\n    fn new() -> Self {\n        Point { x: 0 }\n    }\n}\n", expected: "\n    fn new() -> Self {\n        Point { x: 0 }\n    }" },
  { name: "rs: unclosed string", language: "rust", code: "let s = \"abc █\n", raw: "def\";", expected: "def\";" },
  { name: "rs: suffix repeat", language: "rust", code: "fn main() {█\n    run();\n}\n", raw: "\n    init();\n    run();\n}", expected: "\n    init();" },
  // ── Java ──
  { name: "java: method body", language: "java", code: "class A {\n    int add(int a, int b) {█\n    }\n}\n", raw: "\n        return a + b;\n    }\n}\n", expected: "\n        return a + b;" },
  { name: "java: end of line", language: "java", code: "List<String> names = █\n", raw: "new ArrayList<>();\nnames.add(\"x\");", expected: "new ArrayList<>();" },
  { name: "java: mid-line before ');' covers it", language: "java", code: "System.out.println(█);\n", raw: "name);", expected: "name);", closes: true },
  { name: "java: TODO comment", language: "java", code: "// TODO: █\n", raw: "handle errors", expected: "handle errors" },
  { name: "java: class body with braces", language: "java", code: "public class Point {█\n}\n", raw: "\n    private int x;\n    private int y;\n}\n", expected: "\n    private int x;\n    private int y;" },
  { name: "java: if block", language: "java", code: "if (x == null) {█\n}\n", raw: "\n    return;\n}\nx.run();", expected: "\n    return;" },
  { name: "java: whitespace", language: "java", code: "int x = █\n", raw: " \t ", expected: null },
  { name: "java: unclosed string", language: "java", code: "String s = \"a █\n", raw: "b\";", expected: "b\";" },
];
