import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SamplingDecision, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/index.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes, seededBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function parentFor(traceId: string, traceFlags = 0) {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: "00f067aa0ba902b7", traceFlags, isRemote: true });
}

test("sampler probe agrees with OpenTelemetry's TraceIdRatioBasedSampler(0.25) on every trace id", async () => {
  const runtime = unsignedRuntime({ clock: manualClock() });
  await runtime.load(await probeBytes("examples", "sampler"));
  const reference = new TraceIdRatioBasedSampler(0.25);
  let kept = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const traceId = hex(seededBytes(seed, 16));
    const scope = runtime.begin({ route: "/users/:id", parent: parentFor(traceId) });
    scope.request();
    assert.is(scope.failures.length, 0, scope.failures[0]?.error.message);
    const expected = reference.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
    assert.is(scope.sampled, expected, `trace ${traceId}`);
    if (expected) kept++;
  }
  // A quarter, give or take: the hash spreads.
  assert.ok(kept > 400 && kept < 600, `kept ${kept} of 2000`);
});

test("sampler probe keeps every trace on a critical path, even one the caller did not sample", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
  await runtime.load(await probeBytes("examples", "sampler"));
  for (let seed = 1; seed <= 200; seed++) {
    const scope = runtime.begin({ route: "/checkout", parent: parentFor(hex(seededBytes(seed, 16)), 0) });
    scope.request();
    assert.is(scope.sampled, true);
  }
  // The decision flips the sampled flag, so the SDK's parent-based sampler records the probe's span.
  assert.is(tracing.byName("sampling.decision").length, 200);
  assert.ok(tracing.byName("sampling.decision").every((s) => s.attributes["sampling.critical_path"] === true));
});

test("a drop decision keeps the other probes' spans out of the export", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
  await runtime.replaceAll([await probeBytes("examples", "sampler"), await probeBytes("examples", "latency")]);
  let dropped = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const scope = runtime.begin({
      method: "GET",
      route: "/users/:id",
      parent: parentFor(hex(seededBytes(seed, 16)), 1),
    });
    scope.request();
    scope.response(200);
    scope.end();
    if (scope.sampled === false) dropped++;
  }
  assert.ok(dropped > 50);
  assert.is(tracing.byName("GET /users/:id").length, 100 - dropped);
});

test("latency probe: one span per request from arrival to response, with HTTP semantic conventions", async () => {
  const tracing = memoryTracing();
  const clock = manualClock();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock });
  await runtime.load(await probeBytes("examples", "latency"));
  const scope = runtime.begin({
    method: "POST",
    route: "/users/:id",
    receivedAtNs: clock.nowNs(),
    parent: parentFor("4bf92f3577b34da6a3ce929d0e0e4736", 1),
  });
  scope.request();
  clock.advance(12_345_678);
  scope.response(503);
  const [span] = tracing.spans();
  assert.ok(span);
  assert.is(span.name, "POST /users/:id");
  assert.is(span.kind, SpanKind.INTERNAL);
  assert.equal(span.duration, [0, 12_345_678]);
  assert.equal(span.attributes, {
    "http.request.method": "POST",
    "http.route": "/users/:id",
    "http.response.status_code": 503,
  });
  assert.is(span.status.code, SpanStatusCode.ERROR);
});

test("slow-detector probe marks slow and failed requests only", async () => {
  const tracing = memoryTracing();
  const clock = manualClock();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock });
  await runtime.load(await probeBytes("examples", "slow-detector"));
  const run = (durationNs: number, status: number) => {
    const scope = runtime.begin({ route: "/r", parent: parentFor("4bf92f3577b34da6a3ce929d0e0e4736", 1) });
    clock.advance(durationNs);
    scope.response(status);
    scope.end();
  };
  run(10_000_000, 200); // fast and fine: no span
  run(300_000_000, 200); // slow
  run(1_000_000, 502); // failed
  const spans = tracing.byName("request.anomaly");
  assert.is(spans.length, 2);
  assert.equal(
    spans[0]?.events.map((e) => e.name),
    ["slow_request"],
  );
  assert.is(spans[0]?.attributes["sandprobe.slow"], true);
  assert.is(spans[0]?.attributes["http.server.request.duration"], 0.3);
  assert.equal(
    spans[1]?.events.map((e) => e.name),
    ["server_error"],
  );
  assert.ok(spans.every((s) => s.status.code === SpanStatusCode.ERROR));
});

test.run();
