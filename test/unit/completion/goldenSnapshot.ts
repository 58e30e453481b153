import { strict as assert } from "node:assert";
import type { DocumentSnapshot } from "../../../src/core/completion/documentSnapshot";
import { EXTENSIONS, type GoldenCase } from "./goldenCases";

/** The document a golden case describes: its code without the cursor marker, the cursor where the marker was. */
export function goldenSnapshot(testCase: GoldenCase): DocumentSnapshot {
  const offset = testCase.code.indexOf("█");
  assert.ok(offset >= 0, `${testCase.name}: cursor marker missing`);
  return {
    uri: `file:///golden/${encodeURIComponent(testCase.name)}`,
    languageId: testCase.language,
    filePath: `golden.${EXTENSIONS[testCase.language]}`,
    text: testCase.code.replace("█", ""),
    offset,
    indent: testCase.tabs ? { useTabs: true, size: 4 } : { useTabs: false, size: 4 },
  };
}
