/**
 * Child process of catalogManifests.test.ts: scans an Ollama store and prints the models
 * found and the process's peak resident memory before and after the scan.
 *   node catalogScan.js <ollama root>
 */
import { scanOllama } from "../../src/core/models/catalogSources";

async function main(): Promise<void> {
  const before = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  const files = await scanOllama(process.argv[2]);
  const ms = Math.round(performance.now() - started);
  const after = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ names: files.map((file) => file.name), before, after, ms }));
}

void main().catch((error: unknown) => {
  process.stderr.write(String(error));
  process.exit(1);
});
