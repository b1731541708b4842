// A request scope reads its parent's W3C fields lazily (most requests never
// ask): what it reports must still be the request's own parent, before and
// after a probe's sampling decision changes the context spans start under.
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { unsignedRuntime } from "../support/runtime.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

function parentWithState(flags: number) {
  const propagator = new W3CTraceContextPropagator();
  const carrier = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-0${flags}`, tracestate: "vendor=a1,other=b2" };
  return propagator.extract(ROOT_CONTEXT, carrier, {
    get: (c, k) => c[k as keyof typeof c],
    keys: (c) => Object.keys(c),
  });
}

test("a scope reports its parent's trace id, span id, flags and tracestate", () => {
  const scope = unsignedRuntime().begin({ parent: parentWithState(1) });
  assert.is(scope.traceId, TRACE_ID);
  assert.is(scope.spanId, SPAN_ID);
  assert.is(scope.traceFlags, TraceFlags.SAMPLED);
  assert.is(scope.tracestate, "vendor=a1,other=b2");
  scope.end();
});

test("a sampling decision sets the flags and keeps the request's own ids", () => {
  const scope = unsignedRuntime().begin({ parent: parentWithState(0) });
  scope.sample(true);
  assert.is(scope.traceFlags, TraceFlags.SAMPLED);
  assert.is(scope.traceId, TRACE_ID);
  assert.is(trace.getSpanContext(scope.parent)?.traceFlags, TraceFlags.SAMPLED);
  scope.sample(false);
  assert.is(scope.traceFlags, TraceFlags.NONE);
  assert.is(scope.spanId, SPAN_ID);
});

test("dropping a request with no parent keeps it without ids, though spans now start under a stand-in", () => {
  const scope = unsignedRuntime().begin({ parent: ROOT_CONTEXT });
  scope.sample(false);
  // The stand-in parent carries the unsampled flag for the sampler; the request itself still has no trace context.
  const standIn = trace.getSpanContext(scope.parent);
  assert.ok(standIn && standIn.traceId.length === 32, "a stand-in parent");
  assert.is(standIn.traceFlags, TraceFlags.NONE);
  assert.is(scope.traceId, "");
  assert.is(scope.spanId, "");
  assert.is(scope.traceFlags, TraceFlags.NONE);
  assert.is(scope.tracestate, "");
});

test.run();
