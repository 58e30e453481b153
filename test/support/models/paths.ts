import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The repository root: the nearest folder above this file whose package.json is named "hearth". */
export function repoRoot(): string {
    let dir = __dirname;
    for (;;) {
        const pkg = join(dir, "package.json");
        if (existsSync(pkg)) {
            try {
                const parsed: unknown = JSON.parse(readFileSync(pkg, "utf8"));
                if (typeof parsed === "object" && parsed !== null && "name" in parsed && parsed.name === "hearth")
                    return dir;
            } catch {
                // not a readable package.json: keep looking
            }
        }
        const parent = dirname(dir);
        if (parent === dir)
            throw new Error(`Cannot find the Hearth repository root (a package.json named "hearth") above ${__dirname}`);
        dir = parent;
    }
}

/** Folder with the source model files: $HEARTH_TEST_MODELS, or <repo>/../shared/models. */
export function testModelsDir(): string {
    const env = process.env["HEARTH_TEST_MODELS"];
    if (env !== undefined && env !== "")
        return resolve(env);
    return resolve(repoRoot(), "..", "shared", "models");
}

/** Absolute path of a file in the test models folder; throws a clear error if it is missing. */
export function sharedModelPath(relative: string): string {
    const dir = testModelsDir();
    const p = resolve(dir, relative);
    if (!existsSync(p)) {
        throw new Error(
            `Test model source file missing: ${p}\n` +
            `Provide "${relative}" in the test models folder ${dir} ` +
            "(set HEARTH_TEST_MODELS to use another folder; see /work/shared/models/README.md for what each file is)."
        );
    }
    return p;
}

/** Ignored folder that holds generated models: <repo>/.cache/models. */
export function modelCacheDir(): string {
    return join(repoRoot(), ".cache", "models");
}
