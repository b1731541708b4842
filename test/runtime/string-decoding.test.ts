import { type TracerProvider, trace } from "@opentelemetry/api";
import { AlwaysOffSampler, BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BENCH_PARENT, benchRequest, runRequest } from "../../host/cli/bench/cases.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

// The host cuts guest strings longer than maxStringUnits and counts each cut
// (drops["string-truncated"]) where it decodes them. With a limit of 2 code
// units every string of the latency probe is cut, so the count says how many
// strings the host decoded: name + 3 keys + 2 values when the span records.
const EVERY_STRING_CUT = { maxStringUnits: 2, spansPerWindow: 1_000_000 };

async function latencyRun(tracerProvider: TracerProvider, limits: object = EVERY_STRING_CUT) {
  const runtime = unsignedRuntime({ tracerProvider, limits });
  await runtime.load(await probeBytes("examples", "latency"));
  runRequest(runtime, benchRequest("/users/:id"), 200);
  const stats = runtime.stats().latency;
  assert.ok(stats);
  assert.is(stats.failures, 0);
  return stats;
}

test("a recording span has its name, attribute keys and values decoded", async () => {
  const tracing = memoryTracing();
  const stats = await latencyRun(tracing.provider);
  assert.is(stats.drops["string-truncated"], 6);
  const [span] = tracing.spans();
  // Every key is cut to "ht": the last value set wins.
  assert.is(span?.name, "GE");
  assert.equal(span?.attributes, { ht: 200 });
});

test("a span the sampler drops has no attribute key or value decoded, only its name", async () => {
  // The name is decoded: a sampler reads it before the span exists.
  const stats = await latencyRun(new BasicTracerProvider({ sampler: new AlwaysOffSampler() }));
  assert.is(stats.drops["string-truncated"], 1);
  assert.is(stats.spansStarted, 1);
  assert.is(stats.spansEnded, 1);
});

test("with no SDK registered (the API's no-op tracer) no string is decoded, not even the name", async () => {
  // The span is the API's no-op span, made by the host (host/otel/noop-spans.ts): it has no name to read.
  const stats = await latencyRun(trace.getTracerProvider());
  assert.is(stats.drops["string-truncated"] ?? 0, 0);
  assert.is(stats.spansStarted, 1);
  assert.is(stats.spansEnded, 1);
});

test("the attribute quota counts attributes of spans that do not record, as of spans that do", async () => {
  const limits = { attributesPerSpan: 1, spansPerWindow: 1_000_000 };
  const recording = await latencyRun(memoryTracing().provider, limits);
  const unsampled = await latencyRun(new BasicTracerProvider({ sampler: new AlwaysOffSampler() }), limits);
  assert.is(recording.drops["attribute-quota"], 2);
  assert.is(unsampled.drops["attribute-quota"], 2);
});

test("an attribute key outside guest memory traps whether or not the span records", async () => {
  for (const tracerProvider of [memoryTracing().provider, trace.getTracerProvider()]) {
    const runtime = unsignedRuntime({ tracerProvider });
    await runtime.load(await probeBytes("testing", "rewrite"));
    const scope = runtime.begin({ parent: BENCH_PARENT });
    scope.request();
    scope.end();
    assert.is(scope.failures.length, 1);
    assert.is(scope.failures[0]?.error.code, "E_GUEST_MEMORY");
  }
});

test("strings a probe rewrites in place (same address, same length) are exported as they are now", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider });
  await runtime.load(await probeBytes("testing", "rewrite"));
  for (let i = 0; i < 12; i++) {
    const scope = runtime.begin({ parent: BENCH_PARENT });
    scope.response(200);
    scope.end();
    assert.equal(scope.failures, []);
  }
  const got = tracing.spans().map((s) => [s.name, s.attributes]);
  const want = Array.from({ length: 12 }, (_, i) => {
    const d = String((i + 1) % 10);
    return [`rewrite-${d}`, { [`key-${d}`]: `va${d}ue` }];
  });
  assert.equal(got, want);
});

test.run();
