/**
 * Limits on @huggingface/jinja, the interpreter node-llama-cpp renders chat templates with, in
 * the thread that calls this (the template worker). A deadline alone is not enough: a template
 * can ask for one huge allocation (`range(100000000)`, a string doubled thirty times), and V8
 * cannot stop a worker that runs out of heap in a single allocation: it aborts the whole
 * process. So each rendering gets a budget of interpreter steps, `range()` a maximum length and
 * every value a maximum size, far above what published templates use (tens of steps per message,
 * `range()` over a handful of items) and far below what would exhaust the worker.
 */

export interface JinjaLimits {
  /** Interpreter steps (expressions and statements evaluated) per rendering. */
  maxSteps: number;
  /** Items of one list (range() and any list value). */
  maxItems: number;
  /** Characters of one string value. */
  maxChars: number;
}

/** Each fits in V8's allowance for a worker at its heap limit (16 MB): 100,000 items are 0.8 MB, 4M characters at most 8 MB. */
export const DEFAULT_JINJA_LIMITS: JinjaLimits = { maxSteps: 250_000, maxItems: 100_000, maxChars: 4 * 1024 * 1024 };

/** The parts of @huggingface/jinja patched here (its classes' prototypes). */
interface JinjaModule {
  Template: { prototype: object };
  Interpreter: { prototype: object };
  Environment: { prototype: object };
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

function patch(prototype: object, name: string, wrap: (original: Method) => Method): void {
  const original: unknown = Reflect.get(prototype, name);
  if (typeof original !== "function") throw new Error(`@huggingface/jinja has no ${name} to limit: its version is not the one Hearth knows`);
  Reflect.set(prototype, name, wrap(original as Method));
}

let steps = 0;
/**
 * The first limit a template ran into: later renderings fail at once. The worker serves one
 * model's template, and node-llama-cpp tries a template dozens of times while it chooses a
 * wrapper: without this an endless loop would spend the whole deadline.
 */
let exceeded: Error | undefined;

function exceed(message: string): never {
  exceeded = new Error(message);
  throw exceeded;
}

export function limitJinja(jinja: JinjaModule, limits: JinjaLimits = DEFAULT_JINJA_LIMITS): void {
  patch(jinja.Template.prototype, "render", (original) => function (this: unknown, ...args: unknown[]) {
    if (exceeded) throw exceeded;
    steps = 0;
    return original.apply(this, args);
  });
  // Every expression and statement goes through evaluate(); every loop iteration through evaluateBlock().
  for (const method of ["evaluate", "evaluateBlock"]) {
    patch(jinja.Interpreter.prototype, method, (original) => function (this: unknown, ...args: unknown[]) {
      if (++steps > limits.maxSteps) exceed(`the template took more than ${limits.maxSteps} steps`);
      const result = original.apply(this, args);
      const value: unknown = typeof result === "object" && result !== null ? Reflect.get(result, "value") : undefined;
      if (typeof value === "string" && value.length > limits.maxChars) exceed(`the template made a text of more than ${limits.maxChars} characters`);
      if (Array.isArray(value) && value.length > limits.maxItems) exceed(`the template made a list of more than ${limits.maxItems} items`);
      return result;
    });
  }
  // range() builds its whole list at once: refuse a long one before it is built.
  patch(jinja.Environment.prototype, "set", (original) => function (this: unknown, name: unknown, value: unknown) {
    return original.call(this, name, name === "range" ? (...args: number[]) => boundedRange(limits.maxItems, ...args) : value);
  });
}

/** Python's range(), refusing more than `maxItems` numbers. */
function boundedRange(maxItems: number, ...args: number[]): number[] {
  const [start, stop, step] = args.length >= 2 ? [args[0] ?? 0, args[1] ?? 0, args[2] ?? 1] : [0, args[0] ?? 0, 1];
  if (step === 0) throw new Error("range() step must not be zero");
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (!Number.isFinite(count) || count > maxItems) exceed(`range() of ${count} numbers is more than the ${maxItems} a template may use`);
  return Array.from({ length: count }, (_, index) => start + index * step);
}
