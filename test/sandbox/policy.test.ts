// The probe-level sandbox: a manifest can lower the host's fuel and memory
// grants but never raise them, the result is deterministic (ahead-of-time
// safe), and fuel statistics report what completed calls used.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  DEFAULT_SANDBOX_POLICY,
  FuelStats,
  fuelExhaustion,
  PROBE_ENTRIES,
  type SandboxPolicy,
  sandboxModule,
} from "../../host/load/index.js";
import { parseModule } from "../../host/wasm/index.js";
import { probeBytes } from "../support/probes.js";
import { instantiateMetered } from "./support/instance.js";

const policy: SandboxPolicy = { ...DEFAULT_SANDBOX_POLICY, fuelPerHook: 50_000, memoryPages: 32 };

test("a manifest can lower fuel and memory below the host's grant, never raise them", async () => {
  const bytes = await probeBytes("hostile", "memory-bomb");
  const low = sandboxModule(bytes, { fuel: 1000, memoryPages: 16 }, policy);
  assert.is(low.fuelPerHook, 1000);
  assert.is(low.memoryPages, 16);
  assert.equal(parseModule(low.bytes).memories[0]?.max, 16);
  const greedy = sandboxModule(bytes, { fuel: 10 ** 12, memoryPages: 60_000 }, policy);
  assert.is(greedy.fuelPerHook, 50_000);
  assert.is(greedy.memoryPages, 32);
  assert.equal(parseModule(greedy.bytes).memories[0]?.max, 32);
  const silent = sandboxModule(bytes, {}, policy);
  assert.is(silent.fuelPerHook, 50_000);
  assert.is(silent.fuelForInit, policy.fuelForInit);
  assert.equal(silent.metering.entries, PROBE_ENTRIES);
});

test("the sandboxed bytes are a pure function of bytes, limits and policy", async () => {
  const bytes = await probeBytes("examples", "latency");
  assert.equal(sandboxModule(bytes, {}, policy).bytes, sandboxModule(bytes.slice(), {}, policy).bytes);
});

test("a policy with a budget the i32 counter cannot hold is refused as a programming error", async () => {
  const bytes = await probeBytes("examples", "latency");
  assert.throws(() => sandboxModule(bytes, {}, { ...policy, fuelPerHook: 2 ** 31 }), RangeError);
  assert.throws(() => sandboxModule(bytes, {}, { ...policy, fuelForInit: -1 }), RangeError);
});

test("fuelExhaustion names fuel traps only", async () => {
  const sandboxed = sandboxModule(await probeBytes("hostile", "infinite-loop"), {}, policy);
  const loaded = await instantiateMetered(sandboxed.bytes);
  try {
    loaded.fn("request")(sandboxed.fuelPerHook);
    assert.unreachable("the loop returned");
  } catch (error) {
    const failure = fuelExhaustion(error, loaded.exports, "infinite-loop", sandboxed.fuelPerHook);
    assert.is(failure?.code, "E_FUEL_EXHAUSTED");
    assert.equal(failure?.detail, { probe: "infinite-loop", budget: 50_000 });
  }
  assert.is(fuelExhaustion(new WebAssembly.RuntimeError("unreachable"), loaded.exports, "x", 1), undefined);
  assert.is(fuelExhaustion(new RangeError("Maximum call stack size exceeded"), loaded.exports, "x", 1), undefined);
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
