import {
  type Context,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  type Span,
  type SpanContext,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";

/**
 * The spans of the API's no-op tracer, made without it. With no SDK
 * registered, a span goes ProxyTracer -> its provider -> NoopTracer, and the
 * host would first have decoded the span's name and converted its start
 * time, neither of which a no-op span keeps. The host makes the span the
 * OpenTelemetry specification asks for instead (trace/api.md, "Behavior of
 * the API in the absence of an installed SDK"):
 *
 * - a non-recording span with the span context of the parent (MUST);
 * - the parent span itself when it is already non-recording (SHOULD), here
 *   when it is the API's own NonRecordingSpan, whose every method is inert;
 * - the all-zero, unsampled span context when the parent has no span (MUST).
 *
 * NoopTracer checks the parent's field types, as the host does, and then its
 * ids against two case-insensitive regular expressions, replacing a context
 * they refuse with the invalid one: ~70 ns a span, which the host skips. A
 * no-op span is never exported and its context reaches only spans started
 * under it: the probe's own children (no-op spans too), or, with an SDK
 * registered in the meantime, SDK spans, and the SDK applies the same id
 * check to every parent, so their ids, parent and flags are the same either
 * way (test/otel/noop-spans.test.ts). What still differs for a refused
 * parent is what a custom sampler could read of the raw parent context, and
 * the parent origin in the SDK's own span-start metric (remote vs local).
 */

/** What a ProxyTracerProvider delegates to while no SDK is registered (the API's own no-op provider). */
const UNREGISTERED = new ProxyTracerProvider().getDelegate();

/**
 * Whether spans of `provider` are the API's no-op spans right now: it is the
 * API's proxy and nothing is registered behind it. Checked per span, since an
 * application may register its SDK at any time. (A delegate removed again
 * with `setDelegate(undefined)`, which the API's types do not allow, counts
 * as none, though a ProxyTracer that had cached it would keep using it.)
 */
export function isUnregistered(provider: TracerProvider): boolean {
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === UNREGISTERED;
}

/** The API's span for the invalid context: inert and immutable, so one serves every parentless span. */
const INVALID_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** The API's NonRecordingSpan class (not exported), known by its prototype. */
const NON_RECORDING_SPAN = Object.getPrototypeOf(INVALID_SPAN) as object;

/** The API's isSpanContext: the field types NoopTracer requires before it looks at the ids. */
function isSpanContext(context: unknown): context is SpanContext {
  if (typeof context !== "object" || context === null) return false;
  const fields = context as Record<string, unknown>;
  return (
    typeof fields.traceId === "string" && typeof fields.spanId === "string" && typeof fields.traceFlags === "number"
  );
}

/** The no-op span for a span started under `parent` (the specification's rule above). */
export function noopSpan(parent: Context): Span {
  const span = trace.getSpan(parent);
  if (span === undefined) return INVALID_SPAN;
  const context = span.spanContext();
  // Not a span context at all (a broken parent, even null): the invalid span, as NoopTracer gives (or throws).
  if (!isSpanContext(context)) return INVALID_SPAN;
  // Another kind of span (a recording one, the application's own): its context; the span stays the application's.
  return Object.getPrototypeOf(span) === NON_RECORDING_SPAN ? span : trace.wrapSpanContext(context);
}
