// The probe-level sandbox: a manifest can lower the host's fuel and memory
// grants but never raise them, the result is deterministic (ahead-of-time
// safe), and fuel statistics report what completed calls used.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { admitProbe, CALL_DEPTH_LIMIT, sandboxModule } from "../../host/load/index.js";
import { meteredFailure } from "../../host/runtime/failure.js";
import { FuelStats } from "../../host/runtime/fuel-stats.js";
import { parseModule } from "../../host/wasm/index.js";
import { DEFAULT_LIMITS, type HostLimits, hostLimits, probeLimits } from "../../host/world/limits.js";
import { PROBE_ENTRIES } from "../../host/world/names.js";
import { errorCodeOf } from "../support/errors.js";
import { probeBytes } from "../support/probes.js";
import { instantiateMetered } from "./support/instance.js";

const policy: HostLimits = { ...DEFAULT_LIMITS, fuelPerHook: 50_000, memoryPages: 32 };

/** The probe's limits (the host's lowered by `requested`) and its sandboxed module under them. */
function sandboxed(bytes: Uint8Array, requested: { fuel?: number; memoryPages?: number }, host = policy) {
  const limits = probeLimits(host, requested);
  return { ...limits, ...sandboxModule(admitProbe(bytes).module, limits) };
}

test("a manifest can lower fuel and memory below the host's grant, never raise them", async () => {
  const bytes = await probeBytes("hostile", "memory-bomb");
  const low = sandboxed(bytes, { fuel: 1000, memoryPages: 16 });
  assert.is(low.fuelPerHook, 1000);
  assert.is(low.memoryPages, 16);
  assert.equal(parseModule(low.bytes).memories[0]?.max, 16);
  const greedy = sandboxed(bytes, { fuel: 10 ** 12, memoryPages: 60_000 });
  assert.is(greedy.fuelPerHook, 50_000);
  assert.is(greedy.memoryPages, 32);
  assert.equal(parseModule(greedy.bytes).memories[0]?.max, 32);
  const silent = sandboxed(bytes, {});
  assert.is(silent.fuelPerHook, 50_000);
  assert.is(silent.fuelForInit, policy.fuelForInit);
  // Every entry the probe exports is metered (it has no post-return functions).
  const exported = new Set(parseModule(bytes).exports.map((e) => e.name));
  assert.equal(
    silent.metering.entries,
    PROBE_ENTRIES.filter((name) => exported.has(name)),
  );
  assert.ok(silent.metering.entries.includes("request"));
});

test("the sandboxed bytes are a pure function of bytes, limits and policy", async () => {
  const bytes = await probeBytes("examples", "latency");
  assert.equal(sandboxed(bytes, {}).bytes, sandboxed(bytes.slice(), {}).bytes);
});

test("host limits with a budget the i32 counter cannot hold are refused: E_LIMITS", () => {
  assert.is(
    errorCodeOf(() => hostLimits({ fuelPerHook: 2 ** 31 })),
    "E_LIMITS",
  );
  assert.is(
    errorCodeOf(() => hostLimits({ fuelForInit: -1 })),
    "E_LIMITS",
  );
  assert.is(
    errorCodeOf(() => hostLimits({ quarantineAfter: 0 })),
    "E_LIMITS",
  );
  assert.is(
    errorCodeOf(() => hostLimits({ fuelPerhook: 1 } as never)),
    "E_LIMITS",
    "a misspelt limit is not silently ignored",
  );
});

test("meteredFailure names fuel and call depth traps only", async () => {
  const loop = sandboxed(await probeBytes("hostile", "infinite-loop"), {});
  const loaded = await instantiateMetered(loop.bytes);
  try {
    loaded.fn("request")(loop.fuelPerHook);
    assert.unreachable("the loop returned");
  } catch (error) {
    const failure = meteredFailure(error, loaded.exports, "infinite-loop", loop.fuelPerHook);
    assert.is(failure?.code, "E_FUEL_EXHAUSTED");
    assert.equal(failure?.detail, { probe: "infinite-loop", budget: 50_000 });
  }
  const recursion = sandboxed(await probeBytes("hostile", "deep-recursion"), {});
  const deep = await instantiateMetered(recursion.bytes);
  try {
    deep.fn("request")(2_000_000_000);
    assert.unreachable("the recursion returned");
  } catch (error) {
    const failure = meteredFailure(error, deep.exports, "deep-recursion", 2_000_000_000);
    assert.is(failure?.code, "E_PROBE_TRAP");
    assert.equal(failure?.detail, {
      probe: "deep-recursion",
      trap: "stack overflow",
      callDepthLimit: CALL_DEPTH_LIMIT,
    });
  }
  assert.is(meteredFailure(new WebAssembly.RuntimeError("unreachable"), loaded.exports, "x", 1), undefined);
  assert.is(meteredFailure(new RangeError("Maximum call stack size exceeded"), loaded.exports, "x", 1), undefined);
});

test("fuel statistics: percentiles over recent calls, totals over all", () => {
  const stats = new FuelStats();
  assert.equal(stats.snapshot(), { calls: 0, total: 0, p50: 0, p99: 0, max: 0 });
  for (let i = 1; i <= 100; i++) stats.record(i);
  assert.equal(stats.snapshot(), { calls: 100, total: 5050, p50: 50, p99: 99, max: 100 });
  // Only the last 1024 calls count for percentiles.
  for (let i = 0; i < 1024; i++) stats.record(7);
  const later = stats.snapshot();
  assert.is(later.p50, 7);
  assert.is(later.p99, 7);
  assert.is(later.max, 100);
  assert.is(later.calls, 1124);
});

test.run();
