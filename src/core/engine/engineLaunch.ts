/**
 * How the engine process is started: its V8 flags and environment.
 *
 * Its memory settings keep a long session's footprint flat (bench/README.md, "model switches";
 * test/soak/soak.test.ts), at the same load time and generation speed:
 * - node-llama-cpp loads and frees models on libuv's worker threads. glibc raises its mmap
 *   threshold to the size of the largest block freed, so after the first switch a model's
 *   buffers come from the malloc heaps instead of mappings of their own, and with an arena per
 *   thread the freed memory stays scattered: RSS grew by about a fifth over a few hundred
 *   switches. A fixed threshold (glibc's initial 128 KiB) hands every large buffer back to the
 *   system when it is freed, and two arenas bound the rest. Other C libraries ignore both.
 * - The engine's own JavaScript only relays prompts and tokens, so a 1 MiB young generation
 *   costs nothing measurable, where V8's default grows it by tens of MiB of garbage.
 * Values the user set in the environment win.
 *
 * One libuv worker thread: node-llama-cpp runs each evaluation and each sampling step as a task
 * on libuv's pool, and with the default four threads successive tokens hop between threads that
 * then contend with llama.cpp's own for the cores. On 2 cores with 2 threads the 0.5B twin
 * generated 31–38 tokens/s with four pool threads, 41–58 with two and 57–61 with one, where
 * llama-bench runs 59–64 (bench/README.md, "engine"). The pool runs one task at a time, so a
 * model loading delays the other model's tokens until it is loaded.
 */
export interface EngineLaunch {
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

const ALLOCATOR_ENVIRONMENT: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "131072" };
const V8_FLAGS = ["--max-semi-space-size=1"];
const THREADING_ENVIRONMENT: NodeJS.ProcessEnv = { UV_THREADPOOL_SIZE: "1" };

export function engineLaunch(base: NodeJS.ProcessEnv, memoryTuning: boolean): EngineLaunch {
  // VS Code runs extensions in Electron: this makes its binary behave as Node for the engine.
  const env = { ...THREADING_ENVIRONMENT, ...(memoryTuning ? ALLOCATOR_ENVIRONMENT : {}), ...base, ELECTRON_RUN_AS_NODE: "1" };
  return { execArgv: memoryTuning ? [...V8_FLAGS] : [], env };
}
