import { strict as assert } from "node:assert";
import { enabledGlobs, filterWorkspaceFiles, searchExcludeGlob } from "../../../src/core/chat/workspaceFiles";

/** A workspace as VS Code's file search returns it (files.exclude already applied). */
const FILES = [
  "README.md", "package.json", "tsconfig.json", ".gitignore", ".eslintrc.json", "docs/guide.md", "docs/.ignore", "docs/draft.md",
  "src/main.ts", "src/util/format.ts", "src/generated/api.ts", "src/generated/keep.ts", "src/.gitignore", "src/local.env",
  "build/out.js", "build/nested/deep.js", "node_modules/lib/index.js", "app.log", "logs/today.log", "notes.code-search",
  "vendor/lib.min.js", "vendor/lib.js",
];

describe("chat @ picker: which workspace files are listed", () => {
  it("lists every file Quick Open would, README.md and package.json included, without search.exclude and ignored files", () => {
    const excludes = enabledGlobs({ "**/node_modules": true, "**/bower_components": true, "**/*.code-search": true, "**/vendor/*.min.js": true, "**/docs": false, "**/*.ts": { when: "$(basename).js" } });
    assert.deepEqual(excludes, ["**/node_modules", "**/bower_components", "**/*.code-search", "**/vendor/*.min.js"]);
    const listed = filterWorkspaceFiles(FILES, excludes, [
      { directory: "", content: "# build output\nbuild/\n*.log\n!keep.log\n" },
      { directory: "src", content: "generated/*\n!generated/keep.ts\n*.env\n" },
      { directory: "docs", content: "draft.md\n" },
    ]);
    assert.deepEqual(listed, [
      "README.md", "package.json", "tsconfig.json", ".gitignore", ".eslintrc.json", "docs/guide.md", "docs/.ignore",
      "src/main.ts", "src/util/format.ts", "src/generated/keep.ts", "src/.gitignore", "vendor/lib.js",
    ]);
  });

  it("lets a deeper ignore file re-include what a shallower one ignores, but nothing inside an ignored folder", () => {
    const files = ["a/x.txt", "a/b/x.txt", "c/d/x.txt"];
    const listed = filterWorkspaceFiles(files, [], [
      { directory: "", content: "*.txt\nc/\n" },
      { directory: "a/b", content: "!x.txt\n" },
      { directory: "c/d", content: "!x.txt\n" },
    ]);
    assert.deepEqual(listed, ["a/b/x.txt"]);
    assert.deepEqual(filterWorkspaceFiles(files, [], []), files, "no ignore files, no excludes: everything");
  });

  it("gives VS Code's file search one exclude glob, with the root ignore file's plain rules, so excluded folders do not use up the limit", () => {
    assert.equal(searchExcludeGlob([]), undefined);
    assert.equal(searchExcludeGlob(["**/node_modules"]), "**/node_modules");
    assert.equal(searchExcludeGlob(["**/node_modules", "**/*.{js,map}"], "build/\n/dist\nout/lib\n*.log\n# comment\n"),
      "{**/node_modules,**/build,**/build/**,dist,dist/**,out/lib,out/lib/**,**/*.log,**/*.log/**}");
    // A re-include cannot be said with globs: the file is applied afterwards only.
    assert.equal(searchExcludeGlob(["**/node_modules"], "*.log\n!keep.log\n"), "**/node_modules");
  });
});
