import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { OFFLINE_HELP } from "../../src/core/models/offlineHelp";

/** What package.json contributes, as far as these checks read it. */
interface Contributions {
  commands: Array<{ command: string; title: string; category?: string }>;
  menus: Record<string, Array<{ command: string; when?: string }>>;
  walkthroughs: Array<{ steps: Array<{ id: string; title: string; description: string; completionEvents?: string[]; media: { markdown?: string } }> }>;
}

const repoRoot = join(__dirname, "..", "..", "..");
const contributes = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { contributes: Contributions }).contributes;
const title = (id: string) => contributes.commands.find((command) => command.command === id);

/** Symbols and emoji blocks that UI fonts often lack (⏸ rendered as an empty box in the walkthrough). */
const MISSING_GLYPHS = /[\u2300-\u23ff\u2600-\u27bf\u{1f000}-\u{1faff}]/u;

describe("package.json contributions", () => {
  it("every item Hearth adds to the editor context menu says it is Hearth's", () => {
    const items = contributes.menus["editor/context"] ?? [];
    assert.ok(items.length > 0);
    for (const item of items) {
      const command = title(item.command);
      assert.ok(command, `${item.command} is not a contributed command`);
      // Context menus show the title without the category.
      assert.match(command.title, /Hearth/, `context menu item "${command.title}" does not say it is Hearth's`);
    }
  });

  it("palette entries do not depend on the editor having focus (the palette has it while it is open)", () => {
    for (const item of contributes.menus["commandPalette"] ?? []) {
      assert.doesNotMatch(item.when ?? "", /\beditor(Text)?Focus\b/, `${item.command} is hidden from the palette by "${item.when}"`);
    }
    const trigger = (contributes.menus["commandPalette"] ?? []).find((item) => item.command === "hearth.triggerCompletion");
    assert.equal(title("hearth.triggerCompletion")?.title, "Suggest Completion (Alternatives)");
    assert.notEqual(trigger?.when, "false");
  });

  it("the walkthrough's model step completes when a model is chosen, and says where machine settings are", () => {
    const step = contributes.walkthroughs[0]?.steps.find((candidate) => candidate.id === "chooseModel");
    assert.ok(step);
    assert.ok(step.completionEvents?.includes("onContext:hearth.walkthrough.modelChosen"), JSON.stringify(step.completionEvents));
    assert.match(step.description, /Remote\*\* tab/);
    assert.match(step.description, /command:hearth\.openSettings/);
  });

  it("the walkthrough uses no glyphs that render as empty boxes", () => {
    const texts = contributes.walkthroughs.flatMap((walkthrough) => walkthrough.steps.flatMap((step) => [step.title, step.description]));
    const mediaDir = join(repoRoot, "media", "walkthrough");
    for (const name of readdirSync(mediaDir)) texts.push(readFileSync(join(mediaDir, name), "utf8"));
    for (const text of texts) assert.doesNotMatch(text, MISSING_GLYPHS, JSON.stringify(MISSING_GLYPHS.exec(text)?.[0]));
  });

  it("the download-off dialog is plain text: no Markdown backticks or emphasis", () => {
    for (const text of [OFFLINE_HELP.message, OFFLINE_HELP.detail]) {
      assert.doesNotMatch(text, /[`*]|\*\*/);
    }
    assert.match(OFFLINE_HELP.detail, /ollama pull qwen2\.5-coder:1\.5b/);
    assert.match(OFFLINE_HELP.detail, /hearth\.network\.allowModelDownload/);
  });
});
