#!/usr/bin/env node
// npm run setup:workbench [-- --force] [--yes]
// Installs Node 24 and code-server into .vscode-test/workbench for the e2e and integration tests,
// after chromium and libkrb5-dev (asked first on a terminal; --yes or CI=true installs them).
import { ensureWorkbench } from "./workbench/setup.mjs";

const force = process.argv.includes("--force");
const assumeYes = process.argv.includes("--yes");
const t0 = Date.now();
try {
  await ensureWorkbench({ force, assumeYes, browser: true });
  console.log(`setup:workbench done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(`setup:workbench failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
