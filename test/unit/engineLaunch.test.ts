import { strict as assert } from "node:assert";
import { engineLaunch } from "../../src/core/engine/engineLaunch";

describe("engine launch settings", () => {
  it("adds the allocator settings and a small young generation", () => {
    const launch = engineLaunch({ PATH: "/usr/bin" }, true);
    assert.deepEqual(launch.execArgv, ["--max-semi-space-size=1"]);
    assert.deepEqual(launch.env, { UV_THREADPOOL_SIZE: "1", MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "131072", PATH: "/usr/bin", ELECTRON_RUN_AS_NODE: "1" });
  });

  it("keeps the values the user set", () => {
    const launch = engineLaunch({ MALLOC_ARENA_MAX: "8", MALLOC_MMAP_THRESHOLD_: "65536", UV_THREADPOOL_SIZE: "4" }, true);
    assert.equal(launch.env.UV_THREADPOOL_SIZE, "4");
    assert.equal(launch.env.MALLOC_ARENA_MAX, "8");
    assert.equal(launch.env.MALLOC_MMAP_THRESHOLD_, "65536");
  });

  it("leaves Node's and glibc's memory settings without memory tuning, and keeps the one libuv thread", () => {
    const launch = engineLaunch({ PATH: "/usr/bin" }, false);
    assert.deepEqual(launch.execArgv, []);
    assert.deepEqual(launch.env, { UV_THREADPOOL_SIZE: "1", PATH: "/usr/bin", ELECTRON_RUN_AS_NODE: "1" });
  });
});
