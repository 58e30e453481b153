/**
 * Entry point of the integration suite, loaded by VS Code's extension host (extensionTestsPath).
 * Runs the compiled *.test.js files next to this file with mocha (TDD interface).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as util from "node:util";
import type MochaType from "mocha";

type MochaClass = typeof MochaType;

/** mocha 12 is ESM with a CommonJS build inside; load that one (works on every Node the host may run). */
function loadMocha(): MochaClass {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("mocha/lib/mocha.cjs") as MochaClass;
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("mocha") as MochaClass & { default?: MochaClass };
    return mod.default ?? mod;
  }
}

export const RESULT_MARKER = "HEARTH_INTEGRATION_RESULT";
export const START_MARKER = "HEARTH_INTEGRATION_START";

/** Result for the runner: a console line, and a file when HEARTH_INTEGRATION_RESULT_FILE is set. */
function report(result: { passed: number; failed: number }): void {
  console.log(`${RESULT_MARKER} ${JSON.stringify(result)}`);
  const file = process.env.HEARTH_INTEGRATION_RESULT_FILE;
  if (file) {
    try {
      fs.writeFileSync(file, JSON.stringify(result));
    } catch (error) {
      console.log(`could not write ${file}: ${String(error)}`);
    }
  }
}

export async function run(): Promise<void> {
  const Mocha = loadMocha();
  // The extension host's console is what reaches the runner; mocha writes to stdout by default.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(util.format(...args));
  const mocha = new Mocha({ ui: "tdd", color: false, timeout: 120_000, reporter: "spec" });
  const grep = process.env.HEARTH_INTEGRATION_GREP;
  if (grep) mocha.grep(grep);
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith(".test.js")).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  console.log(`${START_MARKER} ${process.version}`);
  await new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures };
        report({ passed: stats.passes, failed: stats.failures });
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (error) {
      report({ passed: 0, failed: 1 });
      reject(error);
    }
  });
}
