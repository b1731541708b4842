/**
 * Outgoing `fetch` that carries the trace on: every call is a CLIENT span,
 * child of the request's context, and its `traceparent` names that span
 * (a new child span id per call), with the random flag kept: from the
 * request's context (the adapters remember the incoming flags there) or
 * from `extraFlags`.
 */
import { type Context, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { HostClock } from "../../clock/clock.js";
import {
  injectTraceContext,
  outgoingTraceFlags,
  randomSpanId,
  TRACE_FLAG_RANDOM,
} from "../../otel/tracecontext/index.js";

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface TracingFetchOptions {
  /** The context of the request being served (its SERVER span). */
  readonly context: Context;
  readonly tracer: Tracer;
  readonly clock: HostClock;
  /**
   * Trace flags bits to add on the wire (the caller's random flag: SDKs drop
   * it). Not needed with a context from the adapters, which carries it.
   */
  readonly extraFlags?: number;
  /** The fetch to wrap (default `globalThis.fetch`). */
  readonly fetch?: FetchLike;
}

function safeUrl(url: URL): string {
  if (url.username === "" && url.password === "") return url.href;
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href;
}

export function tracingFetch(options: TracingFetchOptions): FetchLike {
  const { context, tracer, clock } = options;
  const extraFlags = (options.extraFlags ?? 0) & TRACE_FLAG_RANDOM;
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.CLIENT,
        startTime: clock.toEpoch(clock.nowNs()),
        attributes: {
          "http.request.method": request.method,
          "server.address": url.hostname,
          ...(url.port ? { "server.port": Number(url.port) } : {}),
          "url.full": safeUrl(url),
        },
      },
      context,
    );
    const spanContext = span.spanContext();
    const headers = new Headers(request.headers);
    // Without a recording SDK the span shares its parent's id: send a fresh one anyway.
    injectTraceContext(
      { ...spanContext, traceFlags: outgoingTraceFlags(context, spanContext) | extraFlags },
      (name, value) => headers.set(name, value),
      span.isRecording() ? {} : { spanId: randomSpanId() },
    );
    const fetchImpl = options.fetch ?? globalThis.fetch;
    try {
      const response = await fetchImpl(new Request(request, { headers }));
      span.setAttribute("http.response.status_code", response.status);
      if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
      return response;
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
      throw error;
    } finally {
      span.end(clock.toEpoch(clock.nowNs()));
    }
  };
}
