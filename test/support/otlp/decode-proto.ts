/**
 * OTLP/HTTP protobuf bodies (Export{Trace,Logs,Metrics}ServiceRequest) to the
 * plain model. Field numbers from opentelemetry-proto: common/v1/common.proto,
 * resource/v1/resource.proto, trace/v1/trace.proto, logs/v1/logs.proto,
 * metrics/v1/metrics.proto. Unknown fields are skipped, as protobuf requires.
 */
import type {
  Attributes,
  AttributeValue,
  Exemplar,
  ExponentialBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Int,
  LogRecord,
  Metric,
  MetricData,
  NumberDataPoint,
  OtlpPayload,
  OtlpSignal,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  ResourceSpans,
  Scope,
  ScopeLogs,
  ScopeMetrics,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
  SummaryDataPoint,
} from "./model.js";
import { toHex, toInt } from "./model.js";
import { expectWire, OtlpDecodeError, ProtoReader, WireType } from "./protobuf.js";

const { VARINT, I64, LEN, I32 } = WireType;

/** Reads every field of a message, handing each (field, wire) to `onField`; `onField` returns false to skip it. */
function each(reader: ProtoReader, onField: (field: number, wire: number) => boolean): void {
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (!onField(field, wire)) reader.skip(wire);
  }
}

/** The embedded messages of one repeated field, each decoded by `read`; other fields are skipped. */
function messages<T>(reader: ProtoReader, fieldNumber: number, read: (reader: ProtoReader) => T): T[] {
  const out: T[] = [];
  each(reader, (field, wire) => {
    if (field !== fieldNumber) return false;
    out.push(read(sub(reader, wire)));
    return true;
  });
  return out;
}

function str(reader: ProtoReader, wire: number): string {
  expectWire(wire, LEN);
  return reader.string();
}

function sub(reader: ProtoReader, wire: number): ProtoReader {
  expectWire(wire, LEN);
  return reader.message();
}

function u32(reader: ProtoReader, wire: number): number {
  expectWire(wire, VARINT);
  return reader.uint32();
}

function enumValue(reader: ProtoReader, wire: number): number {
  expectWire(wire, VARINT);
  return reader.int32();
}

function fixed64(reader: ProtoReader, wire: number): bigint {
  expectWire(wire, I64);
  return reader.fixed64();
}

function fixed32(reader: ProtoReader, wire: number): number {
  expectWire(wire, I32);
  return reader.fixed32();
}

function double(reader: ProtoReader, wire: number): number {
  expectWire(wire, I64);
  return reader.double();
}

function id(reader: ProtoReader, wire: number, length: number, what: string): string {
  expectWire(wire, LEN);
  const bytes = reader.bytes();
  if (bytes.length !== 0 && bytes.length !== length) {
    throw new OtlpDecodeError(`${what} has ${bytes.length} bytes, expected ${length}`);
  }
  return toHex(bytes);
}

const traceId = (r: ProtoReader, w: number) => id(r, w, 16, "trace_id");
const spanId = (r: ProtoReader, w: number) => id(r, w, 8, "span_id");

// --- common.proto ---------------------------------------------------------

function anyValue(reader: ProtoReader): AttributeValue {
  let value: AttributeValue = null;
  each(reader, (field, wire) => {
    switch (field) {
      case 1:
        value = str(reader, wire);
        return true;
      case 2:
        expectWire(wire, VARINT);
        value = reader.bool();
        return true;
      case 3:
        expectWire(wire, VARINT);
        value = toInt(reader.int64());
        return true;
      case 4:
        value = double(reader, wire);
        return true;
      case 5: {
        value = messages(sub(reader, wire), 1, anyValue);
        return true;
      }
      case 6: {
        const record: Attributes = {};
        for (const kv of messages(sub(reader, wire), 1, (r) => r)) addKeyValue(record, kv);
        value = record;
        return true;
      }
      case 7:
        expectWire(wire, LEN);
        value = reader.bytes().slice();
        return true;
      default:
        return false;
    }
  });
  return value;
}

function addKeyValue(into: Attributes, reader: ProtoReader): void {
  let key = "";
  let value: AttributeValue = null;
  each(reader, (field, wire) => {
    if (field === 1) key = str(reader, wire);
    else if (field === 2) value = anyValue(sub(reader, wire));
    else return false;
    return true;
  });
  into[key] = value;
}

function scope(reader: ProtoReader): Scope {
  let name = "";
  let version = "";
  const attributes: Attributes = {};
  let droppedAttributesCount = 0;
  each(reader, (field, wire) => {
    if (field === 1) name = str(reader, wire);
    else if (field === 2) version = str(reader, wire);
    else if (field === 3) addKeyValue(attributes, sub(reader, wire));
    else if (field === 4) droppedAttributesCount = u32(reader, wire);
    else return false;
    return true;
  });
  return { name, version, attributes, droppedAttributesCount };
}

const EMPTY_SCOPE: Scope = { name: "", version: "", attributes: {}, droppedAttributesCount: 0 };

function resource(reader: ProtoReader): Resource {
  const attributes: Attributes = {};
  let droppedAttributesCount = 0;
  each(reader, (field, wire) => {
    if (field === 1) addKeyValue(attributes, sub(reader, wire));
    else if (field === 2) droppedAttributesCount = u32(reader, wire);
    else return false;
    return true;
  });
  return { attributes, droppedAttributesCount };
}

const EMPTY_RESOURCE: Resource = { attributes: {}, droppedAttributesCount: 0 };

/** ResourceX { resource = 1; repeated ScopeX = 2; schema_url = 3 } and ScopeX { scope = 1; repeated item = 2; schema_url = 3 }. */
function envelope<T>(
  reader: ProtoReader,
  item: (reader: ProtoReader) => T,
): { head: ProtoReader | undefined; items: T[]; schemaUrl: string } {
  let head: ProtoReader | undefined;
  const items: T[] = [];
  let schemaUrl = "";
  each(reader, (field, wire) => {
    if (field === 1) head = sub(reader, wire);
    else if (field === 2) items.push(item(sub(reader, wire)));
    else if (field === 3) schemaUrl = str(reader, wire);
    else return false;
    return true;
  });
  return { head, items, schemaUrl };
}

function resourceOf(head: ProtoReader | undefined): Resource {
  return head ? resource(head) : EMPTY_RESOURCE;
}

function scopeOf(head: ProtoReader | undefined): Scope {
  return head ? scope(head) : EMPTY_SCOPE;
}

// --- trace.proto ----------------------------------------------------------

function spanEvent(reader: ProtoReader): SpanEvent {
  let timeUnixNano = 0n;
  let name = "";
  const attributes: Attributes = {};
  let droppedAttributesCount = 0;
  each(reader, (field, wire) => {
    if (field === 1) timeUnixNano = fixed64(reader, wire);
    else if (field === 2) name = str(reader, wire);
    else if (field === 3) addKeyValue(attributes, sub(reader, wire));
    else if (field === 4) droppedAttributesCount = u32(reader, wire);
    else return false;
    return true;
  });
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function spanLink(reader: ProtoReader): SpanLink {
  const link = {
    traceId: "",
    spanId: "",
    traceState: "",
    attributes: {} as Attributes,
    droppedAttributesCount: 0,
    flags: 0,
  };
  each(reader, (field, wire) => {
    if (field === 1) link.traceId = traceId(reader, wire);
    else if (field === 2) link.spanId = spanId(reader, wire);
    else if (field === 3) link.traceState = str(reader, wire);
    else if (field === 4) addKeyValue(link.attributes, sub(reader, wire));
    else if (field === 5) link.droppedAttributesCount = u32(reader, wire);
    else if (field === 6) link.flags = fixed32(reader, wire);
    else return false;
    return true;
  });
  return link;
}

function status(reader: ProtoReader): SpanStatus {
  let code = 0;
  let message = "";
  each(reader, (field, wire) => {
    if (field === 2) message = str(reader, wire);
    else if (field === 3) code = enumValue(reader, wire);
    else return false;
    return true;
  });
  return { code, message };
}

function span(reader: ProtoReader): Span {
  const s = {
    traceId: "",
    spanId: "",
    traceState: "",
    parentSpanId: "",
    flags: 0,
    name: "",
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: {} as Attributes,
    droppedAttributesCount: 0,
    events: [] as SpanEvent[],
    droppedEventsCount: 0,
    links: [] as SpanLink[],
    droppedLinksCount: 0,
    status: { code: 0, message: "" } as SpanStatus,
  };
  each(reader, (field, wire) => {
    switch (field) {
      case 1:
        s.traceId = traceId(reader, wire);
        break;
      case 2:
        s.spanId = spanId(reader, wire);
        break;
      case 3:
        s.traceState = str(reader, wire);
        break;
      case 4:
        s.parentSpanId = spanId(reader, wire);
        break;
      case 16:
        s.flags = fixed32(reader, wire);
        break;
      case 5:
        s.name = str(reader, wire);
        break;
      case 6:
        s.kind = enumValue(reader, wire);
        break;
      case 7:
        s.startTimeUnixNano = fixed64(reader, wire);
        break;
      case 8:
        s.endTimeUnixNano = fixed64(reader, wire);
        break;
      case 9:
        addKeyValue(s.attributes, sub(reader, wire));
        break;
      case 10:
        s.droppedAttributesCount = u32(reader, wire);
        break;
      case 11:
        s.events.push(spanEvent(sub(reader, wire)));
        break;
      case 12:
        s.droppedEventsCount = u32(reader, wire);
        break;
      case 13:
        s.links.push(spanLink(sub(reader, wire)));
        break;
      case 14:
        s.droppedLinksCount = u32(reader, wire);
        break;
      case 15:
        s.status = status(sub(reader, wire));
        break;
      default:
        return false;
    }
    return true;
  });
  return s;
}

function resourceSpans(reader: ProtoReader): ResourceSpans {
  const outer = envelope(reader, (r): ScopeSpans => {
    const inner = envelope(r, span);
    return { scope: scopeOf(inner.head), schemaUrl: inner.schemaUrl, spans: inner.items };
  });
  return { resource: resourceOf(outer.head), schemaUrl: outer.schemaUrl, scopeSpans: outer.items };
}

// --- logs.proto -----------------------------------------------------------

function logRecord(reader: ProtoReader): LogRecord {
  const log = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: "",
    body: null as AttributeValue,
    attributes: {} as Attributes,
    droppedAttributesCount: 0,
    flags: 0,
    traceId: "",
    spanId: "",
    eventName: "",
  };
  each(reader, (field, wire) => {
    if (field === 1) log.timeUnixNano = fixed64(reader, wire);
    else if (field === 11) log.observedTimeUnixNano = fixed64(reader, wire);
    else if (field === 2) log.severityNumber = enumValue(reader, wire);
    else if (field === 3) log.severityText = str(reader, wire);
    else if (field === 5) log.body = anyValue(sub(reader, wire));
    else if (field === 6) addKeyValue(log.attributes, sub(reader, wire));
    else if (field === 7) log.droppedAttributesCount = u32(reader, wire);
    else if (field === 8) log.flags = fixed32(reader, wire);
    else if (field === 9) log.traceId = traceId(reader, wire);
    else if (field === 10) log.spanId = spanId(reader, wire);
    else if (field === 12) log.eventName = str(reader, wire);
    else return false;
    return true;
  });
  return log;
}

function resourceLogs(reader: ProtoReader): ResourceLogs {
  const outer = envelope(reader, (r): ScopeLogs => {
    const inner = envelope(r, logRecord);
    return { scope: scopeOf(inner.head), schemaUrl: inner.schemaUrl, logRecords: inner.items };
  });
  return { resource: resourceOf(outer.head), schemaUrl: outer.schemaUrl, scopeLogs: outer.items };
}

// --- metrics.proto --------------------------------------------------------

function fixed64s(reader: ProtoReader, wire: number): Int[] {
  return reader.repeated(wire, I64, (r) => toInt(r.fixed64()));
}

function exemplar(reader: ProtoReader): Exemplar {
  const e = {
    filteredAttributes: {} as Attributes,
    timeUnixNano: 0n,
    value: 0 as number | Int,
    spanId: "",
    traceId: "",
  };
  each(reader, (field, wire) => {
    if (field === 7) addKeyValue(e.filteredAttributes, sub(reader, wire));
    else if (field === 2) e.timeUnixNano = fixed64(reader, wire);
    else if (field === 3) e.value = double(reader, wire);
    else if (field === 6) e.value = toInt(BigInt.asIntN(64, fixed64(reader, wire)));
    else if (field === 4) e.spanId = spanId(reader, wire);
    else if (field === 5) e.traceId = traceId(reader, wire);
    else return false;
    return true;
  });
  return e;
}

function numberPoint(reader: ProtoReader): NumberDataPoint {
  const p = {
    attributes: {} as Attributes,
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    value: 0 as number | Int,
    exemplars: [] as Exemplar[],
    flags: 0,
  };
  each(reader, (field, wire) => {
    if (field === 7) addKeyValue(p.attributes, sub(reader, wire));
    else if (field === 2) p.startTimeUnixNano = fixed64(reader, wire);
    else if (field === 3) p.timeUnixNano = fixed64(reader, wire);
    else if (field === 4) p.value = double(reader, wire);
    else if (field === 6) p.value = toInt(BigInt.asIntN(64, fixed64(reader, wire)));
    else if (field === 5) p.exemplars.push(exemplar(sub(reader, wire)));
    else if (field === 8) p.flags = u32(reader, wire);
    else return false;
    return true;
  });
  return p;
}

function histogramPoint(reader: ProtoReader): HistogramDataPoint {
  const p = {
    attributes: {} as Attributes,
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0 as Int,
    sum: undefined as number | undefined,
    bucketCounts: [] as Int[],
    explicitBounds: [] as number[],
    exemplars: [] as Exemplar[],
    flags: 0,
    min: undefined as number | undefined,
    max: undefined as number | undefined,
  };
  each(reader, (field, wire) => {
    if (field === 9) addKeyValue(p.attributes, sub(reader, wire));
    else if (field === 2) p.startTimeUnixNano = fixed64(reader, wire);
    else if (field === 3) p.timeUnixNano = fixed64(reader, wire);
    else if (field === 4) p.count = toInt(fixed64(reader, wire));
    else if (field === 5) p.sum = double(reader, wire);
    else if (field === 6) p.bucketCounts.push(...fixed64s(reader, wire));
    else if (field === 7) p.explicitBounds.push(...reader.repeated(wire, I64, (r) => r.double()));
    else if (field === 8) p.exemplars.push(exemplar(sub(reader, wire)));
    else if (field === 10) p.flags = u32(reader, wire);
    else if (field === 11) p.min = double(reader, wire);
    else if (field === 12) p.max = double(reader, wire);
    else return false;
    return true;
  });
  return p;
}

function buckets(reader: ProtoReader): ExponentialBuckets {
  let offset = 0;
  const bucketCounts: Int[] = [];
  each(reader, (field, wire) => {
    if (field === 1) {
      expectWire(wire, VARINT);
      offset = Number(BigInt.asIntN(32, reader.sint()));
    } else if (field === 2) bucketCounts.push(...reader.repeated(wire, VARINT, (r) => toInt(r.uint64())));
    else return false;
    return true;
  });
  return { offset, bucketCounts };
}

function exponentialPoint(reader: ProtoReader): ExponentialHistogramDataPoint {
  const empty: ExponentialBuckets = { offset: 0, bucketCounts: [] };
  const p = {
    attributes: {} as Attributes,
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0 as Int,
    sum: undefined as number | undefined,
    scale: 0,
    zeroCount: 0 as Int,
    positive: empty,
    negative: empty,
    flags: 0,
    exemplars: [] as Exemplar[],
    min: undefined as number | undefined,
    max: undefined as number | undefined,
    zeroThreshold: 0,
  };
  each(reader, (field, wire) => {
    if (field === 1) addKeyValue(p.attributes, sub(reader, wire));
    else if (field === 2) p.startTimeUnixNano = fixed64(reader, wire);
    else if (field === 3) p.timeUnixNano = fixed64(reader, wire);
    else if (field === 4) p.count = toInt(fixed64(reader, wire));
    else if (field === 5) p.sum = double(reader, wire);
    else if (field === 6) {
      expectWire(wire, VARINT);
      p.scale = Number(BigInt.asIntN(32, reader.sint()));
    } else if (field === 7) p.zeroCount = toInt(fixed64(reader, wire));
    else if (field === 8) p.positive = buckets(sub(reader, wire));
    else if (field === 9) p.negative = buckets(sub(reader, wire));
    else if (field === 10) p.flags = u32(reader, wire);
    else if (field === 11) p.exemplars.push(exemplar(sub(reader, wire)));
    else if (field === 12) p.min = double(reader, wire);
    else if (field === 13) p.max = double(reader, wire);
    else if (field === 14) p.zeroThreshold = double(reader, wire);
    else return false;
    return true;
  });
  return p;
}

function summaryPoint(reader: ProtoReader): SummaryDataPoint {
  const p = {
    attributes: {} as Attributes,
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    count: 0 as Int,
    sum: 0,
    quantileValues: [] as Array<{ quantile: number; value: number }>,
    flags: 0,
  };
  each(reader, (field, wire) => {
    if (field === 7) addKeyValue(p.attributes, sub(reader, wire));
    else if (field === 2) p.startTimeUnixNano = fixed64(reader, wire);
    else if (field === 3) p.timeUnixNano = fixed64(reader, wire);
    else if (field === 4) p.count = toInt(fixed64(reader, wire));
    else if (field === 5) p.sum = double(reader, wire);
    else if (field === 6) {
      const q = sub(reader, wire);
      const entry = { quantile: 0, value: 0 };
      each(q, (f, w) => {
        if (f === 1) entry.quantile = double(q, w);
        else if (f === 2) entry.value = double(q, w);
        else return false;
        return true;
      });
      p.quantileValues.push(entry);
    } else if (field === 8) p.flags = u32(reader, wire);
    else return false;
    return true;
  });
  return p;
}

/** Gauge/Sum/Histogram/... { repeated points = 1; temporality = 2; is_monotonic = 3 }. */
function metricData<T>(reader: ProtoReader, point: (r: ProtoReader) => T) {
  const dataPoints: T[] = [];
  let aggregationTemporality = 0;
  let isMonotonic = false;
  each(reader, (field, wire) => {
    if (field === 1) dataPoints.push(point(sub(reader, wire)));
    else if (field === 2) aggregationTemporality = enumValue(reader, wire);
    else if (field === 3) {
      expectWire(wire, VARINT);
      isMonotonic = reader.bool();
    } else return false;
    return true;
  });
  return { dataPoints, aggregationTemporality, isMonotonic };
}

function metric(reader: ProtoReader): Metric {
  let name = "";
  let description = "";
  let unit = "";
  let data: MetricData = { type: "none", dataPoints: [] };
  const metadata: Attributes = {};
  each(reader, (field, wire) => {
    switch (field) {
      case 1:
        name = str(reader, wire);
        return true;
      case 2:
        description = str(reader, wire);
        return true;
      case 3:
        unit = str(reader, wire);
        return true;
      case 5:
        data = { type: "gauge", dataPoints: metricData(sub(reader, wire), numberPoint).dataPoints };
        return true;
      case 7:
        data = { type: "sum", ...metricData(sub(reader, wire), numberPoint) };
        return true;
      case 9: {
        const { dataPoints, aggregationTemporality } = metricData(sub(reader, wire), histogramPoint);
        data = { type: "histogram", dataPoints, aggregationTemporality };
        return true;
      }
      case 10: {
        const { dataPoints, aggregationTemporality } = metricData(sub(reader, wire), exponentialPoint);
        data = { type: "exponentialHistogram", dataPoints, aggregationTemporality };
        return true;
      }
      case 11:
        data = { type: "summary", dataPoints: metricData(sub(reader, wire), summaryPoint).dataPoints };
        return true;
      case 12:
        addKeyValue(metadata, sub(reader, wire));
        return true;
      default:
        return false;
    }
  });
  return { name, description, unit, data, metadata };
}

function resourceMetrics(reader: ProtoReader): ResourceMetrics {
  const outer = envelope(reader, (r): ScopeMetrics => {
    const inner = envelope(r, metric);
    return { scope: scopeOf(inner.head), schemaUrl: inner.schemaUrl, metrics: inner.items };
  });
  return { resource: resourceOf(outer.head), schemaUrl: outer.schemaUrl, scopeMetrics: outer.items };
}

/** Decodes an Export*ServiceRequest body: `repeated Resource* resource_* = 1`. Throws `OtlpDecodeError`. */
export function decodeProtobuf(signal: OtlpSignal, body: Uint8Array): OtlpPayload {
  const reader = new ProtoReader(body);
  if (signal === "traces") return { signal, resourceSpans: messages(reader, 1, resourceSpans) };
  if (signal === "logs") return { signal, resourceLogs: messages(reader, 1, resourceLogs) };
  return { signal, resourceMetrics: messages(reader, 1, resourceMetrics) };
}
