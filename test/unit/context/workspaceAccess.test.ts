import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContextClient } from "../../../src/context/contextClient";
import type { ContextChunk } from "../../../src/context/contextTypes";
import { workspaceAccess } from "../../../src/context/workspaceAccess";
import { FIXTURES, fixtureWithCursor, startClient, temporaryFolder } from "./harness";

interface PackageJson {
  capabilities: { untrustedWorkspaces: { supported: boolean | "limited"; description?: string; restrictedConfigurations?: string[] } };
  contributes: { configuration: { properties: Record<string, { scope?: string }> } };
}

const packageJson = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "..", "package.json"), "utf8")) as PackageJson;
const BUDGETS = { importSignatureMs: 5000, similarWindowMs: 5000, enclosingHeaderMs: 5000, recentMs: 5000, maxChunksPerSource: 8 };

describe("workspace trust", () => {
  describe("the access decision", () => {
    it("untrusted: no index and no reads of unopened files, whatever the setting", () => {
      for (const indexSetting of [true, false]) {
        assert.deepEqual(workspaceAccess({ trusted: false, indexSetting, folderCount: 2 }), { readUnopenedFiles: false, index: "off-untrusted" });
      }
    });

    it("trusted: indexes unless the setting is off or there is no local folder", () => {
      assert.deepEqual(workspaceAccess({ trusted: true, indexSetting: true, folderCount: 1 }), { readUnopenedFiles: true, index: "index" });
      assert.deepEqual(workspaceAccess({ trusted: true, indexSetting: false, folderCount: 1 }), { readUnopenedFiles: true, index: "off-setting" });
      assert.deepEqual(workspaceAccess({ trusted: true, indexSetting: true, folderCount: 0 }), { readUnopenedFiles: true, index: "off-no-folders" });
    });
  });

  describe("package.json", () => {
    const untrusted = packageJson.capabilities.untrustedWorkspaces;
    const properties = packageJson.contributes.configuration.properties;

    it("declares limited support for untrusted workspaces and says what is limited", () => {
      assert.equal(untrusted.supported, "limited");
      assert.match(untrusted.description ?? "", /trust/i);
    });

    it("restricts the settings that choose files to load or allow the network, and declares them machine-scoped", () => {
      const restricted = untrusted.restrictedConfigurations ?? [];
      for (const key of ["hearth.completion.modelPath", "hearth.chat.modelPath", "hearth.modelFolders", "hearth.engine.loraAdapters", "hearth.network.allowModelDownload"]) {
        assert.ok(restricted.includes(key), `${key} is in restrictedConfigurations`);
      }
      for (const key of ["hearth.completion.modelPath", "hearth.chat.modelPath", "hearth.modelFolders", "hearth.engine.loraAdapters", "hearth.network.allowModelDownload"]) {
        assert.equal(properties[key].scope, "machine", `${key} has scope "machine"`);
      }
      for (const key of restricted) assert.ok(properties[key], `${key} is a contributed setting`);
    });
  });

  describe("the context worker in an untrusted workspace (real worker)", function () {
    this.timeout(30_000);
    let client: ContextClient;
    const storage = temporaryFolder("trust");

    beforeEach(() => { client = startClient(); });
    afterEach(async () => { await client.dispose(); });
    after(() => storage.remove());

    async function importSignatures(): Promise<ContextChunk[]> {
      const cursor = fixtureWithCursor(join("ts", "src/main.ts"));
      await client.openDocument({ uri: cursor.uri, filePath: cursor.filePath, languageId: cursor.languageId, version: 1, text: cursor.text });
      const chunks = await client.gatherForCompletion({ uri: cursor.uri, offset: cursor.offset, window: { startLine: 0, endLine: 1000 } }, BUDGETS);
      client.closeDocument(cursor.uri);
      return chunks.filter((chunk) => chunk.reason === "import-signature");
    }

    it("refuses to index, and reads no imported file the user has not opened", async () => {
      await client.setFileAccess(false);
      await assert.rejects(client.indexFolders({ folders: [join(FIXTURES, "ts")], storageDir: storage.path, excludes: [] }), /not trusted/);
      assert.deepEqual(await importSignatures(), []);
      assert.equal((await client.stats()).indexedFiles, 0);
    });

    it("reads imported files once trust is granted (the same request that found nothing before)", async () => {
      await client.setFileAccess(false);
      assert.deepEqual(await importSignatures(), []);
      await client.setFileAccess(true);
      assert.ok((await importSignatures()).some((chunk) => /class Circle/.test(chunk.text)));
    });

    it("applies the restriction to a worker started after it was set", async () => {
      // No worker runs yet: the client must send the restriction before the first document.
      assert.equal(client.isRunning, false);
      await client.setFileAccess(false);
      assert.deepEqual(await importSignatures(), []);
    });
  });
});
