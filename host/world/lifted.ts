import { unversioned } from "./names.js";

/**
 * The probe world (wit/probe.wit) as jco lifts it to JavaScript: one type per
 * imported interface, so a host implementation is checked against the WIT
 * the way jco's generated declarations would check it. u64/s64 are bigint,
 * u8/u16/u32/f64 are number, enums are their kebab-case case names, records
 * are objects with camelCase fields, option<T> is T | undefined.
 */

/** The `types` interface. */
export type SpanKind = "internal" | "server" | "client" | "producer" | "consumer";
export type StatusCode = "unset" | "ok" | "error";
export type SamplingDecision = "drop" | "keep";
export type SpanHandle = number;
export type Instant = bigint;

export interface SpanContextRecord {
  traceIdHi: bigint;
  traceIdLo: bigint;
  spanId: bigint;
  traceFlags: number;
}

/** The `trace` interface. */
export interface TraceInterface {
  currentContext(): SpanContextRecord;
  tracestate(): string;
  startSpan(name: string, kind: SpanKind, parent: SpanHandle): SpanHandle;
  startSpanAt(name: string, kind: SpanKind, parent: SpanHandle, start: Instant): SpanHandle;
  setAttributeString(span: SpanHandle, key: string, value: string): void;
  setAttributeInt(span: SpanHandle, key: string, value: bigint): void;
  setAttributeFloat(span: SpanHandle, key: string, value: number): void;
  setAttributeBool(span: SpanHandle, key: string, value: boolean): void;
  addEvent(span: SpanHandle, name: string): void;
  addEventWithAttribute(span: SpanHandle, name: string, key: string, value: string): void;
  addLink(span: SpanHandle, link: SpanContextRecord): void;
  setStatus(span: SpanHandle, code: StatusCode, message: string): void;
  endSpan(span: SpanHandle): void;
  endSpanAt(span: SpanHandle, end: Instant): void;
  sample(decision: SamplingDecision): void;
}

/** The `http` interface. */
export interface HttpInterface {
  method(): string;
  route(): string;
  status(): number;
  receivedAt(): Instant;
  header(name: string): string | undefined;
}

/** The `metrics` interface (an empty `attrKey` means no attribute). */
export interface MetricsInterface {
  counterAdd(name: string, value: number, attrKey: string, attrValue: string): void;
  histogramRecord(name: string, value: number, attrKey: string, attrValue: string): void;
}

/** The `log` interface. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";
export interface LogInterface {
  log(level: LogLevel, message: string): void;
  abort(message: string, file: string, line: number, column: number): void;
}

/** WASI monotonic-clock (the subset the probe world imports). */
export interface MonotonicClockInterface {
  now(): Instant;
  resolution(): bigint;
}

/** WASI wall-clock. */
export interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}
export interface WallClockInterface {
  now(): Datetime;
  resolution(): Datetime;
}

/**
 * The import object a transpiled probe component is instantiated with.
 * jco 1.35's generated code looks imports up by the unversioned name
 * (the interface name without "@0.1.0") while its declarations use the versioned one, so
 * both keys are filled.
 */
export type ProbeImportObject = Record<string, object>;

/** The exports of the probe world. */
export interface ProbeExports {
  init(): void;
  request?(): void;
  response?(): void;
}

/** Key an interface implementation under both its versioned and unversioned name. */
export function importKeys(versioned: string, implementation: object): Record<string, object> {
  return { [versioned]: implementation, [unversioned(versioned)]: implementation };
}
