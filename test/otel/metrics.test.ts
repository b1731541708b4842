// Probe metrics go through @opentelemetry/api metrics with the probe as the
// meter's scope, and a probe cannot create unbounded attribute sets: past
// its series budget, calls are dropped and counted, as are invalid names
// and values. The budget survives a reload of the instance.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTelemetry } from "../../host/telemetry/setup.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

async function run(requests: number, series: number) {
  const telemetry = await createTelemetry({ export: "memory" });
  // 52 metric calls with string building per request: ~350 000 fuel, more on a
  // garbage-collection spike than the 1 ms default gives; fuel is not what this tests.
  const limits = { metricSeriesPerProbe: series, fuelPerHook: 10_000_000 };
  const runtime = unsignedRuntime({ ...telemetry.runtimeOptions, limits });
  await runtime.load(await probeBytes("testing", "cardinality"));
  for (let i = 0; i < requests; i++) {
    const scope = runtime.begin({ headers: new Headers({ "x-user": `user${i}` }) });
    scope.request();
    scope.end();
    assert.equal(scope.failures, []);
  }
  await telemetry.meterProvider.forceFlush();
  const exported = telemetry.memory!.metrics.getMetrics();
  const latest = exported[exported.length - 1]!;
  const probe = latest.scopeMetrics.find((s) => s.scope.name === "cardinality");
  return { runtime, telemetry, probe };
}

test("the series budget caps distinct attribute sets; the rest is dropped and counted", async () => {
  const { runtime, telemetry, probe } = await run(4, 20);
  assert.ok(probe, "the probe's meter exported");
  assert.is(probe!.scope.version, "1.0.0");
  const requests = probe!.metrics.find((m) => m.descriptor.name === "probe.requests")!;
  // 19 user series opened by the first request, plus the no-attribute series: 20 in all.
  assert.is(requests.dataPoints.length, 20);
  const plain = requests.dataPoints.find((p) => Object.keys(p.attributes).length === 0);
  assert.is(plain?.value, 4, "the series that exist keep counting");
  const stats = runtime.stats().cardinality!;
  // Per request 51 adds: request 1 opens 19 + 1 and drops 31; later requests drop all 50 user adds.
  assert.is(stats.drops["metric-cardinality"], 31 + 3 * 50);
  // Per request: a bad name, a negative counter increment and a NaN histogram value.
  assert.is(stats.drops["metric-invalid"], 4 * 3);
  assert.ok(!probe!.metrics.some((m) => ["9bad name", "probe.negative", "probe.nan"].includes(m.descriptor.name)));
  await telemetry.shutdown();
});

test("with room to spare every series is recorded once per request", async () => {
  const { runtime, telemetry, probe } = await run(2, 1000);
  const requests = probe!.metrics.find((m) => m.descriptor.name === "probe.requests")!;
  assert.is(requests.dataPoints.length, 2 * 50 + 1);
  assert.is(runtime.stats().cardinality!.drops["metric-cardinality"], undefined);
  await telemetry.shutdown();
});

test.run();
