// Test-only extension (never shipped): VS Code removes NODE_OPTIONS from the extension host's
// environment, so the workbench runs install this to load the network guard there. It loads at
// "*" (before Hearth's onStartupFinished) and puts the guard back into NODE_OPTIONS, so the
// engine and any other process started from the extension host load it too.
"use strict";
const guard = process.env.HEARTH_NETWORK_GUARD_PATH;
if (guard) {
  require(guard);
  const option = `--require ${JSON.stringify(guard)}`;
  if (!(process.env.NODE_OPTIONS ?? "").includes(guard)) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} ${option}`.trim();
}
exports.activate = () => {};
exports.deactivate = () => {};
