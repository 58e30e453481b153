import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    type GgufArrayValue, type GgufMetadataEntry, type GgufRecipe, GgufRecipeError, type GgufValue, decodeF16, decodeQ8_0, encodeF16,
    encodeQ8_0, f16BitsToF32, f32ToF16Bits, ggmlTypeInfo, gv, readGgufFile, readTensorBytes, readTensorF32, writeGgufFile
} from "../support/gguf";
import { sharedModelPath } from "../support/models";

function sha256(path: string): string {
    return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** A GGUF value as plain JS data (the shape node-llama-cpp's reader returns). */
function plain(v: GgufValue | GgufArrayValue): unknown {
    if (v.type === "array")
        return v.itemType === "array" ? v.values.map((x) => plain(x)) : [...v.values];
    return v.value;
}

/** node-llama-cpp nests dotted metadata keys into objects; walk them. */
function getPath(obj: unknown, key: string): unknown {
    let cur: unknown = obj;
    for (const part of key.split(".")) {
        if (typeof cur !== "object" || cur === null)
            return undefined;
        cur = Reflect.get(cur, part);
    }
    return cur;
}

const ALL_TYPES: GgufMetadataEntry[] = [
    { key: "general.architecture", value: gv.str("hearth-test") },
    { key: "test.u8", value: gv.u8(250) },
    { key: "test.i8", value: gv.i8(-120) },
    { key: "test.u16", value: gv.u16(65000) },
    { key: "test.i16", value: gv.i16(-32000) },
    { key: "test.u32", value: gv.u32(4_000_000_000) },
    { key: "test.i32", value: gv.i32(-2_000_000_000) },
    { key: "test.f32", value: gv.f32(Math.fround(0.1)) },
    { key: "test.bool_true", value: gv.bool(true) },
    { key: "test.bool_false", value: gv.bool(false) },
    { key: "test.string", value: gv.str("héllo ▁<PRE> <｜fim▁begin｜> \n\"quoted\"") },
    { key: "test.empty_string", value: gv.str("") },
    { key: "test.u64", value: gv.u64(18_000_000_000_000_000_000n) },
    { key: "test.i64", value: gv.i64(-9_000_000_000_000_000_000n) },
    { key: "test.f64", value: gv.f64(Math.PI) },
    { key: "test.arr_u8", value: gv.numbers("u8", [0, 1, 255]) },
    { key: "test.arr_i8", value: gv.numbers("i8", [-128, 0, 127]) },
    { key: "test.arr_u16", value: gv.numbers("u16", [0, 65535]) },
    { key: "test.arr_i16", value: gv.numbers("i16", [-32768, 32767]) },
    { key: "test.arr_u32", value: gv.numbers("u32", [0, 4294967295]) },
    { key: "test.arr_i32", value: gv.numbers("i32", [-2147483648, 2147483647]) },
    { key: "test.arr_f32", value: gv.numbers("f32", [Math.fround(1.5), Math.fround(-0.25)]) },
    { key: "test.arr_f64", value: gv.numbers("f64", [1e300, -1e-300]) },
    { key: "test.arr_u64", value: gv.bigints("u64", [0n, 18446744073709551615n]) },
    { key: "test.arr_i64", value: gv.bigints("i64", [-9223372036854775808n, 9223372036854775807n]) },
    { key: "test.arr_bool", value: gv.bools([true, false, true]) },
    { key: "test.arr_string", value: gv.strings(["a", "", "ü▁"]) },
    { key: "test.arr_empty", value: gv.strings([]) },
    {
        key: "test.arr_nested",
        value: gv.arrays([gv.numbers("i32", [1, 2]), gv.strings(["x"]), gv.arrays([gv.bools([true])])])
    }
];

describe("GGUF reader/writer", () => {
    let dir: string;

    before(() => {
        dir = mkdtempSync(join(tmpdir(), "hearth-gguf-"));
    });

    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it("round-trips every metadata value type through its own reader and node-llama-cpp's", async () => {
        const path = join(dir, "all-types.gguf");
        const values = new Float32Array(64).map((_, i) => (i - 32) / 8);
        writeGgufFile(path, {
            metadata: ALL_TYPES,
            tensors: [
                { name: "a.f32", dims: [64], type: "F32", data: values },
                { name: "b.f16", dims: [32, 2], type: "F16", data: values },
                { name: "c.q8_0", dims: [32, 2], type: "Q8_0", data: values }
            ]
        });

        const file = readGgufFile(path);
        assert.equal(file.version, 3);
        assert.deepEqual(file.metadata.map((e) => e.key), ALL_TYPES.map((e) => e.key));
        for (const e of ALL_TYPES) {
            const got = file.metadata.find((m) => m.key === e.key);
            assert.deepStrictEqual(got?.value, e.value, e.key);
        }
        assert.deepEqual(file.tensors.map((t) => [t.name, ggmlTypeInfo(t.type).name, [...t.dims]]), [
            ["a.f32", "F32", [64]], ["b.f16", "F16", [32, 2]], ["c.q8_0", "Q8_0", [32, 2]]
        ]);
        assert.deepEqual([...readTensorF32(file, "a.f32")], [...values]);
        assert.deepEqual([...readTensorF32(file, "b.f16")], [...values]); // multiples of 1/8 are exact in f16

        const { readGgufFileInfo } = await import("node-llama-cpp");
        const info = await readGgufFileInfo(path);
        for (const e of ALL_TYPES)
            assert.deepStrictEqual(getPath(info.metadata, e.key), plain(e.value), `node-llama-cpp: ${e.key}`);
        assert.deepEqual(
            (info.tensorInfo ?? []).map((t) => [t.name, t.ggmlType, t.dimensions.map(Number), Number(t.offset)]),
            file.tensors.map((t) => [t.name, t.type, [...t.dims], t.offset])
        );
    });

    it("respects general.alignment", async () => {
        const path = join(dir, "aligned.gguf");
        writeGgufFile(path, {
            metadata: [{ key: "general.architecture", value: gv.str("hearth-test") }, { key: "general.alignment", value: gv.u32(64) }],
            tensors: [
                { name: "x", dims: [3], type: "F32", data: new Float32Array([1, 2, 3]) },
                { name: "y", dims: [5], type: "F32", data: new Float32Array([4, 5, 6, 7, 8]) }
            ]
        });
        const file = readGgufFile(path);
        assert.equal(file.alignment, 64);
        assert.equal(file.dataOffset % 64, 0);
        for (const t of file.tensors)
            assert.equal(t.offset % 64, 0, t.name);
        assert.deepEqual([...readTensorF32(file, "y")], [4, 5, 6, 7, 8]);
        const { readGgufFileInfo } = await import("node-llama-cpp");
        const info = await readGgufFileInfo(path);
        assert.deepEqual((info.tensorInfo ?? []).map((t) => Number(t.offset)), [0, 64]);
        assert.equal(info.tensorInfo?.[1]?.fileOffset, file.dataOffset + 64);
    });

    it("reads stories260K.gguf and the vocab files and writes them back byte-identically", () => {
        const sources = ["stories260K.gguf", ...readdirSync(sharedModelPath("vocab")).filter((f) => f.endsWith(".gguf")).map((f) => `vocab/${f}`)];
        for (const rel of sources) {
            const src = sharedModelPath(rel);
            const file = readGgufFile(src);
            const out = join(dir, "copy.gguf");
            writeGgufFile(out, {
                metadata: file.metadata,
                tensors: file.tensors.map((t) => ({ name: t.name, dims: t.dims, type: ggmlTypeInfo(t.type).name, data: readTensorBytes(file, t.name) }))
            });
            assert.equal(sha256(out), sha256(src), rel);
            rmSync(out);
        }
        const stories = readGgufFile(sharedModelPath("stories260K.gguf"));
        assert.equal(sha256(stories.path), "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d");
        assert.equal(stories.tensors.length, 48);
    });

    it("encodes F16 exactly for representable values and rounds to nearest even otherwise", () => {
        assert.equal(f32ToF16Bits(1), 0x3c00);
        assert.equal(f32ToF16Bits(-2), 0xc000);
        assert.equal(f32ToF16Bits(65504), 0x7bff);
        assert.equal(f32ToF16Bits(1e6), 0x7c00); // overflow -> +Inf
        assert.equal(f32ToF16Bits(2 ** -24), 0x0001); // smallest subnormal
        assert.equal(f32ToF16Bits(1 + 2 ** -11), 0x3c00); // tie -> even
        assert.equal(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie -> even (up)
        assert.ok(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN))));
        const values = new Float32Array(1000).map((_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
        const back = decodeF16(encodeF16(values));
        for (let i = 0; i < values.length; i++) {
            const v = values[i] ?? 0;
            assert.ok(Math.abs((back[i] ?? 0) - v) <= Math.max(Math.abs(v) * 2 ** -11, 2 ** -25), `f16 #${i}: ${v} -> ${back[i]}`);
        }
    });

    it("quantizes Q8_0 blocks of 32 within tolerance", () => {
        const values = new Float32Array(32 * 40).map((_, i) => Math.cos(i * 0.37) * (1 + (i % 32) / 4));
        const bytes = encodeQ8_0(values);
        assert.equal(bytes.length, 40 * 34);
        const back = decodeQ8_0(bytes);
        for (let b = 0; b < 40; b++) {
            let amax = 0;
            for (let j = 0; j < 32; j++)
                amax = Math.max(amax, Math.abs(values[b * 32 + j] ?? 0));
            for (let j = 0; j < 32; j++) {
                const i = b * 32 + j;
                // half a quantization step plus the f16 rounding of the scale
                assert.ok(Math.abs((back[i] ?? 0) - (values[i] ?? 0)) <= (amax / 127) * 0.5 + amax * 2 ** -10, `q8_0 #${i}`);
            }
        }
        assert.deepEqual([...decodeQ8_0(encodeQ8_0(new Float32Array(32)))], new Array<number>(32).fill(0));
        assert.throws(() => encodeQ8_0(new Float32Array(33)), /multiple of 32/);
    });

    describe("refuses inconsistent recipes", () => {
        const arch: GgufMetadataEntry = { key: "general.architecture", value: gv.str("hearth-test") };
        const cases: [string, GgufRecipe, RegExp][] = [
            ["data length not matching dims", { metadata: [arch], tensors: [{ name: "t", dims: [4, 2], type: "F32", data: new Float32Array(7) }] }, /has 7 values but dims \[4, 2\] need 8/],
            ["raw bytes not matching dims x type", { metadata: [arch], tensors: [{ name: "t", dims: [32], type: "Q8_0", data: new Uint8Array(32) }] }, /has 32 bytes but dims \[32\] of Q8_0 need 34/],
            ["unknown tensor type", { metadata: [arch], tensors: [{ name: "t", dims: [4], type: "Q9_9", data: new Float32Array(4) }] }, /unknown tensor type "Q9_9"/],
            ["float data for a type it cannot encode", { metadata: [arch], tensors: [{ name: "t", dims: [32], type: "Q4_0", data: new Float32Array(32) }] }, /cannot encode float data to Q4_0/],
            ["duplicate tensor names", {
                metadata: [arch],
                tensors: [{ name: "t", dims: [1], type: "F32", data: new Float32Array(1) }, { name: "t", dims: [1], type: "F32", data: new Float32Array(1) }]
            }, /duplicate tensor name "t"/],
            ["duplicate metadata keys", { metadata: [arch, { key: "a", value: gv.u8(1) }, { key: "a", value: gv.u8(2) }], tensors: [] }, /duplicate metadata key "a"/],
            ["Q8_0 rows that are not a multiple of 32", { metadata: [arch], tensors: [{ name: "t", dims: [48, 2], type: "Q8_0", data: new Float32Array(96) }] }, /multiple of 32, got 48/],
            ["zero or fractional dims", { metadata: [arch], tensors: [{ name: "t", dims: [0], type: "F32", data: new Float32Array(0) }] }, /not a positive integer/],
            ["more than 4 dims", { metadata: [arch], tensors: [{ name: "t", dims: [1, 1, 1, 1, 1], type: "F32", data: new Float32Array(1) }] }, /1 to 4 dimensions/],
            ["integer out of range", { metadata: [arch, { key: "a", value: gv.u8(256) }], tensors: [] }, /256 is out of range for u8/],
            ["non-power-of-two alignment", { metadata: [arch, { key: "general.alignment", value: gv.u32(48) }], tensors: [] }, /not a power of two/],
            ["tensors without an architecture", { metadata: [], tensors: [{ name: "t", dims: [1], type: "F32", data: new Float32Array(1) }] }, /missing general.architecture/],
            ["a llama model missing required keys", {
                metadata: [{ key: "general.architecture", value: gv.str("llama") }, { key: "llama.embedding_length", value: gv.u32(64) }],
                tensors: [{ name: "token_embd.weight", dims: [64, 2], type: "F32", data: new Float32Array(128) }]
            }, /requires metadata keys: llama\.context_length, llama\.block_count, llama\.attention\.head_count, llama\.attention\.layer_norm_rms_epsilon, tokenizer\.ggml\.model, tokenizer\.ggml\.tokens/],
            ["a stream shorter than declared", {
                metadata: [arch],
                tensors: [{ name: "t", dims: [4], type: "F32", data: { byteLength: 16, chunks: function* () { yield new Uint8Array(8); } } }]
            }, /stream produced 8 bytes, expected 16/]
        ];
        for (const [what, recipe, message] of cases) {
            it(what, () => {
                const path = join(dir, "refused.gguf");
                assert.throws(() => writeGgufFile(path, recipe), (err: unknown) => {
                    assert.ok(err instanceof GgufRecipeError, `expected GgufRecipeError, got ${String(err)}`);
                    assert.match(err.message, message);
                    return true;
                });
                assert.equal(existsSync(path), false, "no file may be left behind");
                assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), [], "no temp file may be left behind");
            });
        }
    });
});
