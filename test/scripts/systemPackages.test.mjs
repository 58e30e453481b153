// npm start asks before changing the system, and installs only what it needs (scripts/workbench/systemPackages.mjs).
import { strict as assert } from "node:assert";
import { CHROMIUM_PATH } from "../../scripts/workbench/paths.mjs";
import { GSSAPI_HEADER, installDecision, installLine, missingSystemPackages, parseAptSimulation } from "../../scripts/workbench/systemPackages.mjs";

const nothingInstalled = () => false;
const only = (...present) => (file) => present.includes(file);

describe("npm start installs only what it needs, after saying so (scripts/workbench/systemPackages.mjs)", () => {
  it("never needs a browser to serve the workbench: only libkrb5-dev, and only to build code-server", () => {
    assert.deepEqual(missingSystemPackages({ buildCodeServer: true, browser: false, exists: nothingInstalled }).map((item) => item.name), ["libkrb5-dev"]);
    assert.deepEqual(missingSystemPackages({ buildCodeServer: false, browser: false, exists: nothingInstalled }), [], "code-server already built: nothing");
    assert.deepEqual(missingSystemPackages({ buildCodeServer: true, browser: false, exists: only(GSSAPI_HEADER) }), []);
  });

  it("adds chromium for the runners that drive a browser", () => {
    assert.deepEqual(missingSystemPackages({ buildCodeServer: false, browser: true, exists: nothingInstalled }).map((item) => item.name), ["chromium"]);
    assert.deepEqual(missingSystemPackages({ buildCodeServer: false, browser: true, exists: only(CHROMIUM_PATH) }), []);
  });

  it("says in one line what it installs, why, with which command and what apt-get will change", () => {
    const missing = missingSystemPackages({ buildCodeServer: true, browser: false, exists: nothingInstalled });
    const simulation = parseAptSimulation("Reading package lists...\nInst libkrb5-dev ...\n2 upgraded, 7 newly installed, 0 to remove and 40 not upgraded.\n");
    assert.deepEqual(simulation, { upgraded: 2, newlyInstalled: 7 });
    const line = installLine(missing, simulation);
    assert.ok(!line.includes("\n"));
    assert.equal(line, "Needs libkrb5-dev: Kerberos headers, to build code-server's kerberos module once. Installing with: apt-get install -y --no-install-recommends libkrb5-dev (7 new Debian packages, 2 upgraded)");
    assert.equal(parseAptSimulation("E: Unable to locate package"), undefined);
    assert.match(installLine(missing, undefined), /Installing with: apt-get install -y --no-install-recommends libkrb5-dev$/);
  });

  it("asks on a terminal, installs without asking only with --yes or in CI, and never without apt-get or root", () => {
    assert.equal(installDecision({ isRoot: true, hasApt: true, interactive: true, assumeYes: false }), "ask");
    assert.equal(installDecision({ isRoot: true, hasApt: true, interactive: false, assumeYes: false }), "not-confirmed");
    assert.equal(installDecision({ isRoot: true, hasApt: true, interactive: false, assumeYes: true }), "install");
    assert.equal(installDecision({ isRoot: false, hasApt: true, interactive: true, assumeYes: true }), "not-root");
    assert.equal(installDecision({ isRoot: true, hasApt: false, interactive: true, assumeYes: true }), "no-apt");
  });
});
