// The OTLP test receiver decodes what the official trace exporters send, over
// protobuf and JSON alike: ids, parents, nanosecond times, attributes, events,
// links, status, resource and scope.
import { context, type HrTime, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ReceivedSpan, withReceivers } from "../support/otlp-receiver.js";

const REMOTE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const REMOTE_SPAN = "00f067aa0ba902b7";
const START: HrTime = [1_700_000_000, 123_456_789];
const EVENT: HrTime = [1_700_000_000, 500_000_001];
const END: HrTime = [1_700_000_001, 987_654_321];

/** Emits the same five spans through a provider whose processors feed the given exporters. */
async function emit(exporters: Array<ProtoTraceExporter | JsonTraceExporter>): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ "service.name": "otlp-receiver-test", "service.version": "1.2.3" }),
    ),
    spanProcessors: exporters.map((exporter) => new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 })),
  });
  const tracer = provider.getTracer("probe.latency", "0.4.0");
  const remote = trace.setSpanContext(context.active(), {
    traceId: REMOTE_TRACE,
    spanId: REMOTE_SPAN,
    traceFlags: 1,
    isRemote: true,
  });
  const server = tracer.startSpan(
    "GET /users/:id",
    {
      kind: SpanKind.SERVER,
      startTime: START,
      attributes: {
        "http.request.method": "GET",
        "http.response.status_code": 200,
        "probe.ratio": 0.25,
        "probe.cached": false,
        "probe.tags": ["a", "b"],
        "probe.sizes": [1, 2, 3],
        "probe.big": Number.MAX_SAFE_INTEGER,
      },
    },
    remote,
  );
  server.addEvent("cache.miss", { "cache.key": "user:42" }, EVENT);
  const child = tracer.startSpan(
    "db.query",
    {
      kind: SpanKind.CLIENT,
      startTime: [1_700_000_000, 200_000_000],
      links: [
        { context: { traceId: REMOTE_TRACE, spanId: "b7ad6b7169203331", traceFlags: 1 }, attributes: { why: "batch" } },
      ],
    },
    trace.setSpan(context.active(), server),
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: "timeout" });
  child.end([1_700_000_000, 900_000_000]);
  server.setStatus({ code: SpanStatusCode.OK });
  server.end(END);
  for (const kind of [SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER]) {
    tracer.startSpan(`root-${kind}`, { kind, root: true, startTime: START }).end(END);
  }
  await provider.forceFlush();
  await provider.shutdown();
}

function byName(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const span = spans.find((s) => s.name === name);
  assert.ok(span, `no span named ${name} in ${spans.map((s) => s.name).join(", ")}`);
  return span;
}

function assertSpans(spans: ReceivedSpan[]): void {
  assert.is(spans.length, 5);
  const server = byName(spans, "GET /users/:id");
  const child = byName(spans, "db.query");
  assert.is(server.traceId, REMOTE_TRACE);
  assert.is(server.parentSpanId, REMOTE_SPAN, "the remote parent");
  assert.match(server.spanId, /^[0-9a-f]{16}$/);
  assert.is(child.traceId, REMOTE_TRACE);
  assert.is(child.parentSpanId, server.spanId, "the child's parent is the server span");
  assert.is(server.kind, 2);
  assert.is(child.kind, 3);
  assert.equal(
    ["root-0", "root-3", "root-4"].map((n) => byName(spans, n).kind),
    [1, 4, 5],
  );
  assert.is(byName(spans, "root-0").parentSpanId, "");
  // Nanoseconds survive the trip: HrTime [s, ns] -> fixed64 / decimal string -> bigint.
  assert.is(server.startTimeUnixNano, 1_700_000_000_123_456_789n);
  assert.is(server.endTimeUnixNano, 1_700_000_001_987_654_321n);
  assert.equal(server.events, [
    {
      timeUnixNano: 1_700_000_000_500_000_001n,
      name: "cache.miss",
      attributes: { "cache.key": "user:42" },
      droppedAttributesCount: 0,
    },
  ]);
  assert.equal(server.attributes, {
    "http.request.method": "GET",
    "http.response.status_code": 200,
    "probe.ratio": 0.25,
    "probe.cached": false,
    "probe.tags": ["a", "b"],
    "probe.sizes": [1, 2, 3],
    "probe.big": Number.MAX_SAFE_INTEGER,
  });
  assert.equal(server.status, { code: 1, message: "" });
  assert.equal(child.status, { code: 2, message: "timeout" });
  assert.equal(child.links, [
    {
      traceId: REMOTE_TRACE,
      spanId: "b7ad6b7169203331",
      traceState: "",
      attributes: { why: "batch" },
      droppedAttributesCount: 0,
      flags: child.links[0]!.flags,
    },
  ]);
  assert.is(server.flags & 0xff, 1, "sampled");
  assert.is(server.flags & 0x300, 0x300, "the parent is known to be remote");
  assert.is(child.flags & 0x300, 0x100, "the parent is known to be local");
  for (const span of spans) {
    assert.equal(span.scope, { name: "probe.latency", version: "0.4.0", attributes: {}, droppedAttributesCount: 0 });
    assert.is(span.resource.attributes["service.name"], "otlp-receiver-test");
    assert.is(span.resource.attributes["service.version"], "1.2.3");
    assert.is(span.resource.attributes["telemetry.sdk.language"], "nodejs");
  }
}

test("spans from the protobuf exporter arrive decoded", async () => {
  await withReceivers(1, async ([receiver]) => {
    await emit([new ProtoTraceExporter({ url: receiver!.tracesUrl })]);
    assertSpans(await receiver!.waitForSpans(5));
    assert.ok(receiver!.requests().every((r) => r.encoding === "protobuf" && r.status === 200));
  });
});

test("spans from the JSON exporter arrive decoded", async () => {
  await withReceivers(1, async ([receiver]) => {
    await emit([new JsonTraceExporter({ url: receiver!.tracesUrl })]);
    assertSpans(await receiver!.waitForSpans(5));
    assert.ok(receiver!.requests().every((r) => r.encoding === "json" && r.status === 200));
  });
});

test("the same spans decode to the same objects from protobuf, JSON and gzip'd protobuf", async () => {
  await withReceivers(3, async ([proto, json, gzip]) => {
    await emit([
      new ProtoTraceExporter({ url: proto!.tracesUrl }),
      new JsonTraceExporter({ url: json!.tracesUrl }),
      new ProtoTraceExporter({ url: gzip!.tracesUrl, compression: "gzip" as never }),
    ]);
    const order = (spans: ReceivedSpan[]) => [...spans].sort((a, b) => a.spanId.localeCompare(b.spanId));
    const fromProto = order(await proto!.waitForSpans(5));
    assert.equal(order(await json!.waitForSpans(5)), fromProto);
    assert.equal(order(await gzip!.waitForSpans(5)), fromProto);
    assert.ok(gzip!.requests().every((r) => r.contentEncoding === "gzip"));
  });
});

test.run();
