/**
 * Loads a model file straight into node-llama-cpp, as the engine would without its checks
 * (load, context, first token), and prints how far it got. Run as a child process: the point is
 * to see what llama.cpp does with a hostile file, which may be to abort the process or hang.
 *   node out/test/support/gguf/uncheckedLoad.js FILE
 */
async function main(path: string): Promise<void> {
    const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
    const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, logger: () => undefined });
    try {
        const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
        const context = await model.createContext({ contextSize: 256, threads: 1 });
        const sequence = context.getSequence();
        const prompt = model.tokenize("Once upon a time", false);
        for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
            void token;
            break;
        }
        process.stdout.write("generated\n");
    } catch (error) {
        process.stdout.write(`refused: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.exit(0);
}

void main(process.argv[2] ?? "");
