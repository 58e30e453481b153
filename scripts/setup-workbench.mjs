#!/usr/bin/env node
// npm run setup:workbench [-- --force]
// Installs Node 24 and code-server into .vscode-test/workbench for the e2e and integration tests.
import { ensureWorkbench } from "./workbench/setup.mjs";

const force = process.argv.includes("--force");
const t0 = Date.now();
try {
  await ensureWorkbench({ force });
  console.log(`setup:workbench done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(`setup:workbench failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
