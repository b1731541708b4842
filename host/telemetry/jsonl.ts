import type { Attributes, HrTime } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { PushMetricExporter, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/** Receives one JSON document per call, without the newline (a file, stdout, a test array). */
export type LineSink = (line: string) => void;

const OK: ExportResult = { code: 0 };

/** HrTime as decimal nanoseconds since the epoch, exactly (as OTLP/JSON writes them). */
export function hrTimeToNanos(time: HrTime): string {
  const [seconds, nanos] = time;
  return seconds === 0 ? String(nanos) : `${seconds}${String(nanos).padStart(9, "0")}`;
}

function failed(error: unknown): ExportResult {
  return { code: 1, error: error instanceof Error ? error : new Error(String(error)) };
}

function plain(attributes: Attributes | undefined): Attributes {
  return attributes ?? {};
}

/** One span as a flat JSON object, named after OTLP/JSON's fields. */
export function spanToJson(span: ReadableSpan): Record<string, unknown> {
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? "",
    traceState: context.traceState?.serialize() ?? "",
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: hrTimeToNanos(span.startTime),
    endTimeUnixNano: hrTimeToNanos(span.endTime),
    attributes: plain(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: hrTimeToNanos(e.time),
      attributes: plain(e.attributes),
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      attributes: plain(l.attributes),
    })),
    droppedLinksCount: span.droppedLinksCount,
    status: span.status,
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version ?? "" },
  };
}

/**
 * The shape all three JSON Lines exporters share: turn a batch into
 * documents, write one line each, report the result as a value.
 */
abstract class JsonLinesExporter<Batch> {
  constructor(private readonly write: LineSink) {}

  protected abstract documents(batch: Batch): Iterable<Record<string, unknown>>;

  export(batch: Batch, resultCallback: (result: ExportResult) => void): void {
    try {
      for (const document of this.documents(batch)) this.write(JSON.stringify(document));
      resultCallback(OK);
    } catch (error) {
      resultCallback(failed(error));
    }
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** A span exporter that writes JSON Lines: the embedded default, no collector needed. */
export class JsonLinesSpanExporter extends JsonLinesExporter<ReadableSpan[]> implements SpanExporter {
  protected *documents(spans: ReadableSpan[]) {
    for (const span of spans) yield { signal: "span", ...spanToJson(span) };
  }
}

/** Log records as JSON Lines, with their trace correlation. */
export class JsonLinesLogExporter extends JsonLinesExporter<ReadableLogRecord[]> {
  protected *documents(logs: ReadableLogRecord[]) {
    for (const log of logs) {
      yield {
        signal: "log",
        timeUnixNano: hrTimeToNanos(log.hrTime),
        severityNumber: log.severityNumber ?? 0,
        severityText: log.severityText ?? "",
        body: log.body ?? null,
        attributes: log.attributes,
        traceId: log.spanContext?.traceId ?? "",
        spanId: log.spanContext?.spanId ?? "",
        scope: { name: log.instrumentationScope.name, version: log.instrumentationScope.version ?? "" },
      };
    }
  }
}

/** Metric points as JSON Lines: one line per data point. */
export class JsonLinesMetricExporter extends JsonLinesExporter<ResourceMetrics> implements PushMetricExporter {
  protected *documents(metrics: ResourceMetrics) {
    for (const scope of metrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints as { attributes: Attributes; value: unknown; endTime: HrTime }[]) {
          yield {
            signal: "metric",
            name: metric.descriptor.name,
            unit: metric.descriptor.unit,
            scope: { name: scope.scope.name, version: scope.scope.version ?? "" },
            attributes: point.attributes,
            timeUnixNano: hrTimeToNanos(point.endTime),
            value: point.value,
          };
        }
      }
    }
  }
}
