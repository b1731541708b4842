// What a probe emits reaches a real OTLP/HTTP receiver (127.0.0.1, started
// here) through the official exporters, over protobuf and JSON alike: the
// right trace and parent ids, remote-parent flags, tracestate, kinds,
// attributes, events (with attributes and dropped counts), links, status,
// resource, instrumentation scope, correlated logs and metric points, and
// the runtime's own accounting metrics.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { withProbesFetch } from "../../host/adapters/fetch.js";
import { createTelemetry, type OtlpProtocol } from "../../host/telemetry/setup.js";
import { type ReceivedMetric, type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER = "00f067aa0ba902b7";

function byName(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const span = spans.find((s) => s.name === name);
  assert.ok(span, `no span ${name} in ${spans.map((s) => s.name).join(", ")}`);
  return span;
}

/** The adapter's SERVER span (the latency probe names its span the same way). */
function serverSpan(spans: ReceivedSpan[]): ReceivedSpan {
  const span = spans.find((s) => s.scope.name === "sandprobe");
  assert.ok(span, "no server span");
  return span;
}

function metric(metrics: ReceivedMetric[], name: string, probe?: string): ReceivedMetric {
  const found = metrics.filter((m) => m.name === name && (probe === undefined || m.scope.name === probe));
  assert.ok(found.length > 0, `no metric ${name}`);
  return found[found.length - 1] as ReceivedMetric;
}

async function roundTrip(protocol: OtlpProtocol) {
  const receiver = await startOtlpReceiver();
  try {
    const telemetry = await createTelemetry({
      export: { otlp: { endpoint: receiver.url, protocol } },
      resource: {
        serviceName: "checkout",
        serviceVersion: "4.2.0",
        environment: "staging",
        cloudRegion: "eu-west-1",
        bundleVersion: "2026.11.1",
      },
    });
    const runtime = unsignedRuntime({ ...telemetry.runtimeOptions });
    await runtime.replaceAll([await probeBytes("testing", "fidelity"), await probeBytes("examples", "latency")]);
    const handler = withProbesFetch(runtime, () => new Response("ok"), { route: () => "/users/:id" });
    const response = await handler(
      new Request("http://127.0.0.1/users/42", {
        headers: { traceparent: `00-${TRACE}-${CALLER}-01`, tracestate: "vendor=abc,other=1" },
      }),
    );
    assert.is(response.status, 200);
    const result = await telemetry.shutdown();
    assert.ok(result.ok, String(result.errors));
    return { receiver, runtime, ledger: telemetry.ledger.snapshot() };
  } catch (error) {
    await receiver.close();
    throw error;
  }
}

for (const protocol of ["http/protobuf", "http/json"] as const) {
  test(`${protocol}: spans arrive with their parents, kinds, attributes, events, links and status`, async () => {
    const { receiver, runtime } = await roundTrip(protocol);
    try {
      const spans = receiver.spans();
      assert.ok(receiver.requests().every((r) => r.encoding === (protocol === "http/json" ? "json" : "protobuf")));
      const server = serverSpan(spans);
      assert.is(server.name, "GET /users/:id");
      const outer = byName(spans, "probe.request");
      const lookup = byName(spans, "GET");
      const noisy = byName(spans, "probe.noisy");
      for (const span of spans) {
        assert.is(span.traceId, TRACE, `${span.name} keeps the caller's trace id`);
        assert.is(span.traceState, "vendor=abc,other=1", `${span.name} carries tracestate`);
        assert.is(span.flags & 0xff, 1, "sampled");
      }
      // The adapter's server span is the child of the remote caller; the probes' spans nest under it.
      assert.is(server.parentSpanId, CALLER);
      assert.is(server.flags & 0x300, 0x300, "the server span's parent is remote");
      assert.is(outer.parentSpanId, server.spanId);
      assert.is(outer.flags & 0x300, 0x100, "probe spans have a local parent");
      assert.is(lookup.parentSpanId, outer.spanId);
      assert.is(noisy.parentSpanId, outer.spanId);
      assert.equal([server.kind, outer.kind, lookup.kind, noisy.kind], [2, 1, 3, 4]);

      assert.equal(outer.attributes, {
        "http.route": "/users/:id",
        "probe.attempt": 3,
        "probe.ratio": 0.25,
        "probe.cached": false,
      });
      assert.equal(outer.status, { code: 1, message: "" });
      assert.equal(lookup.attributes, { "http.request.method": "GET", "server.address": "cache.internal" });
      assert.equal(lookup.status, { code: 2, message: "upstream timeout" });
      assert.is(lookup.events.length, 1);
      assert.is(lookup.events[0]?.name, "cache.miss");
      assert.equal(lookup.events[0]?.attributes, { "cache.key": "user:42" });
      // One valid link; the all-zero one was refused by the host and counted.
      assert.is(lookup.links.length, 1);
      assert.is(lookup.links[0]?.traceId, "0af7651916cd43dd8448eb211c80319c");
      assert.is(lookup.links[0]?.spanId, "b7ad6b7169203331");
      assert.is((lookup.links[0]?.flags ?? 0) & 0xff, 1);
      assert.is(runtime.stats().fidelity?.drops["invalid-link"], 1);
      // 130 events on one span: the SDK keeps 128 and the count of the rest travels.
      assert.is(noisy.events.length, 128);
      assert.is(noisy.droppedEventsCount, 2);

      for (const span of [outer, lookup, noisy]) {
        assert.equal(span.scope, { name: "fidelity", version: "2.3.4", attributes: {}, droppedAttributesCount: 0 });
      }
      const fromLatency = spans.filter((s) => s.scope.name === "latency");
      assert.is(fromLatency.length, 1);
      assert.is(fromLatency[0]?.scope.version, "1.0.0");
      assert.equal(fromLatency[0]?.attributes, {
        "http.request.method": "GET",
        "http.route": "/users/:id",
        "http.response.status_code": 200,
      });

      const resource = outer.resource.attributes;
      assert.is(resource["service.name"], "checkout");
      assert.is(resource["service.version"], "4.2.0");
      assert.is(resource["deployment.environment.name"], "staging");
      assert.is(resource["cloud.region"], "eu-west-1");
      assert.is(resource["probe.runtime"], "wasi");
      assert.is(resource["probe.runtime.name"], "sandprobe");
      assert.is(resource["probe.bundle.version"], "2026.11.1");
      assert.is(resource["telemetry.sdk.language"], "nodejs");
    } finally {
      await receiver.close();
    }
  });

  test(`${protocol}: probe logs carry the request span's ids, metrics arrive as points, the ledger adds up`, async () => {
    const { receiver, ledger } = await roundTrip(protocol);
    try {
      const server = serverSpan(receiver.spans());
      const logs = receiver.logs();
      assert.is(logs.length, 1);
      const log = logs[0]!;
      assert.is(log.body, "cache miss on /users/:id");
      assert.is(log.severityNumber, 13);
      assert.is(log.severityText, "WARN");
      assert.is(log.traceId, TRACE);
      assert.is(log.spanId, server.spanId, "correlated with the request's current span");
      assert.equal([log.scope.name, log.scope.version], ["fidelity", "2.3.4"]);
      assert.is(log.resource.attributes["service.name"], "checkout");

      const metrics = receiver.metrics();
      const misses = metric(metrics, "probe.cache.misses");
      assert.equal([misses.scope.name, misses.scope.version], ["fidelity", "2.3.4"]);
      assert.is(misses.data.type, "sum");
      if (misses.data.type === "sum") {
        assert.is(misses.data.isMonotonic, true);
        assert.is(misses.data.dataPoints.length, 1);
        assert.equal(misses.data.dataPoints[0]?.attributes, { "http.route": "/users/:id" });
        assert.is(Number(misses.data.dataPoints[0]?.value), 1);
      }
      const duration = metric(metrics, "probe.lookup.duration");
      assert.is(duration.data.type, "histogram");
      if (duration.data.type === "histogram") {
        const point = duration.data.dataPoints[0]!;
        assert.is(Number(point.count), 2);
        assert.is(point.sum, 1);
        assert.equal([point.min, point.max], [0.25, 0.75]);
      }

      // The runtime's own metrics: every probe span and log record accounted for.
      assert.equal(ledger.fidelity?.spans, {
        emitted: 3,
        exported: 3,
        dropped: { "sampled-out": 0, quota: 0, "queue-full": 0, "export-failure": 0, shutdown: 0 },
        inFlight: 0,
      });
      assert.is(ledger.fidelity?.logs.exported, 1);
      const exported = metric(metrics, "sandprobe.probe.spans.exported");
      assert.is(exported.scope.name, "sandprobe");
      if (exported.data.type === "sum") {
        const points = Object.fromEntries(
          exported.data.dataPoints.map((p) => [String(p.attributes["probe.name"]), Number(p.value)]),
        );
        assert.equal(points, { fidelity: 3, latency: 1 });
      } else assert.unreachable("sandprobe.probe.spans.exported is a sum");
    } finally {
      await receiver.close();
    }
  });
}

test.run();
