/**
 * Trace context in and out of HTTP headers, for every adapter (fetch handler,
 * Node http, workerd) alike. Web-standard only.
 */
import { randomSpanId, randomTraceId } from "./ids.js";
import {
  type ChildOptions,
  childTraceparent,
  parseTraceparent,
  TRACE_FLAG_RANDOM,
  TRACE_FLAG_SAMPLED,
} from "./traceparent.js";
import { parseTraceStateHeader, type TraceStateRejection, W3CTraceState } from "./tracestate.js";

export const TRACEPARENT_HEADER = "traceparent";
export const TRACESTATE_HEADER = "tracestate";

/** One header as a getter returns it: a field value, several field lines, or nothing. */
export type HeaderValue = string | readonly string[] | null | undefined;
/** Reads a header by its lower-case name. */
export type HeaderGetter = (name: string) => HeaderValue;
/** Writes a header (lower-case name). */
export type HeaderSetter = (name: string, value: string) => void;

/** A fetch `Headers` (case-insensitive; repeated lines come back joined with ", "). */
export interface HeadersLike {
  get(name: string): string | null;
}
/** Where headers can come from: fetch `Headers`, a Node headers object, `[name, value]` pairs, Node `rawHeaders`. */
export type HeaderSource =
  | HeadersLike
  | Readonly<Record<string, unknown>>
  | ReadonlyArray<readonly [string, string]>
  | readonly string[];

/**
 * A span context as `@opentelemetry/api` defines it (assignable to
 * `SpanContext`): hex ids, the flags byte, and the parsed `tracestate`.
 */
export interface TraceContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState?: W3CTraceState;
  readonly isRemote: boolean;
}

/** A trace context read from incoming headers. */
export interface RemoteTraceContext extends TraceContext {
  readonly isRemote: true;
}

/** What was found in the headers, and why anything was ignored (for counters and logs). */
export interface TraceContextReading {
  readonly context: RemoteTraceContext | undefined;
  readonly traceparent: "valid" | "absent" | "duplicated" | "invalid";
  /** `ignored`: not read because `traceparent` was not valid (the spec forbids using it then). */
  readonly tracestate: "valid" | "absent" | "ignored" | TraceStateRejection;
}

/**
 * A getter over any header source, with ASCII case-insensitive names. Header
 * lines that appear several times (in raw pairs or under names that differ
 * only in case) are all returned, in order.
 */
export function headerGetter(source: HeaderSource): HeaderGetter {
  try {
    return getterFor(source);
  } catch {
    // A hostile or broken source reads as "no headers" rather than throwing.
    return () => undefined;
  }
}

function getterFor(source: HeaderSource): HeaderGetter {
  if (typeof source !== "object" || source === null) return () => undefined;
  if (isHeadersLike(source)) {
    return (name) => {
      const value = source.get(name);
      return typeof value === "string" ? value : undefined;
    };
  }
  if (Array.isArray(source)) return (name) => collect(lines(source, name));
  const record = source as Readonly<Record<string, unknown>>;
  return (name) => collect(recordLines(record, name));
}

function isHeadersLike(source: HeaderSource): source is HeadersLike {
  return typeof (source as { get?: unknown }).get === "function";
}

function collect(values: string[]): HeaderValue {
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : values;
}

function lines(source: readonly unknown[], name: string): string[] {
  const out: string[] = [];
  if (source.length > 0 && typeof source[0] === "string") {
    // Node's rawHeaders: name, value, name, value, ...
    for (let i = 0; i + 1 < source.length; i += 2) {
      const key = source[i];
      const value = source[i + 1];
      if (typeof key === "string" && typeof value === "string" && key.toLowerCase() === name) out.push(value);
    }
    return out;
  }
  for (const pair of source) {
    if (!Array.isArray(pair)) continue;
    const [key, value] = pair as unknown[];
    if (typeof key === "string" && typeof value === "string" && key.toLowerCase() === name) out.push(value);
  }
  return out;
}

function recordLines(record: Readonly<Record<string, unknown>>, name: string): string[] {
  const out: string[] = [];
  for (const key of Object.keys(record)) {
    if (key.length !== name.length || (key !== name && key.toLowerCase() !== name)) continue;
    const value = record[key];
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === "string") out.push(item);
  }
  return out;
}

function safeGet(getHeader: HeaderGetter, name: string): unknown {
  try {
    return getHeader(name);
  } catch {
    return undefined;
  }
}

/**
 * Reads `traceparent` and `tracestate`. `traceparent` sent more than once is
 * invalid (a new trace starts); `tracestate` lines are combined with ',' in
 * order. `tracestate` is only read when `traceparent` is valid, and a bad
 * `tracestate` never invalidates `traceparent`. Never throws, even when the
 * getter does.
 */
export function readTraceContext(getHeader: HeaderGetter): TraceContextReading {
  const rawParent = safeGet(getHeader, TRACEPARENT_HEADER);
  let parentValue: unknown = rawParent;
  if (rawParent === undefined || rawParent === null) {
    return { context: undefined, traceparent: "absent", tracestate: "ignored" };
  }
  if (Array.isArray(rawParent)) {
    if (rawParent.length === 0) return { context: undefined, traceparent: "absent", tracestate: "ignored" };
    if (rawParent.length > 1) return { context: undefined, traceparent: "duplicated", tracestate: "ignored" };
    parentValue = rawParent[0];
  }
  const parent = parseTraceparent(parentValue);
  if (parent === undefined) return { context: undefined, traceparent: "invalid", tracestate: "ignored" };

  const base = {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.traceFlags,
    isRemote: true as const,
  };
  const rawState = safeGet(getHeader, TRACESTATE_HEADER);
  if (rawState === undefined || rawState === null || (Array.isArray(rawState) && rawState.length === 0)) {
    return { context: base, traceparent: "valid", tracestate: "absent" };
  }
  const combined = Array.isArray(rawState) ? joinLines(rawState) : rawState;
  const parsed = parseTraceStateHeader(combined);
  if (parsed.state === undefined) {
    return { context: base, traceparent: "valid", tracestate: parsed.reason === "empty" ? "absent" : parsed.reason };
  }
  const context: RemoteTraceContext = {
    traceId: base.traceId,
    spanId: base.spanId,
    traceFlags: base.traceFlags,
    traceState: parsed.state,
    isRemote: true,
  };
  return { context, traceparent: "valid", tracestate: "valid" };
}

function joinLines(values: readonly unknown[]): string | undefined {
  if (!values.every((value) => typeof value === "string")) return undefined;
  return values.join(",");
}

/** The incoming trace context, or `undefined` when a new trace must start. */
export function extractTraceContext(getHeader: HeaderGetter): RemoteTraceContext | undefined {
  return readTraceContext(getHeader).context;
}

/** The span context fields injection needs; an OpenTelemetry `SpanContext` fits. */
export interface InjectableContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState?: { serialize(): string } | undefined;
  /** True for a context read from incoming headers; forwarding it as is keeps its `tracestate` whole. */
  readonly isRemote?: boolean | undefined;
}

export interface InjectOptions extends ChildOptions {
  /** Write this span id instead of the context's (a child operation, e.g. one per outgoing fetch). */
  readonly spanId?: string;
  /**
   * Cut `tracestate` to this many characters (whole members, per the spec) when
   * the `traceparent` changes. Default 512.
   */
  readonly maxTraceStateLength?: number;
}

/**
 * Writes `traceparent` (and `tracestate` when there is one) for an outgoing
 * request or a response. Returns false, writing nothing, when the context is
 * not valid. A `tracestate` that is not valid under our rules is not sent.
 * A remote context sent under its own parent id is passed through: the spec
 * forbids modifying `tracestate` when `traceparent` is unchanged, so it is not cut.
 */
export function injectTraceContext(
  context: InjectableContext,
  setHeader: HeaderSetter,
  options: InjectOptions = {},
): boolean {
  const traceparent = childTraceparent(context, options.spanId ?? context.spanId, options);
  if (traceparent === undefined) return false;
  setHeader(TRACEPARENT_HEADER, traceparent);
  const state = W3CTraceState.of(context.traceState);
  const passThrough = context.isRemote === true && (options.spanId ?? context.spanId) === context.spanId;
  const tracestate = (passThrough ? state : state?.truncate(options.maxTraceStateLength))?.serialize();
  if (tracestate) setHeader(TRACESTATE_HEADER, tracestate);
  return true;
}

/**
 * A child of `parent` for an outgoing call: same trace id, flags (random flag
 * kept) and tracestate, a fresh span id, `isRemote: false`.
 */
export function childTraceContext(parent: TraceContext, spanId: string = randomSpanId()): TraceContext {
  return { ...parent, spanId, isRemote: false };
}

/**
 * A new trace started here: random trace id, so the random flag (0x02) is
 * set, and the sampled flag as decided.
 */
export function newTraceContext(options: { readonly sampled: boolean }): TraceContext {
  return {
    traceId: randomTraceId(),
    spanId: randomSpanId(),
    traceFlags: TRACE_FLAG_RANDOM | (options.sampled ? TRACE_FLAG_SAMPLED : 0),
    isRemote: false,
  };
}
