/**
 * The JS twin of the probed example worker (issue 12): the same app, the
 * same spans as the packed worker with the three example probes, made by
 * plain JavaScript with @opentelemetry/api instead of sandboxed probes, and
 * exported through the same provider and OTLP exporter setup
 * (otlpTelemetryFromEnv), flushed once per request through ctx.waitUntil.
 * What the bench compares is then sandbox vs plain JS, nothing else.
 *
 * Per request: the SERVER span the edge adapter makes (scope "sandprobe"),
 * the sampler's decision span when it keeps the trace (scope "sampler",
 * examples/sampler; when it does not, no probe span is exported), the latency span (scope "latency", examples/latency),
 * and for a slow or 5xx request the anomaly span (scope "slow-detector").
 * Trace context comes in through `traceparent` (W3C propagator from
 * @opentelemetry/core) and goes back on the response, as `traceResponse`
 * does in the probed worker.
 */
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { edgeClock } from "../../../host/clock/edge.js";
import { type OtlpEnv, otlpTelemetryFromEnv } from "../../../host/telemetry/edge-otlp.js";
import type { EdgeTelemetry } from "../../../host/telemetry/request-batch.js";
import app from "./example-worker.js";

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** The slow-detector probe's threshold. */
const SLOW_MS = 250;
/** The sampler probe's ratio, and its TraceIdRatioBasedSampler bound. */
const RATIO = 0.25;
const UPPER_BOUND = Math.floor(RATIO * 0xffffffff);

const propagator = new W3CTraceContextPropagator();
const getter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};
const setter: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };

interface Instrumentation {
  readonly telemetry: EdgeTelemetry | undefined;
  readonly server: Tracer;
  readonly sampler: Tracer;
  readonly latency: Tracer;
  readonly slow: Tracer;
}

let instrumentation: Instrumentation | undefined;

/** Made on the first request: at workerd's module scope time reads 0. */
function instrument(env: OtlpEnv | undefined): Instrumentation {
  const telemetry = otlpTelemetryFromEnv(env, edgeClock().facts, { serviceName: "sandprobe-edge" });
  const provider = telemetry?.tracerProvider ?? trace.getTracerProvider();
  return {
    telemetry,
    server: provider.getTracer("sandprobe"),
    sampler: provider.getTracer("sampler", "1.0.0"),
    latency: provider.getTracer("latency", "1.0.0"),
    slow: provider.getTracer("slow-detector", "1.0.0"),
  };
}

/** The sampler probe at request start: keep critical paths and a trace-id-hash fraction of the rest. */
function sampled(tools: Instrumentation, parent: Context, route: string | undefined): boolean {
  const critical = route !== undefined && (route.startsWith("/checkout") || route.startsWith("/payment"));
  let keep = critical;
  if (!keep) {
    const traceId = trace.getSpanContext(parent)?.traceId ?? "";
    let words = 0;
    for (let i = 0; i + 8 <= traceId.length; i += 8) words ^= Number.parseInt(traceId.slice(i, i + 8), 16);
    keep = traceId !== "00000000000000000000000000000000" && words >>> 0 < UPPER_BOUND;
  }
  if (!keep) return false;
  tools.sampler
    .startSpan(
      "sampling.decision",
      { kind: SpanKind.INTERNAL, attributes: { "sampling.critical_path": critical, "sampling.ratio": RATIO } },
      parent,
    )
    .end();
  return true;
}

/** The spans the latency and slow-detector probes make for a finished request. */
function probeSpans(
  tools: Instrumentation,
  parent: Context,
  method: string,
  route: string | undefined,
  status: number,
  startMs: number,
): void {
  const name = route ? `${method} ${route}` : method;
  const latency = tools.latency.startSpan(
    name,
    {
      kind: SpanKind.INTERNAL,
      startTime: startMs,
      attributes: {
        "http.request.method": method,
        ...(route ? { "http.route": route } : {}),
        "http.response.status_code": status,
      },
    },
    parent,
  );
  if (status >= 500) latency.setStatus({ code: SpanStatusCode.ERROR });
  latency.end();
  const endMs = performance.timeOrigin + performance.now();
  const slow = endMs - startMs > SLOW_MS;
  const failed = status >= 500;
  if (!slow && !failed) return;
  const anomaly = tools.slow.startSpan(
    "request.anomaly",
    {
      kind: SpanKind.INTERNAL,
      startTime: startMs,
      attributes: {
        "http.route": route ?? "",
        "http.response.status_code": status,
        "http.server.request.duration": (endMs - startMs) / 1000,
        "sandprobe.slow": slow,
      },
    },
    parent,
  );
  if (slow) anomaly.addEvent("slow_request");
  if (failed) anomaly.addEvent("server_error");
  anomaly.setStatus({ code: SpanStatusCode.ERROR, message: failed ? "server error" : "slow request" });
  anomaly.end(endMs);
}

export default {
  async fetch(request: Request, env: OtlpEnv | undefined, ctx: ExecutionContext | undefined): Promise<Response> {
    const url = new URL(request.url);
    // The bench and tests wait for this path, as for the probed worker's status.
    if (url.pathname === "/__sandprobe") return Response.json({ state: "js-twin" });
    instrumentation ??= instrument(env);
    const tools = instrumentation;
    const startMs = performance.timeOrigin + performance.now();
    const method = request.method;
    const route = app.route(method, url.pathname);
    const incoming = propagator.extract(ROOT_CONTEXT, request.headers, getter);
    const server: Span = tools.server.startSpan(
      route ? `${method} ${route}` : method,
      {
        kind: SpanKind.SERVER,
        startTime: startMs,
        attributes: {
          "http.request.method": method,
          "url.path": url.pathname,
          ...(route ? { "http.route": route } : {}),
        },
      },
      incoming,
    );
    const parent = trace.setSpan(incoming, server);
    // A dropped trace keeps only the server span, as the probe runtime does after `sample(drop)`.
    const keep = sampled(tools, parent, route);
    let status = 500;
    try {
      const response = await app.fetch(request, env as never, ctx, {
        context: parent,
        fetch: (input, init) => fetch(input, init),
      });
      status = response.status;
      propagator.inject(parent, response.headers, setter);
      return response;
    } finally {
      if (keep) probeSpans(tools, parent, method, route, status, startMs);
      server.setAttribute("http.response.status_code", status);
      if (status >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
      server.end();
      if (tools.telemetry) ctx?.waitUntil(tools.telemetry.flush());
    }
  },
};
