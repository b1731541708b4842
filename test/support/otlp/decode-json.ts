/**
 * OTLP/JSON bodies to the plain model, per the OTLP/JSON rules: lowerCamelCase
 * field names (the proto names are accepted too, as proto3 JSON parsers do),
 * trace and span ids as hex, int64/fixed64 as decimal strings or numbers,
 * enums as integers (names accepted), other bytes as base64, unknown fields
 * ignored. Type mismatches throw `OtlpDecodeError`.
 */
import { Buffer } from "node:buffer";
import type {
  Attributes,
  AttributeValue,
  Exemplar,
  ExponentialBuckets,
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
  Span,
} from "./model.js";
import { toInt } from "./model.js";
import { OtlpDecodeError } from "./protobuf.js";

type Json = Record<string, unknown>;

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function field(object: Json, name: string): unknown {
  const value = object[name];
  return value !== undefined ? value : object[snake(name)];
}

function obj(value: unknown, what: string): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new OtlpDecodeError(`${what} is not an object`);
  return value as Json;
}

function list(object: Json, name: string): Json[] {
  const value = field(object, name);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${name} is not an array`);
  return value.map((item, i) => obj(item, `${name}[${i}]`));
}

function str(object: Json, name: string): string {
  const value = field(object, name);
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new OtlpDecodeError(`${name} is not a string`);
  return value;
}

function int64(value: unknown, name: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  throw new OtlpDecodeError(`${name} is not an integer: ${JSON.stringify(value)}`);
}

function time(object: Json, name: string): bigint {
  const value = int64(field(object, name), name);
  if (value < 0n) throw new OtlpDecodeError(`${name} is negative`);
  return value;
}

function count(object: Json, name: string): Int {
  return toInt(int64(field(object, name), name));
}

function u32(object: Json, name: string): number {
  return Number(BigInt.asUintN(32, int64(field(object, name), name)));
}

function num(value: unknown, name: string): number {
  if (typeof value === "number") return value;
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  throw new OtlpDecodeError(`${name} is not a number: ${JSON.stringify(value)}`);
}

function optionalDouble(object: Json, name: string): number | undefined {
  const value = field(object, name);
  return value === undefined || value === null ? undefined : num(value, name);
}

function enumValue(object: Json, name: string, names: readonly string[] = []): number {
  const value = field(object, name);
  if (value === undefined || value === null) return 0;
  if (typeof value === "string" && names.includes(value)) return names.indexOf(value);
  return Number(BigInt.asIntN(32, int64(value, name)));
}

function hexId(object: Json, name: string, length: number): string {
  const value = str(object, name);
  if (value !== "" && !new RegExp(`^[0-9a-fA-F]{${length * 2}}$`).test(value)) {
    throw new OtlpDecodeError(`${name} is not ${length} bytes of hex: ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

function anyValue(value: unknown): AttributeValue {
  const any = obj(value, "AnyValue");
  if ("stringValue" in any || "string_value" in any) return str(any, "stringValue");
  if ("boolValue" in any || "bool_value" in any) {
    const b = field(any, "boolValue");
    if (typeof b !== "boolean") throw new OtlpDecodeError("boolValue is not a boolean");
    return b;
  }
  if ("intValue" in any || "int_value" in any) return toInt(int64(field(any, "intValue"), "intValue"));
  if ("doubleValue" in any || "double_value" in any) return num(field(any, "doubleValue"), "doubleValue");
  if ("arrayValue" in any || "array_value" in any) {
    return list(obj(field(any, "arrayValue"), "arrayValue"), "values").map(anyValue);
  }
  if ("kvlistValue" in any || "kvlist_value" in any) {
    return attributes(obj(field(any, "kvlistValue"), "kvlistValue"), "values");
  }
  if ("bytesValue" in any || "bytes_value" in any) {
    return new Uint8Array(Buffer.from(str(any, "bytesValue"), "base64"));
  }
  return null;
}

function attributes(object: Json, name = "attributes"): Attributes {
  const out: Attributes = {};
  for (const kv of list(object, name)) out[str(kv, "key")] = anyValue(field(kv, "value"));
  return out;
}

function resource(value: unknown): Resource {
  const r = obj(value, "resource");
  return { attributes: attributes(r), droppedAttributesCount: u32(r, "droppedAttributesCount") };
}

function scope(value: unknown): Scope {
  const s = obj(value, "scope");
  return {
    name: str(s, "name"),
    version: str(s, "version"),
    attributes: attributes(s),
    droppedAttributesCount: u32(s, "droppedAttributesCount"),
  };
}

const SPAN_KINDS = [
  "SPAN_KIND_UNSPECIFIED",
  "SPAN_KIND_INTERNAL",
  "SPAN_KIND_SERVER",
  "SPAN_KIND_CLIENT",
  "SPAN_KIND_PRODUCER",
  "SPAN_KIND_CONSUMER",
];
const STATUS_CODES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
const TEMPORALITIES = [
  "AGGREGATION_TEMPORALITY_UNSPECIFIED",
  "AGGREGATION_TEMPORALITY_DELTA",
  "AGGREGATION_TEMPORALITY_CUMULATIVE",
];

function span(s: Json): Span {
  const statusJson = obj(field(s, "status"), "status");
  return {
    traceId: hexId(s, "traceId", 16),
    spanId: hexId(s, "spanId", 8),
    traceState: str(s, "traceState"),
    parentSpanId: hexId(s, "parentSpanId", 8),
    flags: u32(s, "flags"),
    name: str(s, "name"),
    kind: enumValue(s, "kind", SPAN_KINDS),
    startTimeUnixNano: time(s, "startTimeUnixNano"),
    endTimeUnixNano: time(s, "endTimeUnixNano"),
    attributes: attributes(s),
    droppedAttributesCount: u32(s, "droppedAttributesCount"),
    events: list(s, "events").map((e) => ({
      timeUnixNano: time(e, "timeUnixNano"),
      name: str(e, "name"),
      attributes: attributes(e),
      droppedAttributesCount: u32(e, "droppedAttributesCount"),
    })),
    droppedEventsCount: u32(s, "droppedEventsCount"),
    links: list(s, "links").map((l) => ({
      traceId: hexId(l, "traceId", 16),
      spanId: hexId(l, "spanId", 8),
      traceState: str(l, "traceState"),
      attributes: attributes(l),
      droppedAttributesCount: u32(l, "droppedAttributesCount"),
      flags: u32(l, "flags"),
    })),
    droppedLinksCount: u32(s, "droppedLinksCount"),
    status: { code: enumValue(statusJson, "code", STATUS_CODES), message: str(statusJson, "message") },
  };
}

function logRecord(l: Json): LogRecord {
  return {
    timeUnixNano: time(l, "timeUnixNano"),
    observedTimeUnixNano: time(l, "observedTimeUnixNano"),
    severityNumber: enumValue(l, "severityNumber"),
    severityText: str(l, "severityText"),
    body: field(l, "body") === undefined ? null : anyValue(field(l, "body")),
    attributes: attributes(l),
    droppedAttributesCount: u32(l, "droppedAttributesCount"),
    flags: u32(l, "flags"),
    traceId: hexId(l, "traceId", 16),
    spanId: hexId(l, "spanId", 8),
    eventName: str(l, "eventName"),
  };
}

function exemplar(e: Json): Exemplar {
  return {
    filteredAttributes: attributes(e, "filteredAttributes"),
    timeUnixNano: time(e, "timeUnixNano"),
    value: pointValue(e),
    spanId: hexId(e, "spanId", 8),
    traceId: hexId(e, "traceId", 16),
  };
}

function pointValue(p: Json): number | Int {
  const asInt = field(p, "asInt");
  if (asInt !== undefined && asInt !== null) return toInt(BigInt.asIntN(64, int64(asInt, "asInt")));
  const asDouble = field(p, "asDouble");
  return asDouble === undefined || asDouble === null ? 0 : num(asDouble, "asDouble");
}

function pointHead(p: Json) {
  return {
    attributes: attributes(p),
    startTimeUnixNano: time(p, "startTimeUnixNano"),
    timeUnixNano: time(p, "timeUnixNano"),
  };
}

function numberPoint(p: Json): NumberDataPoint {
  return {
    ...pointHead(p),
    value: pointValue(p),
    exemplars: list(p, "exemplars").map(exemplar),
    flags: u32(p, "flags"),
  };
}

function numbers(p: Json, name: string, read: (v: unknown, n: string) => number | Int): Array<number | Int> {
  const value = field(p, name);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${name} is not an array`);
  return value.map((v) => read(v, name));
}

const countValue = (v: unknown, n: string) => toInt(int64(v, n));

function buckets(value: unknown): ExponentialBuckets {
  const b = obj(value, "buckets");
  return {
    offset: Number(int64(field(b, "offset"), "offset")),
    bucketCounts: numbers(b, "bucketCounts", countValue) as Int[],
  };
}

function metricData(m: Json): MetricData {
  const gauge = field(m, "gauge");
  if (gauge !== undefined)
    return { type: "gauge", dataPoints: list(obj(gauge, "gauge"), "dataPoints").map(numberPoint) };
  const sum = field(m, "sum");
  if (sum !== undefined) {
    const s = obj(sum, "sum");
    const monotonic = field(s, "isMonotonic");
    return {
      type: "sum",
      dataPoints: list(s, "dataPoints").map(numberPoint),
      aggregationTemporality: enumValue(s, "aggregationTemporality", TEMPORALITIES),
      isMonotonic: monotonic === true,
    };
  }
  const histogram = field(m, "histogram");
  if (histogram !== undefined) {
    const h = obj(histogram, "histogram");
    return {
      type: "histogram",
      aggregationTemporality: enumValue(h, "aggregationTemporality", TEMPORALITIES),
      dataPoints: list(h, "dataPoints").map((p) => ({
        ...pointHead(p),
        count: count(p, "count"),
        sum: optionalDouble(p, "sum"),
        bucketCounts: numbers(p, "bucketCounts", countValue) as Int[],
        explicitBounds: numbers(p, "explicitBounds", num) as number[],
        exemplars: list(p, "exemplars").map(exemplar),
        flags: u32(p, "flags"),
        min: optionalDouble(p, "min"),
        max: optionalDouble(p, "max"),
      })),
    };
  }
  const exponential = field(m, "exponentialHistogram");
  if (exponential !== undefined) {
    const h = obj(exponential, "exponentialHistogram");
    return {
      type: "exponentialHistogram",
      aggregationTemporality: enumValue(h, "aggregationTemporality", TEMPORALITIES),
      dataPoints: list(h, "dataPoints").map((p) => ({
        ...pointHead(p),
        count: count(p, "count"),
        sum: optionalDouble(p, "sum"),
        scale: Number(int64(field(p, "scale"), "scale")),
        zeroCount: count(p, "zeroCount"),
        positive: buckets(field(p, "positive")),
        negative: buckets(field(p, "negative")),
        flags: u32(p, "flags"),
        exemplars: list(p, "exemplars").map(exemplar),
        min: optionalDouble(p, "min"),
        max: optionalDouble(p, "max"),
        zeroThreshold: optionalDouble(p, "zeroThreshold") ?? 0,
      })),
    };
  }
  const summary = field(m, "summary");
  if (summary !== undefined) {
    return {
      type: "summary",
      dataPoints: list(obj(summary, "summary"), "dataPoints").map((p) => ({
        ...pointHead(p),
        count: count(p, "count"),
        sum: optionalDouble(p, "sum") ?? 0,
        quantileValues: list(p, "quantileValues").map((q) => ({
          quantile: optionalDouble(q, "quantile") ?? 0,
          value: optionalDouble(q, "value") ?? 0,
        })),
        flags: u32(p, "flags"),
      })),
    };
  }
  return { type: "none", dataPoints: [] };
}

function metric(m: Json): Metric {
  return {
    name: str(m, "name"),
    description: str(m, "description"),
    unit: str(m, "unit"),
    data: metricData(m),
    metadata: attributes(m, "metadata"),
  };
}

/** Decodes an Export*ServiceRequest JSON body. Throws `OtlpDecodeError`. */
export function decodeJson(signal: OtlpSignal, text: string): OtlpPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`body is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null) throw new OtlpDecodeError("request is null");
  const root = obj(parsed, "request");
  if (signal === "traces") {
    const resourceSpans: ResourceSpans[] = list(root, "resourceSpans").map((rs) => ({
      resource: resource(field(rs, "resource")),
      schemaUrl: str(rs, "schemaUrl"),
      scopeSpans: list(rs, "scopeSpans").map((ss) => ({
        scope: scope(field(ss, "scope")),
        schemaUrl: str(ss, "schemaUrl"),
        spans: list(ss, "spans").map(span),
      })),
    }));
    return { signal, resourceSpans };
  }
  if (signal === "logs") {
    const resourceLogs: ResourceLogs[] = list(root, "resourceLogs").map((rl) => ({
      resource: resource(field(rl, "resource")),
      schemaUrl: str(rl, "schemaUrl"),
      scopeLogs: list(rl, "scopeLogs").map((sl) => ({
        scope: scope(field(sl, "scope")),
        schemaUrl: str(sl, "schemaUrl"),
        logRecords: list(sl, "logRecords").map(logRecord),
      })),
    }));
    return { signal, resourceLogs };
  }
  const resourceMetrics: ResourceMetrics[] = list(root, "resourceMetrics").map((rm) => ({
    resource: resource(field(rm, "resource")),
    schemaUrl: str(rm, "schemaUrl"),
    scopeMetrics: list(rm, "scopeMetrics").map((sm) => ({
      scope: scope(field(sm, "scope")),
      schemaUrl: str(sm, "schemaUrl"),
      metrics: list(sm, "metrics").map(metric),
    })),
  }));
  return { signal, resourceMetrics };
}
