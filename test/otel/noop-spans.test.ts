// With no SDK registered the host makes the API's no-op spans itself
// (host/otel/noop-spans.ts) by the OpenTelemetry specification's rule, without
// NoopTracer's regular expressions: the parent's own non-recording span as it
// is, the invalid span without a parent, never a touch on the application's
// span; whatever a span started under it later sees (an SDK registered in the
// meantime) must be what it sees under NoopTracer's span, hostile parents
// included; and a provider registered later must take over at the next span.
import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { AlwaysOnSampler, BasicTracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { benchRequest, runRequest } from "../../host/cli/bench/cases.js";
import { performanceClock } from "../../host/clock/clock.js";
import { isUnregistered, noopSpan } from "../../host/otel/noop-spans.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

function withContext(context: Partial<SpanContext> | Record<string, unknown>) {
  return trace.setSpanContext(ROOT_CONTEXT, context as SpanContext);
}

/** Parents NoopTracer accepts or refuses: its rule is /^[0-9a-f]{32}$/i and /^[0-9a-f]{16}$/i, not all zeros. */
const PARENTS: [string, ReturnType<typeof withContext>][] = [
  ["valid", withContext({ traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true })],
  ["upper-case hex", withContext({ traceId: TRACE.toUpperCase(), spanId: SPAN.toUpperCase(), traceFlags: 0 })],
  [
    "mixed case",
    withContext({ traceId: "4BF92f3577b34da6a3ce929d0e0e4736", spanId: "00F067aa0ba902b7", traceFlags: 1 }),
  ],
  ["all-zero trace id", withContext({ traceId: "0".repeat(32), spanId: SPAN, traceFlags: 1 })],
  ["all-zero span id", withContext({ traceId: TRACE, spanId: "0".repeat(16), traceFlags: 1, isRemote: true })],
  ["trace id one digit short", withContext({ traceId: TRACE.slice(1), spanId: SPAN, traceFlags: 1 })],
  ["trace id one digit long", withContext({ traceId: `${TRACE}0`, spanId: SPAN, traceFlags: 1 })],
  ["span id one digit long", withContext({ traceId: TRACE, spanId: `${SPAN}a`, traceFlags: 1 })],
  ["a 'g' in the trace id", withContext({ traceId: `g${TRACE.slice(1)}`, spanId: SPAN, traceFlags: 1 })],
  // U+0010..U+0019 become digits when OR-ed with 0x20: a lazy case fold would accept them.
  ["a control character", withContext({ traceId: `\u0010${TRACE.slice(1)}`, spanId: SPAN, traceFlags: 1 })],
  ["'@' (just below 'A')", withContext({ traceId: TRACE, spanId: `@${SPAN.slice(1)}`, traceFlags: 1 })],
  ["'G' (just above 'F')", withContext({ traceId: TRACE, spanId: `G${SPAN.slice(1)}`, traceFlags: 1 })],
  ["a trailing newline", withContext({ traceId: `${TRACE.slice(1)}\n`, spanId: SPAN, traceFlags: 1 })],
  ["a trace id that is not a string", withContext({ traceId: 42, spanId: SPAN, traceFlags: 1 })],
  ["a span id that is not a string", withContext({ traceId: TRACE, spanId: 7, traceFlags: 1 })],
  ["no trace flags", withContext({ traceId: TRACE, spanId: SPAN })],
  ["trace flags not a number", withContext({ traceId: TRACE, spanId: SPAN, traceFlags: "1" })],
];

/** The API's NoopTracer: what a proxy with nothing behind it hands out. */
const noopTracer = () => new ProxyTracerProvider().getTracer("reference");

test("a parent that is the API's non-recording span is the span itself (the specification's SHOULD)", () => {
  let itself = 0;
  for (const [label, parent] of PARENTS) {
    const span = noopSpan(parent);
    assert.is(span.isRecording(), false, label);
    // Field types NoopTracer refuses give the invalid span, as NoopTracer does.
    const context = trace.getSpanContext(parent) as unknown as Record<string, unknown>;
    const typed =
      typeof context.traceId === "string" &&
      typeof context.spanId === "string" &&
      typeof context.traceFlags === "number";
    if (typed) {
      assert.is(span, trace.getSpan(parent), label);
      itself++;
    } else assert.equal(span.spanContext(), INVALID_SPAN_CONTEXT, label);
  }
  assert.is(itself, PARENTS.length - 4);
});

test("no parent span gives the all-zero, unsampled span context (the specification's MUST)", () => {
  for (const parent of [ROOT_CONTEXT, ROOT_CONTEXT.setValue(Symbol("unrelated"), 1)]) {
    const span = noopSpan(parent);
    assert.equal(span.spanContext(), INVALID_SPAN_CONTEXT);
    assert.is(span.isRecording(), false);
    assert.equal(span.spanContext(), noopTracer().startSpan("x", {}, parent).spanContext());
  }
});

test("a recording parent gives a new non-recording span with its context, and the parent is left alone", () => {
  // An application's SDK span under a provider it did not register globally.
  const tracing = memoryTracing();
  const appSpan = tracing.provider.getTracer("app").startSpan("app");
  const parent = trace.setSpan(ROOT_CONTEXT, appSpan);
  const span = noopSpan(parent);
  assert.is.not(span, appSpan);
  assert.is(span.isRecording(), false);
  assert.is(span.spanContext(), appSpan.spanContext());
  // What the probe does with its span never reaches the application's.
  span.setAttribute("probe", true);
  span.end();
  assert.ok(appSpan.isRecording(), "the application's span is not ended");
  appSpan.end();
  assert.equal(tracing.spans()[0]?.attributes, {});
  assert.equal(span.spanContext(), noopTracer().startSpan("x", {}, parent).spanContext());
});

test("a broken parent span (its context null or not an object) gives the invalid span, where NoopTracer throws on null", () => {
  for (const value of [null, 7, "x"]) {
    const parent = trace.setSpan(ROOT_CONTEXT, { spanContext: () => value } as unknown as Span);
    assert.equal(noopSpan(parent).spanContext(), INVALID_SPAN_CONTEXT, String(value));
  }
  const parent = trace.setSpan(ROOT_CONTEXT, { spanContext: () => null } as unknown as Span);
  assert.throws(() => noopTracer().startSpan("x", {}, parent));
});

test("a span started under the host's no-op span sees what it sees under NoopTracer's, for every parent", () => {
  // Where NoopTracer replaces a refused context with the invalid one, the host keeps the parent's: the
  // difference can only reach a span started under it, and an SDK checks every parent itself.
  const parentBased = memoryTracing().provider.getTracer("later");
  const alwaysOn = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer("later");
  let children = 0;
  for (const sdk of [parentBased, alwaysOn]) {
    for (const [label, parent] of [...PARENTS, ["no span at all", ROOT_CONTEXT] as const]) {
      const under = (span: Span) =>
        sdk.startSpan("child", {}, trace.setSpan(ROOT_CONTEXT, span)) as unknown as ReadableSpan;
      const ours = under(noopSpan(parent));
      const theirs = under(noopTracer().startSpan("x", {}, parent));
      assert.equal(ours.parentSpanContext, theirs.parentSpanContext, label);
      const keepsTrace = (s: ReadableSpan) => s.spanContext().traceId === trace.getSpanContext(parent)?.traceId;
      assert.is(keepsTrace(ours), keepsTrace(theirs), label);
      assert.is(ours.spanContext().traceFlags, theirs.spanContext().traceFlags, label);
      assert.is(ours.spanContext().traceState, theirs.spanContext().traceState, label);
      if (sdk === alwaysOn && ours.parentSpanContext !== undefined) children++;
    }
  }
  // The battery holds both kinds: three parents an SDK takes, the rest it refuses.
  assert.is(children, 3);
});

test("a provider counts as unregistered only while it is the API's proxy with nothing behind it", () => {
  const proxy = new ProxyTracerProvider();
  assert.ok(isUnregistered(proxy));
  const tracing = memoryTracing();
  proxy.setDelegate(tracing.provider);
  assert.not.ok(isUnregistered(proxy));
  assert.not.ok(isUnregistered(tracing.provider));
});

test("a probe's spans are no-op spans until an SDK is registered, then recorded with their parent", async () => {
  const proxy = new ProxyTracerProvider();
  // Count the calls that reach the tracer: none while nothing is registered.
  let started = 0;
  const getTracer = proxy.getTracer.bind(proxy);
  proxy.getTracer = (name, version, options) => {
    const tracer = getTracer(name, version, options);
    const startSpan = tracer.startSpan.bind(tracer);
    tracer.startSpan = (...args) => {
      started++;
      return startSpan(...args);
    };
    return tracer;
  };
  const runtime = unsignedRuntime({ tracerProvider: proxy });
  await runtime.load(await probeBytes("examples", "latency"));
  const parent = withContext({ traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const run = () => {
    const scope = runtime.begin({ method: "GET", route: "/users/:id", parent });
    scope.request();
    scope.response(200);
    scope.end();
    assert.equal(scope.failures, []);
  };
  run();
  const before = runtime.ledger.snapshot().latency?.spans;
  assert.is(before?.emitted, 1);
  assert.is(before?.dropped["sampled-out"], 1, "a no-op span is booked as sampled out, as before");
  assert.is(runtime.stats().latency?.spansStarted, 1);
  assert.is(started, 0, "the no-op span was made without the tracer");

  const tracing = memoryTracing();
  proxy.setDelegate(tracing.provider);
  run();
  const [span] = tracing.spans();
  assert.ok(span, "the next span goes to the SDK registered behind the proxy");
  assert.is(span.name, "GET /users/:id");
  assert.is(span.spanContext().traceId, TRACE);
  assert.is(span.parentSpanContext?.spanId, SPAN);
  assert.is(span.attributes["http.route"], "/users/:id");
  assert.is(runtime.stats().latency?.spansStarted, 2);
  assert.is(started, 1);
});

test("with no SDK a span name outside guest memory still traps (the name is checked, not decoded)", async () => {
  const runtime = unsignedRuntime({ tracerProvider: new ProxyTracerProvider() });
  await runtime.load(await probeBytes("hostile", "bad-pointer"));
  const scope = runtime.begin({ parent: withContext({ traceId: TRACE, spanId: SPAN, traceFlags: 1 }) });
  scope.request();
  assert.equal(
    scope.failures.map((f) => f.error.code),
    ["E_GUEST_MEMORY"],
  );
});

test("with no SDK a span started at 'now' costs no clock read; with one, its start and end are read", async () => {
  // The sampler probe starts its span with start-span (no start time from the guest) on a critical route.
  const readsPerRequest = async (tracerProvider: ProxyTracerProvider | BasicTracerProvider) => {
    const clock = performanceClock();
    let reads = 0;
    const counting = {
      ...clock,
      nowNs: () => {
        reads++;
        return clock.nowNs();
      },
    };
    const runtime = unsignedRuntime({ tracerProvider, clock: counting });
    await runtime.load(await probeBytes("examples", "sampler"));
    reads = 0;
    runRequest(runtime, benchRequest("/checkout/cart"), 200);
    const stats = runtime.stats().sampler;
    assert.is(stats?.spansStarted, 1);
    assert.is(stats?.spansEnded, 1);
    return reads;
  };
  const tracing = memoryTracing();
  const recorded = await readsPerRequest(tracing.provider);
  assert.is(tracing.spans().length, 1);
  const unrecorded = await readsPerRequest(new ProxyTracerProvider());
  assert.is(recorded - unrecorded, 2);
});

test.run();
