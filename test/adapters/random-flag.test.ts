// The W3C Trace Context suite's test_propagates_random_flag, reproduced through
// our adapters: a request arrives with the random flag (0x02) set, the app makes
// an outgoing call from the context the adapter hands it, and that call's
// traceparent must keep the flag. SDK spans carry only the sampled bit, so the
// flag survives only if the adapter remembers the incoming one.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { withProbesFetch } from "../../host/adapters/fetch.js";
import { withProbes } from "../../host/adapters/node-http.js";
import { type ProbeRuntime, SandprobeTraceContextPropagator } from "../../host/index.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER = "00f067aa0ba902b7";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<unknown> {
  return new Promise((resolve) => server.close(resolve));
}

/** The service the app calls: remembers the trace headers of every call. */
async function downstream(): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): Promise<unknown> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.end("down");
  });
  const url = await listen(server);
  return { url, seen, close: () => close(server) };
}

/**
 * What an instrumented app does: a CLIENT span under the request's context
 * (made by the SDK, so without the random bit) injected by the global
 * propagator, or, without a span of its own, the request's context injected as it is.
 */
async function callDownstream(runtime: ProbeRuntime, context: Context, url: string, withClientSpan: boolean) {
  const headers: Record<string, string> = {};
  if (withClientSpan) {
    const client = runtime.tracerProvider.getTracer("app").startSpan("GET", { kind: SpanKind.CLIENT }, context);
    propagation.inject(trace.setSpan(context, client), headers);
    await (await fetch(url, { headers })).text();
    client.end();
  } else {
    propagation.inject(context, headers);
    await (await fetch(url, { headers })).text();
  }
}

async function runtimeWithProbe(): Promise<ProbeRuntime> {
  const runtime = unsignedRuntime({ tracerProvider: memoryTracing().provider });
  await runtime.load(await probeBytes("examples", "latency"));
  return runtime;
}

type Adapter = (
  runtime: ProbeRuntime,
  traceparent: string,
  downstreamUrl: string,
  clientSpan: boolean,
) => Promise<void>;

const nodeAdapter: Adapter = async (runtime, traceparent, downstreamUrl, clientSpan) => {
  const server = createServer(
    withProbes(runtime, async (_req, res, context) => {
      await callDownstream(runtime, context, downstreamUrl, clientSpan);
      res.end("ok");
    }),
  );
  const base = await listen(server);
  try {
    const response = await fetch(`${base}/checkout`, { headers: { traceparent } });
    assert.is(await response.text(), "ok");
  } finally {
    await close(server);
  }
};

const fetchAdapter: Adapter = async (runtime, traceparent, downstreamUrl, clientSpan) => {
  const handler = withProbesFetch(runtime, async (_request: Request, context: Context) => {
    await callDownstream(runtime, context, downstreamUrl, clientSpan);
    return new Response("ok");
  });
  const response = await handler(new Request("http://worker.test/checkout", { headers: { traceparent } }));
  assert.is(await response.text(), "ok");
};

const CASES: ReadonlyArray<readonly [incomingFlags: string, outgoingFlags: string]> = [
  ["02", "02"], // random, not sampled: the SDK's span is non-recording with flags 00
  ["03", "03"], // random and sampled
  ["01", "01"], // the control: no random flag in, none out
];

propagation.setGlobalPropagator(new SandprobeTraceContextPropagator());

for (const [name, adapter] of [
  ["node-http", nodeAdapter],
  ["fetch", fetchAdapter],
] as const) {
  for (const clientSpan of [true, false]) {
    const how = clientSpan ? "through the app's CLIENT span" : "from the adapter's context as it is";
    test(`${name} adapter: the app's outgoing call keeps the incoming random flag, ${how}`, async () => {
      const down = await downstream();
      try {
        for (const [incoming, outgoing] of CASES) {
          const runtime = await runtimeWithProbe();
          await adapter(runtime, `00-${TRACE_ID}-${CALLER}-${incoming}`, down.url, clientSpan);
          const sent = down.seen.at(-1)?.traceparent;
          assert.type(sent, "string", `incoming -${incoming}: the app's call carries a traceparent`);
          const [version, traceId, parentId, flags] = String(sent).split("-");
          assert.is(version, "00");
          assert.is(traceId, TRACE_ID, `incoming -${incoming}: same trace`);
          assert.is.not(parentId, CALLER, `incoming -${incoming}: a span of ours is the parent, not the caller`);
          assert.is(flags, outgoing, `incoming -${incoming}: outgoing flags`);
        }
        assert.is(down.seen.length, CASES.length);
      } finally {
        await down.close();
      }
    });
  }
}

test.after(() => {
  propagation.disable();
});

test.run();
