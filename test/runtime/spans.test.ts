import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock, type ProbeLogRecord } from "../../host/index.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";

function remoteParent(traceFlags = TraceFlags.SAMPLED) {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags, isRemote: true });
}

async function setup() {
  const tracing = memoryTracing();
  const clock = manualClock({ epochSeconds: 1_700_000_000 });
  const logs: ProbeLogRecord[] = [];
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock, onLog: (r) => logs.push(r) });
  await runtime.load(await probeBytes("testing", "timing"));
  return { tracing, clock, logs, runtime };
}

test("probe spans are children of the incoming remote parent, in its trace", async () => {
  const { tracing, runtime } = await setup();
  const scope = runtime.begin({ parent: remoteParent() });
  scope.request();
  scope.end();
  const [parent] = tracing.byName("timed.parent");
  const [child] = tracing.byName("timed.child");
  assert.ok(parent && child);
  assert.is(parent.spanContext().traceId, TRACE_ID);
  assert.is(parent.parentSpanContext?.spanId, PARENT_ID);
  assert.is(parent.parentSpanContext?.isRemote, true);
  // The child names its parent by handle; the host links it to that span.
  assert.is(child.spanContext().traceId, TRACE_ID);
  assert.is(child.parentSpanContext?.spanId, parent.spanContext().spanId);
});

test("start and end times keep every nanosecond of the monotonic instants", async () => {
  const { tracing, runtime } = await setup();
  const scope = runtime.begin({ parent: remoteParent() });
  scope.request();
  const [parent] = tracing.byName("timed.parent");
  const [child] = tracing.byName("timed.child");
  assert.ok(parent && child);
  // T0 = 5_000_123_456_789 ns after the clock's epoch anchor 1_700_000_000 s.
  assert.equal(parent.startTime, [1_700_005_000, 123_456_789]);
  assert.equal(parent.endTime, [1_700_005_002, 123_456_790]);
  assert.equal(child.startTime, [1_700_005_000, 123_457_789]);
  assert.equal(child.duration, [0, 1_233_567]);
});

test("kind, attributes of every type, events, status and scope reach OpenTelemetry", async () => {
  const { tracing, runtime } = await setup();
  runtime.begin({ parent: remoteParent() }).request();
  const [parent] = tracing.byName("timed.parent");
  const [child] = tracing.byName("timed.child");
  assert.ok(parent && child);
  assert.is(parent.kind, SpanKind.SERVER);
  assert.is(child.kind, SpanKind.CLIENT);
  assert.equal(parent.attributes, { text: "héllo ✓", int: -42, float: 2.5, flag: true });
  assert.equal(
    parent.events.map((e) => e.name),
    ["checkpoint"],
  );
  assert.equal(parent.status, { code: SpanStatusCode.ERROR, message: "bad thing" });
  assert.is(parent.instrumentationScope.name, "timing");
  assert.is(parent.instrumentationScope.version, "0.3.1");
});

test("without a parent, probe spans start a new trace", async () => {
  const { tracing, runtime } = await setup();
  context.with(ROOT_CONTEXT, () => runtime.begin({}).request());
  const [parent] = tracing.byName("timed.parent");
  assert.ok(parent);
  assert.is(parent.parentSpanContext, undefined);
  assert.is(parent.spanContext().traceId.length, 32);
});

test("tracestate and allowed headers reach the probe; headers outside the manifest do not", async () => {
  const { runtime, logs } = await setup();
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: PARENT_ID,
    traceFlags: 1,
    isRemote: true,
    traceState: {
      serialize: () => "vendor=abc",
      get: () => undefined,
      set: (() => {}) as never,
      unset: (() => {}) as never,
    },
  });
  const headers = new Headers({ "User-Agent": "curl/8", authorization: "secret" });
  runtime.begin({ parent, headers }).request();
  const messages = logs.map((l) => l.message);
  assert.ok(messages.includes("tracestate=vendor=abc"), messages.join("|"));
  assert.ok(messages.includes("ua=curl/8"), messages.join("|"));
  assert.ok(messages.includes("auth=<none>"), "a header the manifest does not list must not be readable");
  assert.ok(logs.every((l) => l.traceId === TRACE_ID && l.probe === "timing"));
});

test("spans a probe leaves open are ended by the host and counted", async () => {
  const { tracing, runtime } = await setup();
  const scope = runtime.begin({ parent: remoteParent() });
  scope.response(200);
  assert.is(tracing.byName("left.open").length, 0);
  scope.end();
  const [open] = tracing.byName("left.open");
  assert.ok(open);
  assert.is(open.attributes["sandprobe.span.unended"], true);
  assert.is(runtime.stats().timing?.spansUnended, 1);
});

test.run();
