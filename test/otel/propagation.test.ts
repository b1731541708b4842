// Probe spans join the application's own trace: under the application's
// active span (its HTTP instrumentation) they are its children and follow
// its sampling decision, with no second server span; probe spans nest
// under each other by handle; without an active span they hang under the
// adapter's server span, itself the child of the remote caller.
import { type Context, type ContextManager, context, ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { withProbesFetch } from "../../host/adapters/fetch.js";
import { createTelemetry } from "../../host/telemetry/setup.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

/** A synchronous context manager, enough for `context.with` around a call. */
class StackContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

async function setup() {
  const telemetry = await createTelemetry({ export: "memory" });
  const runtime = unsignedRuntime({ ...telemetry.runtimeOptions });
  await runtime.load(await probeBytes("testing", "fidelity"));
  const handler = withProbesFetch(runtime, () => new Response("ok"), { route: () => "/users/:id" });
  return { telemetry, handler };
}

test("under the application's active span, probe spans are its children and no server span is made", async () => {
  const { telemetry, handler } = await setup();
  const manager = new StackContextManager();
  context.setGlobalContextManager(manager);
  try {
    const app = telemetry.tracerProvider.getTracer("app");
    for (const sampled of [true, false]) {
      const incoming = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: sampled ? "4bf92f3577b34da6a3ce929d0e0e4736" : "0af7651916cd43dd8448eb211c80319c",
        spanId: "00f067aa0ba902b7",
        traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: true,
      });
      const server = app.startSpan("app GET /users/:id", {}, incoming);
      const request = new Request("http://127.0.0.1/users/1");
      await context.with(trace.setSpan(incoming, server), () => handler(request));
      server.end();
    }
  } finally {
    context.disable();
  }
  await telemetry.forceFlush();
  const spans = telemetry.memory!.spans.getFinishedSpans();
  const appSpan = spans.find((s) => s.instrumentationScope.name === "app");
  const outer = spans.find((s) => s.name === "probe.request");
  const lookup = spans.find((s) => s.name === "GET");
  assert.ok(appSpan && outer && lookup);
  assert.is(outer.parentSpanContext?.spanId, appSpan.spanContext().spanId, "child of the application's span");
  assert.is(outer.spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.is(lookup.parentSpanContext?.spanId, outer.spanContext().spanId, "probe spans nest by handle");
  assert.ok(!spans.some((s) => s.instrumentationScope.name === "sandprobe"), "no second server span");
  // The unsampled application trace: the probes followed its decision.
  assert.ok(!spans.some((s) => s.spanContext().traceId === "0af7651916cd43dd8448eb211c80319c"));
  assert.is(telemetry.ledger.snapshot().fidelity?.spans.dropped["sampled-out"], 3);
  await telemetry.shutdown();
});

test("without an active span: adapter server span under the remote caller, probe spans under it", async () => {
  const { telemetry, handler } = await setup();
  await handler(
    new Request("http://127.0.0.1/users/1", {
      headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    }),
  );
  await telemetry.forceFlush();
  const spans = telemetry.memory!.spans.getFinishedSpans();
  const server = spans.find((s) => s.instrumentationScope.name === "sandprobe");
  const outer = spans.find((s) => s.name === "probe.request");
  assert.ok(server && outer);
  assert.is(server.parentSpanContext?.spanId, "00f067aa0ba902b7");
  assert.is(server.parentSpanContext?.isRemote, true);
  assert.is(outer.parentSpanContext?.spanId, server.spanContext().spanId);
  assert.ok(!outer.parentSpanContext?.isRemote, "a local parent");
  await telemetry.shutdown();
});

test.run();
