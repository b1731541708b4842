/**
 * The cost of a probe hook that emits one span, against making the same span
 * directly with @opentelemetry/api in JavaScript, through the same SDK
 * pipeline (BasicTracerProvider + SimpleSpanProcessor + a no-op exporter).
 */
import { readFile } from "node:fs/promises";
import { ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { ProbeRuntime } from "../host/index.js";
import { compare, formatComparison, machine } from "./harness.js";

/** Accepts and forgets spans: the exporter is not what we measure. */
class DiscardExporter implements SpanExporter {
  count = 0;
  export(spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    this.count += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

export async function hookSpanBench(options: { rounds?: number; roundMs?: number } = {}) {
  const exporter = new DiscardExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const runtime = new ProbeRuntime({ tracerProvider: provider });
  await runtime.load(new Uint8Array(await readFile("build/probes/examples/latency.wasm")));
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    traceFlags: 1,
    isRemote: true,
  });
  const headers = { get: () => undefined };
  const probe = {
    name: "latency probe: request scope + response hook, 1 span",
    run: (n: number) => {
      for (let i = 0; i < n; i++) {
        const scope = runtime.begin({ method: "GET", route: "/users/:id", headers, parent });
        scope.response(200);
        scope.end();
      }
    },
  };
  const tracer = provider.getTracer("direct", "1.0.0");
  const clock = runtime.clock;
  const direct = {
    name: "same span in JavaScript",
    run: (n: number) => {
      for (let i = 0; i < n; i++) {
        const start = clock.nowNs();
        const span = tracer.startSpan(
          "GET /users/:id",
          { kind: SpanKind.INTERNAL, startTime: clock.toEpoch(start) },
          parent,
        );
        span.setAttribute("http.request.method", "GET");
        span.setAttribute("http.route", "/users/:id");
        span.setAttribute("http.response.status_code", 200);
        span.end(clock.toEpoch(clock.nowNs()));
      }
    },
  };
  return compare(probe, direct, options);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await machine()));
  console.log(formatComparison(await hookSpanBench()));
}
