import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/models/paths";

interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: { commandPalette: { command: string; when?: string }[] };
    configuration: { properties: Record<string, unknown> };
  };
}

/** The README the VSIX ships (the extension's page), kept true to what the extension contributes. */
describe("the user README of the VSIX (docs/marketplace/README.md)", () => {
  const root = repoRoot();
  const readme = readFileSync(join(root, "docs", "marketplace", "README.md"), "utf8");
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Manifest;

  it("names every command a user can run from the Command Palette", () => {
    const hidden = new Set(manifest.contributes.menus.commandPalette.filter((entry) => entry.when === "false").map((entry) => entry.command));
    const missing = manifest.contributes.commands
      .filter((command) => !hidden.has(command.command))
      .map((command) => `${command.category ?? "Hearth"}: ${command.title}`)
      .filter((title) => !readme.includes(title));
    assert.deepEqual(missing, []);
  });

  it("documents every setting", () => {
    const missing = Object.keys(manifest.contributes.configuration.properties).filter((key) => !readme.includes(`\`${key}\``));
    assert.deepEqual(missing, []);
  });

  it("is a user's page: install, a model, features, settings, privacy, troubleshooting; no developer set-up", () => {
    for (const section of ["## Install", "## Pick a model", "## Features", "## Settings", "## Privacy", "## Troubleshooting"]) assert.ok(readme.includes(section), section);
    assert.doesNotMatch(readme, /npm (start|test|run)|DESIGN\.md|\.\.\/shared/);
    assert.doesNotMatch(readme, /\]\((?!https?:)[^)]*\)/, "no relative link: the page is shown outside the repository");
  });
});
