// The hostile probes that attack the host through its imports and its
// verifier (span flood, a 10 MB attribute, log flood, socket and unknown
// imports, a trap on every second call), each loaded beside the well-behaved
// example probe `latency`: each test names the exact error or drop expected,
// checks that the host keeps serving, and that `latency` loses no span.
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/clock/clock.js";
import { isSandprobeError } from "../../host/errors.js";
import type { ProbeRuntime } from "../../host/runtime/runtime.js";
import type { HostLimits } from "../../host/world/limits.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: 1,
  isRemote: true,
});

/** The span `latency` emits for each request served by `serve`. */
const LATENCY_SPAN = "GET /hostile";

async function runtimeWith(hostile: string, limits: Partial<HostLimits> = {}) {
  const tracing = memoryTracing();
  const clock = manualClock();
  const logs: string[] = [];
  const runtime = unsignedRuntime({
    tracerProvider: tracing.provider,
    clock,
    limits,
    onLog: (record) => logs.push(record.message),
  });
  await runtime.replaceAll([await probeBytes("hostile", hostile), await probeBytes("examples", "latency")]);
  return { runtime, tracing, clock, logs };
}

/** One request through both hooks; returns the failures (never throws). */
function serve(runtime: ProbeRuntime): string[] {
  const scope = runtime.begin({ parent, method: "GET", route: "/hostile" });
  scope.request();
  scope.response(200);
  scope.end();
  return scope.failures.map((f) => `${f.probe}.${f.hook}: ${f.error.code}`);
}

/**
 * The quota tests need every one of the flood's attempts to reach the host:
 * more fuel than the 1 ms default, which stops a flood early (see the
 * default-budget test below).
 */
const FLOOD_FUEL = { fuelPerHook: 10_000_000 };

function latencyIsWhole(tracing: ReturnType<typeof memoryTracing>, requests: number, stats: ProbeRuntime["stats"]) {
  assert.is(tracing.byName(LATENCY_SPAN).length, requests, "one latency span per request");
  const latency = stats().latency;
  assert.ok(latency);
  assert.is(latency.invocations, requests);
  assert.is(latency.failures, 0);
  assert.equal(latency.drops, {});
}

test("span flood: 32 of 5000 spans kept per call, exactly 4968 span-quota drops per call", async () => {
  const { runtime, tracing } = await runtimeWith("span-flood", FLOOD_FUEL);
  const REQUESTS = 10;
  for (let i = 0; i < REQUESTS; i++) assert.equal(serve(runtime), []);
  const stats = runtime.stats()["span-flood"];
  assert.ok(stats);
  assert.is(stats.spansStarted, 32 * REQUESTS);
  assert.is(stats.spansEnded, 32 * REQUESTS);
  assert.is(stats.drops["span-quota"], 4968 * REQUESTS);
  // Each refused start returned handle 0, and ending handle 0 is counted too.
  assert.is(stats.drops["invalid-handle"], 4968 * REQUESTS);
  assert.is(tracing.byName("flood").length, 32 * REQUESTS, "only the kept spans reach the exporter");
  // The ledger agrees: every attempt emitted, the refused ones dropped as quota.
  const account = runtime.ledger.snapshot()["span-flood"]?.spans;
  assert.is(account?.emitted, 5000 * REQUESTS);
  assert.is(account?.dropped.quota, 4968 * REQUESTS);
  latencyIsWhole(tracing, REQUESTS, () => runtime.stats());
});

test("span flood across calls: spansPerWindow caps the probe (span-rate), the window reopens after quotaWindowNs", async () => {
  const { runtime, tracing, clock } = await runtimeWith("span-flood", {
    ...FLOOD_FUEL,
    spansPerWindow: 100,
    quotaWindowNs: 1_000_000_000,
  });
  for (let i = 0; i < 3; i++) serve(runtime); // 96 spans
  serve(runtime); // 4 more, then the window is shut for the 4996 other attempts of this call
  serve(runtime); // same window: all 5000 refused
  let stats = runtime.stats()["span-flood"];
  assert.is(stats?.spansStarted, 100);
  assert.is(stats?.drops["span-rate"], 4996 + 5000);
  assert.is(stats?.drops["span-quota"], 3 * 4968);
  clock.advance(1_000_000_000);
  serve(runtime); // a new window: the per-invocation quota applies again
  stats = runtime.stats()["span-flood"];
  assert.is(stats?.spansStarted, 132);
  assert.is(stats?.drops["span-rate"], 4996 + 5000);
  assert.is(stats?.drops["span-quota"], 4 * 4968);
  assert.is(tracing.byName("flood").length, 132);
  latencyIsWhole(tracing, 6, () => runtime.stats());
});

test("a 10 MB attribute: building it exhausts the default fuel (E_FUEL_EXHAUSTED); with fuel enough it is cut to maxStringUnits", async () => {
  // Designed behaviour 1: "x".repeat(5 Mi) copies 2 bytes per step, ~5 Mi
  // metered loop iterations, far more than the default fuel per hook (1 ms).
  const metered = await runtimeWith("huge-attribute", { quarantineAfter: 1000, quarantineAfterExhaustion: 1000 });
  for (let i = 0; i < 3; i++) assert.equal(serve(metered.runtime), ["huge-attribute.request: E_FUEL_EXHAUSTED"]);
  assert.is(metered.runtime.stats()["huge-attribute"]?.errors.E_FUEL_EXHAUSTED, 3);
  assert.is(metered.tracing.byName("huge.attribute").length, 0);
  latencyIsWhole(metered.tracing, 3, () => metered.runtime.stats());

  // Designed behaviour 2: with fuel to build it, the host reads only
  // maxStringUnits (4096) code units of it, counts string-truncated, and the
  // exported span carries the cut value.
  const generous = await runtimeWith("huge-attribute", { fuelPerHook: 500_000_000 });
  for (let i = 0; i < 2; i++) assert.equal(serve(generous.runtime), []);
  const stats = generous.runtime.stats()["huge-attribute"];
  assert.is(stats?.drops["string-truncated"], 2);
  const spans = generous.tracing.byName("huge.attribute");
  assert.is(spans.length, 2);
  for (const span of spans) {
    assert.is((span.attributes.payload as string).length, 4096);
    assert.is(span.attributes["payload.length"], 5 * 1024 * 1024);
  }
  latencyIsWhole(generous.tracing, 2, () => generous.runtime.stats());
});

test("log flood: 40 of 10 000 lines kept per call (4096 units), exactly 9960 log-quota drops per call", async () => {
  const { runtime, tracing, logs } = await runtimeWith("log-flood", FLOOD_FUEL);
  const REQUESTS = 5;
  for (let i = 0; i < REQUESTS; i++) assert.equal(serve(runtime), []);
  const stats = runtime.stats()["log-flood"];
  assert.is(stats?.drops["log-quota"], 9960 * REQUESTS);
  assert.is(logs.length, 40 * REQUESTS);
  assert.ok(logs.every((line) => line.length === 100));
  latencyIsWhole(tracing, REQUESTS, () => runtime.stats());
});

test("log flood across calls: logUnitsPerWindow caps the probe (log-rate), the window reopens after quotaWindowNs", async () => {
  const { runtime, tracing, logs, clock } = await runtimeWith("log-flood", {
    ...FLOOD_FUEL,
    logUnitsPerWindow: 10_000,
  });
  serve(runtime); // 40 lines (4000 units)
  serve(runtime); // 40 more (8000)
  serve(runtime); // 20 more (10 000), then shut: 9980 log-rate
  assert.is(logs.length, 100);
  let stats = runtime.stats()["log-flood"];
  assert.is(stats?.drops["log-rate"], 9980);
  assert.is(stats?.drops["log-quota"], 2 * 9960);
  clock.advance(1_000_000_000);
  serve(runtime);
  stats = runtime.stats()["log-flood"];
  assert.is(logs.length, 140);
  assert.is(stats?.drops["log-rate"], 9980);
  assert.is(stats?.drops["log-quota"], 3 * 9960);
  latencyIsWhole(tracing, 4, () => runtime.stats());
});

for (const [probe, imported] of [
  ["sock-accept", "wasi_snapshot_preview1.sock_accept"],
  ["sock-send", "wasi_snapshot_preview1.sock_send"],
  ["unknown-module", "evil.exfiltrate"],
] as const) {
  test(`${probe}: refused with E_IMPORT_NOT_ALLOWED naming ${imported}; the loaded probes serve on`, async () => {
    const tracing = memoryTracing();
    const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
    await runtime.load(await probeBytes("examples", "latency"));
    try {
      await runtime.load(await probeBytes("hostile", probe));
      assert.unreachable(`${imported} was accepted`);
    } catch (error) {
      assert.ok(isSandprobeError(error, "E_IMPORT_NOT_ALLOWED"), String(error));
      assert.is(error.detail.import, imported);
      assert.match(error.message, imported);
    }
    // Nor is it accepted in a set: the whole replacement is refused, the old set stays.
    try {
      await runtime.replaceAll([await probeBytes("examples", "latency"), await probeBytes("hostile", probe)]);
      assert.unreachable(`${imported} was accepted in a set`);
    } catch (error) {
      assert.ok(isSandprobeError(error, "E_IMPORT_NOT_ALLOWED"), String(error));
    }
    assert.equal(
      runtime.probes().map((p) => p.name),
      ["latency"],
    );
    for (let i = 0; i < 3; i++) assert.equal(serve(runtime), []);
    latencyIsWhole(tracing, 3, () => runtime.stats());
  });
}

test("trap on every second call: E_PROBE_TRAP on calls 2, 4, 6...; never two in a row, so never quarantined", async () => {
  const { runtime, tracing } = await runtimeWith("trap-every-second", { quarantineAfter: 2 });
  const REQUESTS = 100;
  for (let i = 1; i <= REQUESTS; i++)
    assert.equal(serve(runtime), i % 2 === 0 ? ["trap-every-second.request: E_PROBE_TRAP"] : []);
  const stats = runtime.stats()["trap-every-second"];
  assert.ok(stats);
  assert.is(stats.invocations, REQUESTS);
  assert.is(stats.failures, REQUESTS / 2);
  assert.equal(stats.errors, { E_PROBE_TRAP: REQUESTS / 2 });
  assert.is(stats.quarantines, 0);
  // Every trap discards the instance; the next call runs on a fresh one.
  assert.is(stats.reinstantiations, REQUESTS / 2 - 1);
  assert.is(stats.fuel.calls, REQUESTS / 2, "fuel is recorded for the calls that completed");
  assert.is(tracing.byName("second.ok").length, REQUESTS / 2);
  latencyIsWhole(tracing, REQUESTS, () => runtime.stats());
});

test("runtime.stats() exposes what issue 7 asks: invocations, fuel p50/p99, errors by code, drops by reason, quarantines", async () => {
  const { runtime } = await runtimeWith("trap-every-second", { quarantineAfter: 1 });
  serve(runtime);
  serve(runtime); // traps: quarantined (quarantineAfter 1)
  const stats = runtime.stats()["trap-every-second"];
  assert.ok(stats);
  assert.is(stats.invocations, 2);
  assert.ok(stats.fuel.p50 > 0 && stats.fuel.p99 >= stats.fuel.p50);
  assert.equal(stats.errors, { E_PROBE_TRAP: 1 });
  assert.equal(stats.drops, {});
  assert.is(stats.quarantines, 1);
  assert.is(runtime.probes().find((p) => p.name === "trap-every-second")?.quarantined, true);
});

test.run();
