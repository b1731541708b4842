/**
 * OTLP data decoded into plain objects, the same shape whether it arrived as
 * protobuf or JSON. Ids are lower-case hex ("" when absent), times are bigint
 * nanoseconds since the epoch, int64 values are numbers when they fit a safe
 * integer and bigint otherwise, attributes are flat records.
 */

export type Int = number | bigint;

export type AttributeValue =
  | string
  | boolean
  | Int
  | Uint8Array
  | null
  | AttributeValue[]
  | { readonly [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface Resource {
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface Scope {
  readonly name: string;
  readonly version: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface SpanEvent {
  readonly timeUnixNano: bigint;
  readonly name: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
}

export interface SpanLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState: string;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly flags: number;
}

export interface SpanStatus {
  /** 0 unset, 1 ok, 2 error. */
  readonly code: number;
  readonly message: string;
}

export interface Span {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceState: string;
  /** "" for a root span. */
  readonly parentSpanId: string;
  /** W3C trace flags in the low byte; bits 8-9 say whether the parent is known to be remote. */
  readonly flags: number;
  readonly name: string;
  /** 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly events: SpanEvent[];
  readonly droppedEventsCount: number;
  readonly links: SpanLink[];
  readonly droppedLinksCount: number;
  readonly status: SpanStatus;
}

export interface ScopeSpans {
  readonly scope: Scope;
  readonly schemaUrl: string;
  readonly spans: Span[];
}

export interface ResourceSpans {
  readonly resource: Resource;
  readonly schemaUrl: string;
  readonly scopeSpans: ScopeSpans[];
}

export interface LogRecord {
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: AttributeValue;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  readonly flags: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly eventName: string;
}

export interface ScopeLogs {
  readonly scope: Scope;
  readonly schemaUrl: string;
  readonly logRecords: LogRecord[];
}

export interface ResourceLogs {
  readonly resource: Resource;
  readonly schemaUrl: string;
  readonly scopeLogs: ScopeLogs[];
}

export interface Exemplar {
  readonly filteredAttributes: Attributes;
  readonly timeUnixNano: bigint;
  readonly value: number | Int;
  readonly spanId: string;
  readonly traceId: string;
}

export interface NumberDataPoint {
  readonly attributes: Attributes;
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  /** `as_double` as a number, `as_int` as an Int. */
  readonly value: number | Int;
  readonly exemplars: Exemplar[];
  readonly flags: number;
}

export interface HistogramDataPoint {
  readonly attributes: Attributes;
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: Int;
  readonly sum: number | undefined;
  readonly bucketCounts: Int[];
  readonly explicitBounds: number[];
  readonly exemplars: Exemplar[];
  readonly flags: number;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

export interface ExponentialBuckets {
  readonly offset: number;
  readonly bucketCounts: Int[];
}

export interface ExponentialHistogramDataPoint {
  readonly attributes: Attributes;
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: Int;
  readonly sum: number | undefined;
  readonly scale: number;
  readonly zeroCount: Int;
  readonly positive: ExponentialBuckets;
  readonly negative: ExponentialBuckets;
  readonly flags: number;
  readonly exemplars: Exemplar[];
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly zeroThreshold: number;
}

export interface SummaryDataPoint {
  readonly attributes: Attributes;
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly count: Int;
  readonly sum: number;
  readonly quantileValues: Array<{ readonly quantile: number; readonly value: number }>;
  readonly flags: number;
}

export type MetricData =
  | { readonly type: "gauge"; readonly dataPoints: NumberDataPoint[] }
  | {
      readonly type: "sum";
      readonly dataPoints: NumberDataPoint[];
      /** 1 delta, 2 cumulative. */
      readonly aggregationTemporality: number;
      readonly isMonotonic: boolean;
    }
  | { readonly type: "histogram"; readonly dataPoints: HistogramDataPoint[]; readonly aggregationTemporality: number }
  | {
      readonly type: "exponentialHistogram";
      readonly dataPoints: ExponentialHistogramDataPoint[];
      readonly aggregationTemporality: number;
    }
  | { readonly type: "summary"; readonly dataPoints: SummaryDataPoint[] }
  | { readonly type: "none"; readonly dataPoints: [] };

export interface Metric {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly data: MetricData;
  readonly metadata: Attributes;
}

export interface ScopeMetrics {
  readonly scope: Scope;
  readonly schemaUrl: string;
  readonly metrics: Metric[];
}

export interface ResourceMetrics {
  readonly resource: Resource;
  readonly schemaUrl: string;
  readonly scopeMetrics: ScopeMetrics[];
}

export type OtlpSignal = "traces" | "logs" | "metrics";

export type OtlpPayload =
  | { readonly signal: "traces"; readonly resourceSpans: ResourceSpans[] }
  | { readonly signal: "logs"; readonly resourceLogs: ResourceLogs[] }
  | { readonly signal: "metrics"; readonly resourceMetrics: ResourceMetrics[] };

/** Converts a 64-bit integer to a number when that is exact. */
export function toInt(value: bigint): Int {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX[byte]!;
  return out;
}
