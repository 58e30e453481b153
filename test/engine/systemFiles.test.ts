/**
 * Model paths that name files of the operating system: /proc and /sys files are "regular"
 * with a size of 0 (or 4096) whatever they hold, and used to be reported as a download that
 * did not finish. The message must say what they are. Through the real engine, which keeps
 * serving the model it had.
 */
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { EngineClient, EngineRequestError } from "../../src/core/engine/engineClient";
import { sharedModelPath } from "../support/models/paths";
import { startEngine, testLoadSettings } from "./engineHarness";

interface Case {
  name: string;
  path: (scratch: string) => Promise<string>;
  says: RegExp;
  available?: () => boolean;
}

const KERNEL_FILE = /is a file of the operating system's (\/proc|\/sys) file system, not a model file: the kernel makes up its content when it is read\. Choose a \.gguf file/;

const CASES: Case[] = [
  { name: "/proc/cpuinfo", path: async () => "/proc/cpuinfo", says: KERNEL_FILE },
  {
    name: "a link named model.gguf to /proc/self/status",
    path: async (scratch) => {
      await symlink("/proc/self/status", join(scratch, "status-model.gguf"));
      return join(scratch, "status-model.gguf");
    },
    says: KERNEL_FILE,
  },
  {
    name: "a /sys file (reports 4096 bytes)",
    path: async () => "/sys/kernel/mm/transparent_hugepage/enabled",
    says: KERNEL_FILE,
    available: () => existsSync("/sys/kernel/mm/transparent_hugepage/enabled"),
  },
  {
    name: "a link named model.gguf to /dev/zero",
    path: async (scratch) => {
      await symlink("/dev/zero", join(scratch, "zero-model.gguf"));
      return join(scratch, "zero-model.gguf");
    },
    says: /is a link to a character device \(\/dev\/zero\), not a model file\. Choose a \.gguf file/,
  },
  {
    // Still what an empty file is.
    name: "an empty file",
    path: async (scratch) => {
      await writeFile(join(scratch, "empty.gguf"), "");
      return join(scratch, "empty.gguf");
    },
    says: /is empty \(0 bytes\): the download or copy did not finish\. Download the model again/,
  },
];

describe("model paths that are operating-system files (real engine)", function () {
  this.timeout(30_000);
  let engine: EngineClient;
  let scratch: string;

  before(async function () {
    this.timeout(60_000);
    if (process.platform !== "linux") this.skip();
    scratch = await mkdtemp(join(tmpdir(), "hearth-system-files-"));
    engine = startEngine();
    await engine.request("loadModel", { role: "completion", modelPath: sharedModelPath("stories260K.gguf"), settings: testLoadSettings });
  });
  after(async () => {
    await engine?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  for (const testCase of CASES) {
    it(`${testCase.name}: says what it is`, async function () {
      if (testCase.available && !testCase.available()) this.skip();
      const path = await testCase.path(scratch);
      const check = (error: EngineRequestError) => {
        assert.equal(error.code, "notGguf", error.message);
        assert.ok(error.message.includes(basename(path)), `names the file: ${error.message}`);
        assert.match(error.message, testCase.says);
        if (testCase.says === KERNEL_FILE) assert.doesNotMatch(error.message, /did not finish/);
        return true;
      };
      await assert.rejects(engine.request("loadModel", { role: "completion", modelPath: path, settings: testLoadSettings }), check);
      await assert.rejects(engine.request("describeModel", { path }), check);
      const status = await engine.request("status", {});
      assert.deepEqual(status.models.map((model) => model.displayName), ["stories260K"], "the previous model still serves");
    });
  }
});
