/**
 * wasi:otel@0.2.0-rc.2 tracing (wit/wasi-otel/tracing.wit, types.wit) as jco
 * lifts it to JavaScript: records are objects with camelCase fields, enums
 * are their case names, flags are objects of booleans, variants are
 * `{ tag, val }`, option<T> is T | undefined, u64 is bigint.
 */

/** The WASI wall clock's datetime. */
export interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}

/** wasi:otel/types key-value: the value is an OpenTelemetry AnyValue encoded as JSON. */
export interface KeyValue {
  key: string;
  value: string;
}

export interface InstrumentationScope {
  name: string;
  version?: string;
  schemaUrl?: string;
  attributes: KeyValue[];
}

export interface TraceFlags {
  sampled?: boolean;
}

export type TraceState = [string, string][];

export interface OtelSpanContext {
  /** 16 bytes as 32 lower-case hex digits. */
  traceId: string;
  /** 8 bytes as 16 lower-case hex digits. */
  spanId: string;
  traceFlags: TraceFlags;
  isRemote: boolean;
  traceState: TraceState;
}

export type OtelSpanKind = "client" | "server" | "producer" | "consumer" | "internal";

export interface OtelEvent {
  name: string;
  time: Datetime;
  attributes: KeyValue[];
}

export interface OtelLink {
  spanContext: OtelSpanContext;
  attributes: KeyValue[];
}

export type OtelStatus = { tag: "unset" } | { tag: "ok" } | { tag: "error"; val: string };

export interface SpanData {
  spanContext: OtelSpanContext;
  /** The parent's span id (hex), "" or all zeros for a root span. */
  parentSpanId: string;
  spanKind: OtelSpanKind;
  name: string;
  startTime: Datetime;
  endTime: Datetime;
  attributes: KeyValue[];
  events: OtelEvent[];
  links: OtelLink[];
  status: OtelStatus;
  instrumentationScope: InstrumentationScope;
  droppedAttributes: number;
  droppedEvents: number;
  droppedLinks: number;
}

/** wasi:otel/tracing, with both names of the context function. */
export interface WasiOtelTracing {
  onStart(context: OtelSpanContext): void;
  onEnd(span: SpanData): void;
  /** `main` of WebAssembly/wasi-otel (what wit/wasi-otel vendors). */
  currentSpanContext(): OtelSpanContext;
  /** The `v0.2.0-rc.2` tag's name for the same function. */
  outerSpanContext(): OtelSpanContext;
}

export const WASI_OTEL_TRACING = "wasi:otel/tracing@0.2.0-rc.2";
export const WASI_OTEL_TYPES = "wasi:otel/types@0.2.0-rc.2";
