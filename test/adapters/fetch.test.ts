import { SpanKind } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { withProbesFetch } from "../../host/adapters/fetch.js";
import { ProbeRuntime } from "../../host/index.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";

test("fetch handler: probes run, spans parented to the incoming trace, response keeps its body", async () => {
  const tracing = memoryTracing();
  const runtime = new ProbeRuntime({ tracerProvider: tracing.provider });
  await runtime.replaceAll([await probeBytes("examples", "latency"), await probeBytes("testing", "trap")]);
  const handler = withProbesFetch(
    runtime,
    async (request: Request) => new Response(`hello ${new URL(request.url).pathname}`),
    {
      route: () => "/hello/:name",
      traceResponse: true,
    },
  );
  const response = await handler(
    new Request("http://example.test/hello/ada", {
      headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03" },
    }),
  );
  assert.is(response.status, 200);
  assert.is(await response.text(), "hello /hello/ada");
  const [server] = tracing.spans().filter((s) => s.kind === SpanKind.SERVER);
  const [probe] = tracing.byName("GET /hello/:name").filter((s) => s.kind === SpanKind.INTERNAL);
  assert.ok(server && probe);
  assert.is(server.parentSpanContext?.spanId, "b7ad6b7169203331");
  assert.is(probe.parentSpanContext?.spanId, server.spanContext().spanId);
  // The random flag (0x02) the caller sent survives on the response.
  assert.match(response.headers.get("traceparent") ?? "", /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-0[23]$/);
});

test("a handler that throws still ends the probes' spans with status 500", async () => {
  const tracing = memoryTracing();
  const runtime = new ProbeRuntime({ tracerProvider: tracing.provider });
  await runtime.load(await probeBytes("examples", "latency"));
  const handler = withProbesFetch(runtime, () => {
    throw new Error("app bug");
  });
  try {
    await handler(new Request("http://example.test/x"));
    assert.unreachable();
  } catch (error) {
    assert.is((error as Error).message, "app bug");
  }
  const [probe] = tracing.byName("GET").filter((s) => s.kind === SpanKind.INTERNAL);
  assert.is(probe?.attributes["http.response.status_code"], 500);
});

test.run();
