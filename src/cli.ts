/**
 * Hearth's completion pipeline outside VS Code:
 *   node dist/cli.js complete --file F --line L --column C [--model M | --raw-output R] [--json] [--threads N] [--manual]
 * Prints the text that would be shown as ghost text (with --json: range, source and timings).
 */
import { parseArgs } from "node:util";
import { runComplete } from "./cli/completeCommand";

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== "complete") {
    process.stderr.write("usage: cli complete --file F --line L --column C [--model M | --raw-output R] [--json] [--threads N] [--manual]\n");
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      file: { type: "string" }, line: { type: "string" }, column: { type: "string" },
      model: { type: "string" }, "raw-output": { type: "string" }, json: { type: "boolean" }, threads: { type: "string" }, manual: { type: "boolean" },
    },
  });
  if (!values.file || !values.line || !values.column) {
    process.stderr.write("--file, --line and --column are required\n");
    return 2;
  }
  const output = await runComplete({
    file: values.file, line: Number(values.line), column: Number(values.column),
    model: values.model, rawOutput: values["raw-output"], threads: values.threads ? Number(values.threads) : undefined, manual: values.manual,
  });
  process.stdout.write(values.json ? `${JSON.stringify(output, null, 2)}\n` : `${output.text ?? ""}\n`);
  return output.text === null ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
