import {
  type Attributes,
  type Context,
  context as otelContext,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import {
  extractTraceContext,
  type HeaderGetter,
  injectTraceContext,
  outgoingTraceFlags,
  withIncomingTraceContext,
} from "../otel/tracecontext/index.js";
import type { ProbeRuntime } from "../runtime/runtime.js";
import type { HeaderLookup, RequestScope } from "../runtime/scope.js";

/** How an adapter instruments HTTP requests; the same for every runtime. */
export interface HttpProbeOptions {
  /** The route template of a request ("/users/:id"), for span names and the `route` import. */
  readonly route?: (method: string, path: string) => string | undefined;
  /**
   * Start a SERVER span for each request and parent the probes' spans to it
   * (default true). When the active context already holds a span, for
   * example from the application's own HTTP instrumentation, that span is
   * the parent and no second server span is made.
   */
  readonly serverSpan?: boolean;
  /** Send `traceparent`/`tracestate` of the request's span back on the response (default false). */
  readonly traceResponse?: boolean;
  /** Called once per request when its probes are done (for flushing and metrics). */
  readonly onFinish?: (scope: RequestScope) => void;
}

/** What an adapter knows about an incoming request. */
export interface IncomingRequest {
  readonly method: string;
  readonly path: string;
  readonly header: HeaderGetter;
}

/** One request's probe lifecycle, driven by an adapter. */
export interface HttpRequestProbes {
  readonly scope: RequestScope;
  /** The context the application should run under (its spans become siblings of the probes'). */
  readonly context: Context;
  /** Headers to put on the response (empty unless `traceResponse`). */
  readonly responseHeaders: ReadonlyArray<readonly [string, string]>;
  /** The response is done: run the response hooks, end the spans. Safe to call twice. */
  finish(status: number): void;
}

function firstLine(value: ReturnType<HeaderGetter>): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(", ");
}

/** The request's headers as the runtime reads them: the first line of each. */
class IncomingHeaders implements HeaderLookup {
  constructor(private readonly header: HeaderGetter) {}

  get(name: string): string | undefined {
    return firstLine(this.header(name));
  }
}

const NO_HEADERS: ReadonlyArray<readonly [string, string]> = Object.freeze([]);

/**
 * The runtime-neutral core of every HTTP adapter: read the W3C trace
 * context, choose the probes' parent, run the request hooks now and the
 * response hooks on `finish`. Never throws into the request.
 */
export function startHttpRequest(
  runtime: ProbeRuntime,
  request: IncomingRequest,
  options: HttpProbeOptions = {},
): HttpRequestProbes {
  return new HttpRequest(runtime, request, options);
}

/** One object per request, in place of a closure per step (garbage a worker collects). */
class HttpRequest implements HttpRequestProbes {
  readonly scope: RequestScope;
  readonly context: Context;
  readonly responseHeaders: ReadonlyArray<readonly [string, string]>;
  readonly #runtime: ProbeRuntime;
  readonly #options: HttpProbeOptions;
  readonly #server: Span | undefined;
  #finished = false;

  constructor(runtime: ProbeRuntime, request: IncomingRequest, options: HttpProbeOptions) {
    this.#runtime = runtime;
    this.#options = options;
    const receivedAtNs = runtime.clock.nowNs();
    const route = options.route?.(request.method, request.path);
    const active = otelContext.active();
    let parent: Context;
    let server: Span | undefined;
    // The application's own local span (its HTTP instrumentation) is the parent, sampled or not: the
    // probes follow its trace and its sampling decision, and no second server span is made.
    const activeSpan = trace.getSpanContext(active);
    if (activeSpan !== undefined && !activeSpan.isRemote && trace.isSpanContextValid(activeSpan)) {
      parent = active;
    } else {
      const remote = extractTraceContext(request.header);
      // With tail sampling on, the request's buffer rides on the context: the server span joins it.
      // The incoming flags ride on it too, so the app's outgoing calls keep the random flag.
      const base = runtime.requestContext(remote ? withIncomingTraceContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT);
      if (options.serverSpan === false) {
        parent = base;
      } else {
        const attributes: Attributes = { "http.request.method": request.method, "url.path": request.path };
        if (route) attributes["http.route"] = route;
        server = runtime.tracerProvider
          .getTracer("sandprobe")
          .startSpan(
            route ? `${request.method} ${route}` : request.method,
            { kind: SpanKind.SERVER, startTime: runtime.clock.toEpoch(receivedAtNs), attributes },
            base,
          );
        parent = trace.setSpan(base, server);
      }
    }
    this.#server = server;
    const headers = new IncomingHeaders(request.header);
    // An empty route is no route (`route` stays unset).
    this.scope = runtime.begin({ method: request.method, route: route || undefined, headers, receivedAtNs, parent });
    this.scope.request();
    this.context = this.scope.parent;
    this.responseHeaders = options.traceResponse ? traceResponseHeaders(this.context) : NO_HEADERS;
  }

  /** An arrow function, so `const { finish } = probes` and `res.once("finish", ...)` style uses keep working. */
  readonly finish = (status: number): void => {
    if (this.#finished) return;
    this.#finished = true;
    const scope = this.scope;
    scope.response(status);
    scope.end();
    const server = this.#server;
    if (server) {
      server.setAttribute("http.response.status_code", status);
      if (status >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
      const clock = this.#runtime.clock;
      server.end(clock.toEpoch(clock.nowNs()));
    }
    this.#options.onFinish?.(scope);
  };
}

/** `traceparent`/`tracestate` of the request's span, to send back on the response. */
function traceResponseHeaders(context: Context): ReadonlyArray<readonly [string, string]> {
  const spanContext = trace.getSpanContext(context);
  if (!spanContext) return NO_HEADERS;
  const headers: [string, string][] = [];
  // The random flag describes the trace id, which the server span shares
  // with the caller; OpenTelemetry's SDK drops it, so carry it over.
  const flags = outgoingTraceFlags(context, spanContext);
  injectTraceContext({ ...spanContext, traceFlags: flags }, (name, value) => headers.push([name, value]));
  return headers;
}
