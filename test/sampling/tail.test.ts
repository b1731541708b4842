// Tail sampling at the edge: a probe decides when the response is ready,
// and the host holds every span of the request until then, so a request is
// exported whole or not at all. Slow and failed requests are kept; the rest
// at the configured ratio (the same decision as TraceIdRatioBasedSampler);
// critical routes always; the buffer never grows past its bound.
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { SamplingDecision, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { withProbesFetch } from "../../host/adapters/fetch.js";
import { manualClock } from "../../host/index.js";
import { createTelemetry } from "../../host/telemetry/setup.js";
import { probeBytes, seededBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const RATIO = 0.25;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function setup(options: { tail: { maxBufferedSpans?: number; maxSpansPerRequest?: number } | true }) {
  const telemetry = await createTelemetry({
    export: "memory",
    sampling: { ratio: RATIO, criticalRoutes: ["/checkout/*"] },
    tail: options.tail,
  });
  const clock = manualClock();
  const runtime = unsignedRuntime({ ...telemetry.runtimeOptions, clock });
  await runtime.replaceAll([await probeBytes("examples", "tail-sampler"), await probeBytes("examples", "latency")]);
  return { telemetry, clock, runtime, memory: telemetry.memory! };
}

test("slow and failed requests are kept whole, the rest at the configured ratio, decided per trace id", async () => {
  const { telemetry, clock, runtime, memory } = await setup({ tail: true });
  const reference = new TraceIdRatioBasedSampler(RATIO);
  const expected = new Map<string, { keep: boolean; spans: number }>();
  for (let i = 0; i < 300; i++) {
    const traceId = hex(seededBytes(i + 1, 16));
    const failed = i % 10 === 3;
    const slow = i % 7 === 5;
    const handler = withProbesFetch(
      runtime,
      () => {
        clock.advance(slow ? 600_000_000 : 2_000_000);
        return new Response(null, { status: failed ? 503 : 200 });
      },
      { route: () => "/users/:id" },
    );
    await handler(
      new Request("http://127.0.0.1/users/1", { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } }),
    );
    const byRatio = reference.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
    // Kept: the server span and the latency span, plus the tail probe's own span when it decided.
    expected.set(traceId, { keep: failed || slow || byRatio, spans: failed || slow ? 3 : 2 });
  }
  assert.ok((await telemetry.forceFlush()).ok);
  const exported = new Map<string, number>();
  for (const span of memory.spans.getFinishedSpans()) {
    const id = span.spanContext().traceId;
    exported.set(id, (exported.get(id) ?? 0) + 1);
  }
  let kept = 0;
  for (const [traceId, want] of expected) {
    assert.is(exported.get(traceId) ?? 0, want.keep ? want.spans : 0, `trace ${traceId}`);
    if (want.keep) kept++;
  }
  assert.ok(kept > 100 && kept < 200, `kept ${kept} of 300`);
  // Every latency span is accounted for: exported when its request was kept, else sampled out.
  const latency = telemetry.ledger.snapshot().latency!.spans;
  assert.is(latency.emitted, 300);
  assert.is(latency.exported, kept);
  assert.is(latency.dropped["sampled-out"], 300 - kept);
  assert.is(latency.inFlight, 0);
  assert.is(telemetry.tail!.bufferedSpans, 0);
  await telemetry.shutdown();
});

test("a critical-path request is always kept, in tail and in head sampling, whatever the caller said", async () => {
  // Tail: ratio 0.25, no probe decision for a fast 200, an unsampled caller.
  const tail = await setup({ tail: true });
  // Head: ratio 0 and an unsampled caller would drop everything else.
  const head = await createTelemetry({ export: "memory", sampling: { ratio: 0, criticalRoutes: ["/checkout/*"] } });
  const headRuntime = unsignedRuntime({ ...head.runtimeOptions });
  await headRuntime.load(await probeBytes("examples", "latency"));
  for (const [runtime, route] of [
    [tail.runtime, "/checkout/pay"],
    [tail.runtime, "/home"],
    [headRuntime, "/checkout/pay"],
    [headRuntime, "/home"],
  ] as const) {
    for (let i = 0; i < 50; i++) {
      const traceId = hex(seededBytes(1000 + i, 16));
      const handler = withProbesFetch(runtime, () => new Response("ok"), { route: () => route });
      await handler(
        new Request(`http://127.0.0.1${route}`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } }),
      );
    }
  }
  await tail.telemetry.forceFlush();
  await head.forceFlush();
  const count = (
    spans: { attributes: Record<string, unknown>; instrumentationScope: { name: string } }[],
    route: string,
  ) => spans.filter((s) => s.instrumentationScope.name === "latency" && s.attributes["http.route"] === route).length;
  const tailSpans = tail.memory.spans.getFinishedSpans();
  const headSpans = head.memory!.spans.getFinishedSpans();
  assert.is(count(tailSpans, "/checkout/pay"), 50);
  assert.is(count(headSpans, "/checkout/pay"), 50);
  assert.is(count(headSpans, "/home"), 0, "the unsampled caller's decision holds off the critical path");
  assert.ok(count(tailSpans, "/home") < 50, "the ratio applies off the critical path");
  // Critical spans keep the caller's trace id: the flag changed, not the trace.
  assert.ok(headSpans.every((s) => s.spanContext().traceFlags === TraceFlags.SAMPLED));
  await tail.telemetry.shutdown();
  await head.shutdown();
});

test("a span carrying sampling.priority keeps its whole request, though the ratio would drop it", async () => {
  const { telemetry, runtime, memory } = await setup({ tail: true });
  const reference = new TraceIdRatioBasedSampler(RATIO);
  let traceId = "";
  for (let seed = 1; traceId === ""; seed++) {
    const id = hex(seededBytes(seed, 16));
    if (reference.shouldSample(ROOT_CONTEXT, id).decision !== SamplingDecision.RECORD_AND_SAMPLED) traceId = id;
  }
  const handler = withProbesFetch(
    runtime,
    (_request, context) => {
      const tracer = telemetry.tracerProvider.getTracer("app");
      tracer.startSpan("app.work", { attributes: { "sampling.priority": 1 } }, context).end();
      return new Response("ok");
    },
    { route: () => "/users/:id" },
  );
  await handler(
    new Request("http://127.0.0.1/users/1", { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } }),
  );
  await telemetry.forceFlush();
  const names = memory.spans.getFinishedSpans().map((s) => `${s.instrumentationScope.name}:${s.name}`);
  assert.equal(names.sort(), ["app:app.work", "latency:GET /users/:id", "sandprobe:GET /users/:id"]);
  await telemetry.shutdown();
});

test("the buffer bound holds: spans over it are dropped and counted, the rest decided as usual", async () => {
  const { telemetry, clock, runtime } = await setup({ tail: { maxBufferedSpans: 10, maxSpansPerRequest: 4 } });
  const tail = telemetry.tail!;
  const scopes = [];
  for (let i = 0; i < 25; i++) {
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: hex(seededBytes(5000 + i, 16)),
      spanId: "00f067aa0ba902b7",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const scope = runtime.begin({ method: "GET", route: "/users/:id", parent });
    scope.request();
    clock.advance(1_000_000);
    // The latency span ends here; the request is not over, so it is held.
    scope.response(200);
    scopes.push(scope);
    assert.ok(tail.bufferedSpans <= 10, `buffered ${tail.bufferedSpans}`);
  }
  assert.is(tail.bufferedSpans, 10);
  assert.is(tail.pendingRequests, 10);
  for (const scope of scopes) scope.end();
  assert.is(tail.bufferedSpans, 0);
  await telemetry.shutdown();
  const latency = telemetry.ledger.snapshot().latency!.spans;
  assert.is(latency.emitted, 25);
  assert.is(latency.dropped["queue-full"], 15);
  assert.is(latency.exported + latency.dropped["sampled-out"], 10);
  assert.is(latency.inFlight, 0);
});

test("shutdown decides requests still held, by the fallback rule: nothing is left unaccounted", async () => {
  let received = 0;
  const telemetry = await createTelemetry({
    export: {
      exporters: {
        traces: {
          export: (spans, done) => {
            received += spans.filter((s) => s.instrumentationScope.name === "latency").length;
            done({ code: 0 });
          },
          shutdown: () => Promise.resolve(),
        },
      },
    },
    sampling: { ratio: RATIO, criticalRoutes: ["/checkout/*"] },
    tail: true,
  });
  const runtime = unsignedRuntime({ ...telemetry.runtimeOptions, clock: manualClock() });
  await runtime.load(await probeBytes("examples", "latency"));
  for (let i = 0; i < 40; i++) {
    const scope = runtime.begin({
      method: "GET",
      route: i % 2 === 0 ? "/checkout/cart" : "/home",
      parent: trace.setSpanContext(ROOT_CONTEXT, {
        traceId: hex(seededBytes(9000 + i, 16)),
        spanId: "00f067aa0ba902b7",
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      }),
    });
    scope.response(200);
  }
  assert.is(telemetry.tail!.pendingRequests, 40);
  assert.ok((await telemetry.shutdown()).ok);
  const latency = telemetry.ledger.snapshot().latency!.spans;
  assert.is(latency.emitted, 40);
  assert.is(latency.inFlight, 0);
  assert.is(latency.exported + latency.dropped["sampled-out"], 40);
  assert.is(received, latency.exported);
  assert.ok(latency.exported >= 20, "the critical half at least");
});

test.run();
