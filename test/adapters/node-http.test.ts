import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { withProbes } from "../../host/adapters/node-http.js";
import type { ProbeRuntime } from "../../host/index.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

async function serve(runtime: ProbeRuntime): Promise<{ server: Server; base: string }> {
  const server = createServer(
    withProbes(
      runtime,
      (req, res) => {
        res.statusCode = req.url === "/fail" ? 500 : 200;
        res.end("ok");
      },
      { route: (_m, path) => (path.startsWith("/users/") ? "/users/:id" : path), traceResponse: true },
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test("a trapping probe never breaks the request; the probe beside it still reports", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider });
  await runtime.replaceAll([await probeBytes("testing", "trap"), await probeBytes("examples", "latency")]);
  const { server, base } = await serve(runtime);
  try {
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${base}/users/${i}`, { headers: { traceparent: TRACEPARENT } });
      assert.is(response.status, 200);
      assert.is(await response.text(), "ok");
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  // Response hooks run on 'finish', after the client has its answer: wait for them.
  const probeSpans = () => tracing.byName("GET /users/:id").filter((s) => s.instrumentationScope.name === "latency");
  for (let i = 0; i < 50 && probeSpans().length < 6; i++) await new Promise((r) => setTimeout(r, 10));
  assert.is(probeSpans().length, 6);
  const stats = runtime.stats();
  // Every call traps (a fresh instance restarts the probe's counter), so after
  // five consecutive failures the probe is quarantined and the other 7 of 12 calls skipped.
  assert.is(stats.trap?.errors.E_PROBE_TRAP, 5);
  assert.is(stats.trap?.quarantines, 1);
  assert.is(stats.trap?.skippedWhileQuarantined, 7);
  assert.is(stats.latency?.failures, 0);
});

test("probe spans hang under a server span that is a child of the incoming traceparent", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider });
  await runtime.load(await probeBytes("examples", "latency"));
  const { server, base } = await serve(runtime);
  let responseTraceparent: string | null = null;
  try {
    const response = await fetch(`${base}/users/7?x=1`, { headers: { traceparent: TRACEPARENT } });
    responseTraceparent = response.headers.get("traceparent");
    await response.text();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  for (let i = 0; i < 50 && tracing.spans().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  const [server_] = tracing.spans().filter((s) => s.kind === SpanKind.SERVER);
  const [probe] = tracing.byName("GET /users/:id").filter((s) => s.kind === SpanKind.INTERNAL);
  assert.ok(server_ && probe);
  assert.is(server_.spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.is(server_.parentSpanContext?.spanId, "00f067aa0ba902b7");
  assert.is(probe.parentSpanContext?.spanId, server_.spanContext().spanId);
  assert.is(server_.attributes["url.path"], "/users/7");
  assert.is(server_.attributes["http.response.status_code"], 200);
  // The response names the server span, so the caller can link to it.
  assert.is(responseTraceparent, `00-4bf92f3577b34da6a3ce929d0e0e4736-${server_.spanContext().spanId}-01`);
});

test.run();
