/**
 * Builds test models from the command line and prints their paths (one per line).
 *
 *   node out/test/support/models/cli.js build <name|all-test|shape-0.5b|shape-1.5b> [...]
 *   node out/test/support/models/cli.js list
 */

import { TEST_MODELS, type TestModelName, getTestModel, suiteModels } from "./index";

function usage(): never {
    const names = TEST_MODELS.map((m) => m.name).join(", ");
    process.stderr.write(
        "usage: cli.js build <name|all-test|shape-0.5b|shape-1.5b>...\n" +
        "       cli.js list\n" +
        `names: ${names}\n`
    );
    process.exit(2);
}

function resolveTarget(target: string): TestModelName[] {
    if (target === "all-test")
        return suiteModels().map((m) => m.name);
    if (target === "shape-0.5b")
        return ["qwen2.5-coder-0.5b-shape"];
    if (target === "shape-1.5b")
        return ["qwen2.5-coder-1.5b-shape"];
    const spec = TEST_MODELS.find((m) => m.name === target);
    if (spec === undefined) {
        process.stderr.write(`unknown model "${target}"\n`);
        usage();
    }
    return [spec.name];
}

async function main(argv: readonly string[]): Promise<void> {
    const [command, ...targets] = argv;
    if (command === "list") {
        for (const m of TEST_MODELS)
            process.stdout.write(`${m.name}\t${m.kind}\t${m.architecture}\t${m.role}\n`);
        return;
    }
    if (command !== "build" || targets.length === 0)
        usage();
    for (const target of targets) {
        for (const name of resolveTarget(target)) {
            const started = Date.now();
            const path = await getTestModel(name);
            process.stderr.write(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
            process.stdout.write(`${path}\n`);
        }
    }
}

main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
