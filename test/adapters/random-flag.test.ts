// W3C Trace Context Level 2, the conformance suite's test_propagates_random_flag
// reproduced: a request arrives with the random flag (0x02) set, and the call the
// application makes from the context the adapter handed it must carry the flag on.
// OpenTelemetry's SDK keeps only the sampled bit on its spans, so the adapters
// remember the incoming flags on that context; this is the path (adapter context
// -> app's outgoing inject) that was broken.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Context, propagation, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tracingFetch } from "../../host/adapters/edge/index.js";
import { withProbesFetch } from "../../host/adapters/fetch.js";
import { withProbes } from "../../host/adapters/node-http.js";
import {
  parseTraceparent,
  SandprobeTraceContextPropagator,
  type Traceparent,
} from "../../host/otel/tracecontext/index.js";
import type { ProbeRuntime } from "../../host/runtime/runtime.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const incoming = (flags: string) => `00-${TRACE_ID}-00f067aa0ba902b7-${flags}`;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/** The downstream service the app calls: a real server that remembers each traceparent it received. */
async function downstream(): Promise<{ base: string; seen: (string | undefined)[]; server: Server }> {
  const seen: (string | undefined)[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const value = req.headers.traceparent;
    seen.push(Array.isArray(value) ? value.join(",") : value);
    res.end("ok");
  });
  return { base: await listen(server), seen, server };
}

/** The app's outgoing call, instrumented the usual way: the global propagator injects from its context. */
async function callWithGlobalPropagator(context: Context, url: string): Promise<void> {
  const headers: Record<string, string> = {};
  propagation.inject(context, headers);
  await (await fetch(url, { headers })).text();
}

async function runtimeWithProbe(): Promise<{ runtime: ProbeRuntime; tracing: ReturnType<typeof memoryTracing> }> {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider });
  await runtime.load(await probeBytes("examples", "latency"));
  return { runtime, tracing };
}

function sent(value: string | undefined): Traceparent {
  const parsed = parseTraceparent(value);
  assert.ok(parsed, `a valid traceparent went out: ${value}`);
  return parsed;
}

// Incoming flags -> the flags the outgoing call must carry. The SDK's
// parent-based sampler follows the sampled bit; the random bit comes back
// from the incoming header. -01 checks the bit is not invented.
const CASES = [
  { flags: "02", expected: 0x02 },
  { flags: "03", expected: 0x03 },
  { flags: "01", expected: 0x01 },
] as const;

test.before(() => {
  propagation.setGlobalPropagator(new SandprobeTraceContextPropagator());
});
test.after(() => {
  propagation.disable();
});

test("Node http adapter: the app's outgoing call keeps the incoming random flag (real HTTP on 127.0.0.1)", async () => {
  for (const serverSpan of [true, false]) {
    const { runtime } = await runtimeWithProbe();
    const target = await downstream();
    const app = createServer(
      withProbes(
        runtime,
        (_req, res, context) => {
          callWithGlobalPropagator(context, `${target.base}/downstream`).then(
            () => res.end("ok"),
            (error: unknown) => {
              res.statusCode = 502;
              res.end(String(error));
            },
          );
        },
        { serverSpan },
      ),
    );
    const base = await listen(app);
    try {
      for (const { flags, expected } of CASES) {
        const response = await fetch(`${base}/work`, { headers: { traceparent: incoming(flags) } });
        assert.is(response.status, 200, await response.text());
        const out = sent(target.seen.at(-1));
        assert.is(out.traceId, TRACE_ID, "same trace");
        // With a server span it is the parent; without one the app's call is a child of the caller's span.
        if (serverSpan) assert.is.not(out.spanId, "00f067aa0ba902b7");
        assert.is(out.traceFlags, expected, `incoming -${flags}, serverSpan ${serverSpan}`);
      }
    } finally {
      await close(app);
      await close(target.server);
    }
  }
});

test("fetch adapter: the app's outgoing call keeps the random flag, by the global propagator and by tracingFetch", async () => {
  const { runtime, tracing } = await runtimeWithProbe();
  const target = await downstream();
  const tracer = tracing.provider.getTracer("app");
  const handler = withProbesFetch(runtime, async (_request: Request, context: Context) => {
    await callWithGlobalPropagator(context, `${target.base}/by-propagator`);
    // No extraFlags: the adapter's context alone must carry the incoming flag.
    const send = tracingFetch({ context, tracer, clock: runtime.clock });
    await (await send(`${target.base}/by-tracing-fetch`)).text();
    return new Response("ok");
  });
  try {
    for (const { flags, expected } of CASES) {
      const before = target.seen.length;
      const response = await handler(
        new Request("http://app.test/work", { headers: { traceparent: incoming(flags) } }),
      );
      assert.is(response.status, 200);
      assert.is(target.seen.length, before + 2);
      for (const value of target.seen.slice(before)) {
        const out = sent(value);
        assert.is(out.traceId, TRACE_ID);
        assert.is(out.traceFlags, expected, `incoming -${flags}: ${value}`);
      }
    }
  } finally {
    await close(target.server);
  }
});

test("the random flag of another trace is never copied: the app's own new trace goes out without it", async () => {
  const { runtime, tracing } = await runtimeWithProbe();
  const target = await downstream();
  const tracer = tracing.provider.getTracer("app");
  const handler = withProbesFetch(runtime, async (_request: Request, context: Context) => {
    // A root span of a new trace (root: true) started by the app under the
    // request's context: the caller's random flag says nothing about its trace id.
    const span = tracer.startSpan("batch", { root: true }, context);
    await callWithGlobalPropagator(trace.setSpan(context, span), `${target.base}/x`);
    span.end();
    return new Response("ok");
  });
  try {
    await handler(new Request("http://app.test/", { headers: { traceparent: incoming("03") } }));
    const out = sent(target.seen.at(-1));
    assert.is.not(out.traceId, TRACE_ID);
    assert.is(out.traceFlags & 0x02, 0);
  } finally {
    await close(target.server);
  }
});

test.run();
