/** npm run bench [-- <name> [--large]]: runs one benchmark or all of them. */
import { runChatBench } from "./chatBench";
import { runContextBench } from "./contextBench";
import { runEngineBench } from "./engineBench";
import { runMemoryBench } from "./memoryBench";
import { runOracleBench } from "./oracleBench";
import { runReplayBench } from "./replayBench";

const BENCHMARKS: Record<string, (args: readonly string[]) => Promise<void>> = {
  engine: (args) => runEngineBench({ large: args.includes("--large") }),
  replay: (args) => runReplayBench(args),
  context: (args) => runContextBench(args),
  memory: (args) => runMemoryBench(args),
  oracle: (args) => runOracleBench(args),
  chat: (args) => runChatBench(args),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const names = args.filter((arg) => !arg.startsWith("--"));
  const unknown = names.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark ${unknown.join(", ")}. Known: ${Object.keys(BENCHMARKS).join(", ")}`);
    process.exitCode = 2;
    return;
  }
  for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) {
    console.log(`\n## ${name}\n`);
    await BENCHMARKS[name](args);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
