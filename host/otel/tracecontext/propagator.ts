/**
 * An OpenTelemetry `TextMapPropagator` for W3C Trace Context Level 2, a
 * drop-in for `@opentelemetry/core`'s `W3CTraceContextPropagator` (same
 * fields) with the stricter behaviour of this module:
 *
 * - flags written as exactly two hex digits, the bits the spec does not
 *   define zeroed (core writes 0x10 and above as three digits);
 * - the random trace id flag survives the SDK: spans made by
 *   `@opentelemetry/sdk-trace-base` carry only the sampled bit, so when the
 *   outgoing span belongs to the trace that came in, the incoming random bit
 *   is restored (Level 2: same trace id, same random flag);
 * - a `tracestate` with 33+ members or a bad member is discarded, not cut;
 *   duplicated `traceparent` starts a new trace; header names match in any
 *   case; outgoing `tracestate` is cut to 512 characters by the spec's rule
 *   (not when a remote context is passed through unchanged).
 */
import {
  type Context,
  createContextKey,
  isSpanContextValid,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from "@opentelemetry/api";
import {
  type HeaderValue,
  injectTraceContext,
  readTraceContext,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
} from "./headers.js";
import { TRACE_FLAG_RANDOM } from "./traceparent.js";
import { TRACESTATE_PROPAGATION_LIMIT } from "./tracestate.js";

/** The key `@opentelemetry/core`'s `suppressTracing` sets (`createContextKey` is `Symbol.for`). */
const SUPPRESS_TRACING_KEY = createContextKey("OpenTelemetry SDK Context Key SUPPRESS_TRACING");
/** Remembers the incoming trace id and flags so the random flag can be restored on the way out. */
const INCOMING_KEY = createContextKey("sandprobe trace context incoming traceparent");

interface Incoming {
  readonly traceId: string;
  readonly traceFlags: number;
}

function isIncoming(value: unknown): value is Incoming {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Incoming).traceId === "string" &&
    typeof (value as Incoming).traceFlags === "number"
  );
}

export interface TraceContextPropagatorOptions {
  /** Cut outgoing `tracestate` to this many characters. Default 512. */
  readonly maxTraceStateLength?: number;
}

export class SandprobeTraceContextPropagator implements TextMapPropagator {
  readonly #maxTraceStateLength: number;

  constructor(options: TraceContextPropagatorOptions = {}) {
    this.#maxTraceStateLength = options.maxTraceStateLength ?? TRACESTATE_PROPAGATION_LIMIT;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (!spanContext || !isSpanContextValid(spanContext) || context.getValue(SUPPRESS_TRACING_KEY) === true) return;
    const outgoing = { ...spanContext, traceFlags: outgoingTraceFlags(context, spanContext) };
    injectTraceContext(outgoing, (name, value) => setter.set(carrier, name, value), {
      maxTraceStateLength: this.#maxTraceStateLength,
    });
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const reading = readTraceContext((name) => getHeader(getter, carrier, name));
    const remote = reading.context;
    if (remote === undefined) return context;
    return withIncomingTraceContext(context, remote);
  }

  fields(): string[] {
    return [TRACEPARENT_HEADER, TRACESTATE_HEADER];
  }
}

/**
 * `context` with `remote` as its parent span context, remembered as the
 * request's incoming trace context: what `extract` returns. Adapters that
 * read the headers themselves use it so that an outgoing inject from any
 * context derived from this one restores the incoming random flag.
 */
export function withIncomingTraceContext(context: Context, remote: SpanContext): Context {
  const incoming: Incoming = { traceId: remote.traceId, traceFlags: remote.traceFlags };
  return trace.setSpanContext(context.setValue(INCOMING_KEY, incoming), remote);
}

/**
 * The flags to send for `spanContext` from `context`: its own, with the
 * random bit of the incoming trace context when the span is in that trace
 * (Level 2: same trace id, same random flag; SDK spans keep only sampled).
 */
export function outgoingTraceFlags(context: Context, spanContext: SpanContext): number {
  const incoming = context.getValue(INCOMING_KEY);
  if (!isIncoming(incoming) || incoming.traceId !== spanContext.traceId) return spanContext.traceFlags;
  return (spanContext.traceFlags & ~TRACE_FLAG_RANDOM) | (incoming.traceFlags & TRACE_FLAG_RANDOM);
}

/**
 * `getter.get` with the exact name first; when the carrier holds the header
 * under another casing, every key that matches case-insensitively is used.
 */
function getHeader(getter: TextMapGetter, carrier: unknown, name: string): HeaderValue {
  const direct = getter.get(carrier, name);
  const keys = getter.keys(carrier);
  const matches = keys.filter((key) => key !== name && key.toLowerCase() === name);
  if (matches.length === 0) return direct;
  const values: string[] = [];
  for (const key of [name, ...matches]) {
    const value = key === name ? direct : getter.get(carrier, key);
    if (typeof value === "string") values.push(value);
    else if (Array.isArray(value)) values.push(...value);
  }
  return values.length === 1 ? values[0] : values;
}
