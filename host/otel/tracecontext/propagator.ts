/**
 * An OpenTelemetry `TextMapPropagator` for W3C Trace Context Level 2, a
 * drop-in for `@opentelemetry/core`'s `W3CTraceContextPropagator` (same
 * fields) with the stricter behaviour of this module:
 *
 * - flags written as exactly two hex digits, every bit kept;
 * - the random trace id flag survives the SDK: spans made by
 *   `@opentelemetry/sdk-trace-base` carry only the sampled bit, so when the
 *   outgoing span belongs to the trace that came in, the incoming random bit
 *   is restored (Level 2: same trace id, same random flag);
 * - a `tracestate` with 33+ members or a bad member is discarded, not cut;
 *   duplicated `traceparent` starts a new trace; header names match in any
 *   case; outgoing `tracestate` is cut to 512 characters by the spec's rule.
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
    const outgoing = { ...spanContext, traceFlags: restoreRandomFlag(context, spanContext) };
    injectTraceContext(outgoing, (name, value) => setter.set(carrier, name, value), {
      maxTraceStateLength: this.#maxTraceStateLength,
    });
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const reading = readTraceContext((name) => getHeader(getter, carrier, name));
    const remote = reading.context;
    if (remote === undefined) return context;
    return trace.setSpanContext(rememberIncomingTraceContext(context, remote), remote);
  }

  fields(): string[] {
    return [TRACEPARENT_HEADER, TRACESTATE_HEADER];
  }
}

/**
 * Remember the trace context a request arrived with, so that outgoing calls
 * made under `context` (this propagator's `inject`, the edge `tracingFetch`)
 * carry its random flag on. Adapters that read the headers themselves, rather
 * than through `extract`, call this on the context they hand the application.
 */
export function rememberIncomingTraceContext(
  context: Context,
  incoming: { readonly traceId: string; readonly traceFlags: number },
): Context {
  return context.setValue(INCOMING_KEY, { traceId: incoming.traceId, traceFlags: incoming.traceFlags });
}

/**
 * The flags to send for `spanContext` under `context`: its own, with the
 * random flag of the incoming request restored when the span is in that
 * request's trace (SDK spans keep only the sampled bit).
 */
export function outgoingTraceFlags(context: Context, spanContext: SpanContext): number {
  return restoreRandomFlag(context, spanContext);
}

function restoreRandomFlag(context: Context, spanContext: SpanContext): number {
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
