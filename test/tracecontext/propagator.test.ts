// The OpenTelemetry propagator, and each place where @opentelemetry/core 2.x
// falls short of Trace Context Level 2 next to what ours does instead.
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  trace,
} from "@opentelemetry/api";
import { suppressTracing, W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  extractTraceContext,
  headerGetter,
  SandprobeTraceContextPropagator,
  W3CTraceState,
} from "../../host/otel/tracecontext/index.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const ours = new SandprobeTraceContextPropagator();
const core = new W3CTraceContextPropagator();
const tracer = new BasicTracerProvider().getTracer("tracecontext-test");

function inject(propagator: typeof ours | typeof core, ctx = ROOT_CONTEXT): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

function extracted(propagator: typeof ours | typeof core, carrier: Record<string, unknown>): SpanContext | undefined {
  return trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
}

/** Incoming request -> SDK span in its context -> outgoing headers, with one propagator. */
function throughSdk(propagator: typeof ours | typeof core, traceparent: string): string | undefined {
  const incoming = propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
  const span = tracer.startSpan("server", {}, incoming);
  const outgoing = inject(propagator, trace.setSpan(incoming, span));
  span.end();
  return outgoing.traceparent;
}

test("what we extract is a SpanContext the API and the SDK accept as a remote parent", () => {
  const context = extractTraceContext(headerGetter({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "a=1" }))!;
  const spanContext: SpanContext = context;
  assert.ok(trace.isSpanContextValid(spanContext));
  const parent = trace.setSpanContext(ROOT_CONTEXT, spanContext);
  const span = tracer.startSpan("child", {}, parent);
  assert.is(span.spanContext().traceId, TRACE);
  assert.is(span.spanContext().traceState?.get("a"), "1", "our TraceState rides along in the SDK's span");
  span.end();
});

test("extract and inject round-trip and use the same fields as core's propagator", () => {
  assert.equal(ours.fields(), core.fields());
  const carrier = { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "rojo=1, congo=2" };
  const spanContext = extracted(ours, carrier);
  assert.equal(
    { ...spanContext, traceState: spanContext?.traceState?.serialize() },
    { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true, traceState: "rojo=1,congo=2" },
  );
  const ctx = ours.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  assert.equal(inject(ours, ctx), { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "rojo=1,congo=2" });
  assert.is(ours.extract(ROOT_CONTEXT, { traceparent: "nonsense" }, defaultTextMapGetter), ROOT_CONTEXT);
  assert.equal(inject(ours), {}, "nothing to inject without a span context");
});

test("header keys in another case are found through the getter's keys()", () => {
  const spanContext = extracted(ours, { TraceParent: `00-${TRACE}-${SPAN}-01`, TRACESTATE: "a=1" });
  assert.is(spanContext?.traceId, TRACE);
  assert.is(spanContext?.traceState?.get("a"), "1");
  assert.is(
    extracted(ours, { traceparent: `00-${TRACE}-${SPAN}-01`, TraceParent: `00-${TRACE}-${SPAN}-01` }),
    undefined,
  );
});

test("the random flag survives an SDK span (core loses it)", () => {
  const random = `00-${TRACE}-${SPAN}-03`;
  assert.match(throughSdk(core, random)!, /-01$/, "core: the SDK span has only the sampled bit");
  const withOurs = throughSdk(ours, random)!;
  assert.match(withOurs, new RegExp(`^00-${TRACE}-[0-9a-f]{16}-03$`));
  assert.not.ok(withOurs.includes(SPAN), "the outgoing parent id is the SDK span's");
  // Random but not sampled: the SDK makes a non-recording span with flags 00.
  assert.match(throughSdk(core, `00-${TRACE}-${SPAN}-02`)!, /-00$/);
  assert.match(throughSdk(ours, `00-${TRACE}-${SPAN}-02`)!, /-02$/);
  // Without the random flag coming in, none goes out; a new trace of the SDK's own is left as is.
  assert.match(throughSdk(ours, `00-${TRACE}-${SPAN}-01`)!, /-01$/);
  const incoming = ours.extract(ROOT_CONTEXT, { traceparent: random }, defaultTextMapGetter);
  const root = tracer.startSpan("root", { root: true }, incoming);
  assert.match(inject(ours, trace.setSpan(incoming, root)).traceparent!, /-01$/);
  root.end();
});

test("33 tracestate members discard the header (core keeps 32 of them)", () => {
  const tracestate = Array.from({ length: 33 }, (_, i) => `k${i}=v${i}`).join(",");
  const carrier = { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate };
  assert.is(extracted(core, carrier)?.traceState?.serialize().split(",").length, 32);
  const spanContext = extracted(ours, carrier);
  assert.is(spanContext?.traceId, TRACE, "traceparent is still honoured");
  assert.is(spanContext?.traceState, undefined);
});

test("undefined flag bits go out zeroed, as the spec requires (core writes 0x10+ as three hex digits)", () => {
  for (const [traceFlags, expected] of [
    [0x10, "00"],
    [0x11, "01"],
    [0x81, "01"],
    [0xff, "03"],
  ] as const) {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags });
    assert.is(inject(core, ctx).traceparent, `00-${TRACE}-${SPAN}-0${traceFlags.toString(16)}`);
    assert.is(inject(ours, ctx).traceparent, `00-${TRACE}-${SPAN}-${expected}`);
  }
});

test("a repeated traceparent starts a new trace (core takes the first)", () => {
  const carrier = { traceparent: [`00-${TRACE}-${SPAN}-01`, `00-${TRACE.replace("4", "5")}-${SPAN}-01`] };
  assert.is(extracted(core, carrier)?.traceId, TRACE);
  assert.is(extracted(ours, carrier), undefined);
});

test("suppressed tracing injects nothing; an oversized tracestate goes out cut to 512", () => {
  const traceState = W3CTraceState.parse(Array.from({ length: 32 }, (_, i) => `k${i}=${"v".repeat(40)}`).join(","))!;
  const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags: 1, traceState });
  assert.equal(inject(ours, suppressTracing(ctx)), {});
  const out = inject(ours, ctx);
  assert.ok(out.tracestate!.length <= 512 && out.tracestate!.startsWith("k0="));
  const wide = new SandprobeTraceContextPropagator({ maxTraceStateLength: 8192 });
  assert.is(inject(wide, ctx).tracestate, traceState.serialize());
});

test("registered globally, it drives propagation.extract and propagation.inject", () => {
  assert.ok(propagation.setGlobalPropagator(ours));
  try {
    const ctx = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${TRACE}-${SPAN}-ff`, tracestate: "a=1" });
    const carrier: Record<string, string> = {};
    propagation.inject(ctx, carrier);
    assert.equal(carrier, { traceparent: `00-${TRACE}-${SPAN}-03`, tracestate: "a=1" });
  } finally {
    propagation.disable();
  }
});

test.run();
