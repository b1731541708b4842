// With no SDK registered the host makes the API's no-op spans itself
// (host/otel/noop-spans.ts), without NoopTracer's regular expressions: every
// parent must give exactly the span NoopTracer gives, hostile ones included,
// and a provider registered later must take over at the next span.
import {
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
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
  ["valid", withContext({ traceId: TRACE, spanId: SPAN, traceFlags: 1 })],
  ["upper-case hex", withContext({ traceId: TRACE.toUpperCase(), spanId: SPAN.toUpperCase(), traceFlags: 0 })],
  [
    "mixed case",
    withContext({ traceId: "4BF92f3577b34da6a3ce929d0e0e4736", spanId: "00F067aa0ba902b7", traceFlags: 1 }),
  ],
  ["all-zero trace id", withContext({ traceId: "0".repeat(32), spanId: SPAN, traceFlags: 1 })],
  ["all-zero span id", withContext({ traceId: TRACE, spanId: "0".repeat(16), traceFlags: 1 })],
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
  ["a span whose context is not an object", trace.setSpan(ROOT_CONTEXT, { spanContext: () => 7 } as unknown as Span)],
  ["no span at all", ROOT_CONTEXT],
];

test("every parent gives the span the API's NoopTracer gives", () => {
  // A proxy with nothing behind it: its tracer is the API's NoopTracer.
  const noop = new ProxyTracerProvider().getTracer("reference");
  let valid = 0;
  for (const [label, parent] of PARENTS) {
    const expected = noop.startSpan("x", {}, parent);
    const actual = noopSpan(parent);
    assert.equal(actual.spanContext(), expected.spanContext(), label);
    // NoopTracer hands back the parent's own span context object when it accepts it.
    assert.is(
      actual.spanContext() === trace.getSpanContext(parent),
      expected.spanContext() === trace.getSpanContext(parent),
      label,
    );
    assert.is(actual.isRecording(), false, label);
    if (trace.isSpanContextValid(actual.spanContext())) valid++;
  }
  // The battery holds both kinds: three accepted parents, the rest refused.
  assert.is(valid, 3);
});

test("a broken parent span (its context null) gives the invalid span, where NoopTracer throws", () => {
  // Not a SpanContext at all: the API's own check reads a field of null. The host's
  // span must not fail the probe's call over the application's broken parent.
  const parent = trace.setSpan(ROOT_CONTEXT, { spanContext: () => null } as unknown as Span);
  assert.throws(() => new ProxyTracerProvider().getTracer("reference").startSpan("x", {}, parent));
  assert.equal(noopSpan(parent).spanContext(), INVALID_SPAN_CONTEXT);
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

test.run();
