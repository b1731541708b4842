// Logs (correlated to spans) and metric points from the official exporters,
// decoded by the test receiver from protobuf and JSON alike.
import { type HrTime, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ReceivedMetric, withReceivers } from "../support/otlp-receiver.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const LOG_TIME: HrTime = [1_700_000_000, 111_222_333];
const resource = resourceFromAttributes({ "service.name": "probe-host", "probe.runtime": "wasi" });

async function emitLogs(exporters: Array<JsonLogExporter | ProtoLogExporter>): Promise<void> {
  const provider = new LoggerProvider({
    resource,
    processors: exporters.map((exporter) => new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60_000 })),
  });
  const logger = provider.getLogger("probe.auth", "2.0.0");
  const inSpan = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags: 1 });
  logger.emit({
    timestamp: LOG_TIME,
    severityNumber: SeverityNumber.WARN,
    severityText: "WARN",
    body: "token expires soon",
    attributes: { "user.id": 42, "auth.method": "jwt" },
    context: inSpan,
  });
  logger.emit({ severityNumber: SeverityNumber.INFO, body: { structured: true, n: 1.5 }, context: ROOT_CONTEXT });
  await provider.forceFlush();
  await provider.shutdown();
}

test("log records arrive with their span's trace and span id, over protobuf and JSON", async () => {
  await withReceivers(2, async ([proto, json]) => {
    await emitLogs([new ProtoLogExporter({ url: proto!.logsUrl }), new JsonLogExporter({ url: json!.logsUrl })]);
    const fromProto = await proto!.waitForLogs(2);
    const fromJson = await json!.waitForLogs(2);
    assert.equal(fromJson, fromProto);
    assert.ok(proto!.requests().every((r) => r.encoding === "protobuf" && r.path === "/v1/logs"));
    assert.ok(json!.requests().every((r) => r.encoding === "json"));
    const [warn, info] = fromProto;
    assert.is(warn!.traceId, TRACE);
    assert.is(warn!.spanId, SPAN);
    assert.is(warn!.flags & 0xff, 1);
    assert.is(warn!.timeUnixNano, 1_700_000_000_111_222_333n);
    assert.ok(warn!.observedTimeUnixNano > 0n);
    assert.is(warn!.severityNumber, 13);
    assert.is(warn!.severityText, "WARN");
    assert.is(warn!.body, "token expires soon");
    assert.equal(warn!.attributes, { "user.id": 42, "auth.method": "jwt" });
    assert.equal(warn!.scope, { name: "probe.auth", version: "2.0.0", attributes: {}, droppedAttributesCount: 0 });
    assert.is(warn!.resource.attributes["probe.runtime"], "wasi");
    assert.is(info!.traceId, "", "no span, no correlation");
    assert.equal(info!.body, { structured: true, n: 1.5 });
  });
});

async function emitMetrics(exporters: Array<JsonMetricExporter | ProtoMetricExporter>): Promise<void> {
  const provider = new MeterProvider({
    resource,
    readers: exporters.map((exporter) => new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })),
    views: [{ instrumentName: "probe.payload", aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter("probe.latency", "0.4.0");
  const requests = meter.createCounter("probe.requests", { description: "requests seen", unit: "{request}" });
  requests.add(3, { route: "/a" });
  requests.add(2, { route: "/b" });
  requests.add(1, { route: "/a" });
  const duration = meter.createHistogram("probe.duration", { unit: "ms" });
  for (const value of [0.5, 3, 7, 120]) duration.record(value, { route: "/a" });
  const inflight = meter.createUpDownCounter("probe.inflight");
  inflight.add(5);
  inflight.add(-2);
  meter.createObservableGauge("probe.memory").addCallback((result) => result.observe(65_536, { probe: "x" }));
  const payload = meter.createHistogram("probe.payload");
  for (const value of [1, 2, 4, 8, 1024]) payload.record(value);
  await provider.forceFlush();
  await provider.shutdown();
}

function named(metrics: ReceivedMetric[], name: string): ReceivedMetric {
  const metric = metrics.find((m) => m.name === name);
  assert.ok(metric, `no metric ${name}`);
  return metric;
}

test("counters, histograms, up-down counters, gauges and exponential histograms arrive as points", async () => {
  await withReceivers(2, async ([proto, json]) => {
    await emitMetrics([
      new ProtoMetricExporter({ url: proto!.metricsUrl }),
      new JsonMetricExporter({ url: json!.metricsUrl }),
    ]);
    const fromProto = await proto!.waitForMetric("probe.payload");
    const fromJson = await json!.waitForMetric("probe.payload");
    // Each reader collects at its own moment, so point timestamps may differ by
    // a millisecond between the two encodings: compare everything else.
    const untimed = (list: ReceivedMetric[]) =>
      JSON.parse(
        JSON.stringify(
          [...list].sort((a, b) => a.name.localeCompare(b.name)),
          (key, value) =>
            key === "timeUnixNano" || key === "startTimeUnixNano"
              ? undefined
              : typeof value === "bigint"
                ? `${value}n`
                : value,
        ),
      );
    assert.equal(untimed(fromJson), untimed(fromProto));

    const counter = named(fromProto, "probe.requests");
    assert.is(counter.description, "requests seen");
    assert.is(counter.unit, "{request}");
    assert.equal(counter.scope.name, "probe.latency");
    assert.is(counter.resource.attributes["service.name"], "probe-host");
    assert.is(counter.data.type, "sum");
    if (counter.data.type === "sum") {
      assert.ok(counter.data.isMonotonic);
      assert.is(counter.data.aggregationTemporality, 2, "cumulative");
      const points = counter.data.dataPoints.map((p) => [p.attributes.route, p.value]).sort();
      assert.equal(points, [
        ["/a", 4],
        ["/b", 2],
      ]);
      assert.ok(
        counter.data.dataPoints.every((p) => p.timeUnixNano >= p.startTimeUnixNano && p.startTimeUnixNano > 0n),
      );
    }

    const histogram = named(fromProto, "probe.duration");
    assert.is(histogram.data.type, "histogram");
    if (histogram.data.type === "histogram") {
      const [point] = histogram.data.dataPoints;
      assert.is(point!.count, 4);
      assert.is(point!.sum, 130.5);
      assert.is(point!.min, 0.5);
      assert.is(point!.max, 120);
      assert.is(point!.bucketCounts.length, point!.explicitBounds.length + 1);
      assert.is(
        point!.bucketCounts.reduce<number>((a, b) => a + Number(b), 0),
        4,
      );
      assert.ok(point!.explicitBounds.includes(5) && point!.explicitBounds.includes(100));
    }

    const upDown = named(fromProto, "probe.inflight");
    assert.ok(upDown.data.type === "sum" && !upDown.data.isMonotonic && upDown.data.dataPoints[0]!.value === 3);
    const gauge = named(fromProto, "probe.memory");
    assert.ok(gauge.data.type === "gauge");
    assert.equal(
      gauge.data.dataPoints.map((p) => [p.attributes, p.value]),
      [[{ probe: "x" }, 65_536]],
    );

    const exponential = named(fromProto, "probe.payload");
    assert.is(exponential.data.type, "exponentialHistogram");
    if (exponential.data.type === "exponentialHistogram") {
      const [point] = exponential.data.dataPoints;
      assert.is(point!.count, 5);
      assert.is(point!.sum, 1039);
      const inBuckets = point!.positive.bucketCounts.reduce<number>((a, b) => a + Number(b), 0);
      assert.is(inBuckets + Number(point!.zeroCount), 5);
    }
  });
});

test.run();
