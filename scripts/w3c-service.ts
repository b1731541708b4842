/**
 * The test service the W3C Trace Context validation suite drives
 * (github.com/w3c/trace-context, test/README.md), so our propagation can be
 * checked against the public conformance tests. Run after `npm run build`:
 *
 *   node dist/scripts/w3c-service.js [--mode product|propagator|headers] [--propagator ours|core] [--port 5000]
 *   cd trace-context/test && SPEC_LEVEL=2 STRICT_LEVEL=2 python3 test.py http://127.0.0.1:5000/test
 *
 * (the suite needs Python's aiohttp: Debian `python3-aiohttp`; SPEC_LEVEL=2
 * adds the Level 2 random-flag test). The harness POSTs a JSON array of
 * `{ url, arguments }` to /test; for each element the service POSTs
 * `arguments` to `url` with trace headers, in order, then answers. Modes:
 *
 * - product: what users run. `withProbes` makes the SERVER span from the
 *   incoming headers; each call is a CLIENT span made by the edge adapter's
 *   `tracingFetch`, which writes the headers.
 * - propagator: the global propagation API with our propagator (or
 *   `@opentelemetry/core`'s, `--propagator core`, as a reference).
 * - headers: the low-level functions of host/otel/tracecontext/headers.ts.
 *
 * Results are in docs/edge.md ("Trace context").
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  type TextMapPropagator,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { type FetchLike, tracingFetch } from "../host/adapters/edge/fetch.js";
import { withProbes } from "../host/adapters/node-http.js";
import {
  childTraceContext,
  extractTraceContext,
  headerGetter,
  injectTraceContext,
  newTraceContext,
  SandprobeTraceContextPropagator,
} from "../host/otel/tracecontext/index.js";
import { ProbeRuntime } from "../host/runtime/runtime.js";

export type ServiceMode = "product" | "propagator" | "headers";

export interface ServiceOptions {
  readonly mode?: ServiceMode;
  /** The propagator of the propagator mode (the other modes never call one). */
  readonly propagator?: "ours" | "core";
  readonly port?: number;
}

/** One instruction of the harness: POST `arguments` to `url`. */
interface Action {
  readonly url: string;
  readonly arguments: unknown;
}

/** Sends one call: `headers` are the trace headers to add (the product mode's fetch adds its own). */
type Call = (url: string, body: unknown, headers?: Record<string, string>) => Promise<void>;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) chunks.push(chunk as Uint8Array);
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function poster(send: FetchLike): Call {
  return async (url, body, headers = {}) => {
    const response = await send(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body ?? []),
    });
    await response.text();
  };
}

/** Reads the instructions, makes each call in order, then answers the harness. */
async function serve(req: IncomingMessage, res: ServerResponse, call: (action: Action) => Promise<void>) {
  try {
    if (req.method !== "POST" || (req.url ?? "/").split("?")[0] !== "/test") {
      res.writeHead(404).end();
      return;
    }
    const text = await readBody(req);
    const actions: unknown = text ? JSON.parse(text) : [];
    for (const action of Array.isArray(actions) ? (actions as Action[]) : []) await call(action);
    res.writeHead(200, { "content-type": "application/json" }).end("[]");
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: String(error) }));
  }
}

function listenerFor(mode: ServiceMode, propagator: TextMapPropagator): RequestListener {
  // Spans are made and dropped: the suite reads only the headers. Default sampler: ParentBased(AlwaysOn).
  const provider = new BasicTracerProvider();
  const tracer = provider.getTracer("w3c-validation-service");
  if (mode === "product") {
    const runtime = new ProbeRuntime({ tracerProvider: provider });
    return withProbes(runtime, (req, res, context) => {
      const post = poster(tracingFetch({ context, tracer, clock: runtime.clock }));
      void serve(req, res, (action) => post(action.url, action.arguments));
    });
  }
  const post = poster(fetch);
  if (mode === "propagator") {
    return (req, res) => {
      const incoming = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const server = tracer.startSpan("POST /test", { kind: SpanKind.SERVER }, incoming);
      const serverContext = trace.setSpan(incoming, server);
      void serve(req, res, async (action) => {
        const client = tracer.startSpan("POST", { kind: SpanKind.CLIENT }, serverContext);
        const headers: Record<string, string> = {};
        propagator.inject(trace.setSpan(serverContext, client), headers, defaultTextMapSetter);
        try {
          await post(action.url, action.arguments, headers);
        } finally {
          client.end();
        }
      }).finally(() => server.end());
    };
  }
  return (req, res) => {
    const remote = extractTraceContext(headerGetter(req.rawHeaders));
    const server = remote ? childTraceContext(remote) : newTraceContext({ sampled: true });
    void serve(req, res, (action) => {
      const headers: Record<string, string> = {};
      injectTraceContext(childTraceContext(server), (name, value) => {
        headers[name] = value;
      });
      return post(action.url, action.arguments, headers);
    });
  };
}

/** Starts the service on 127.0.0.1 (port 0: any free port); resolves once it listens. */
export function startW3cService(options: ServiceOptions = {}): Promise<Server> {
  const propagator =
    options.propagator === "core" ? new W3CTraceContextPropagator() : new SandprobeTraceContextPropagator();
  const server = createServer(listenerFor(options.mode ?? "product", propagator));
  return new Promise((resolve) => server.listen(options.port ?? 5000, "127.0.0.1", () => resolve(server)));
}

if (process.argv[1]?.endsWith("w3c-service.js")) {
  const { values } = parseArgs({
    options: {
      mode: { type: "string", default: "product" },
      propagator: { type: "string", default: "ours" },
      port: { type: "string", default: "5000" },
    },
  });
  const mode = values.mode as ServiceMode;
  if (!["product", "propagator", "headers"].includes(mode) || !["ours", "core"].includes(values.propagator)) {
    console.error("w3c-service: --mode product|propagator|headers, --propagator ours|core");
    process.exit(2);
  }
  const server = await startW3cService({
    mode,
    propagator: values.propagator as "ours" | "core",
    port: Number(values.port),
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : values.port;
  console.error(`w3c-service: mode ${mode}, propagator ${values.propagator}, on http://127.0.0.1:${port}/test`);
}
