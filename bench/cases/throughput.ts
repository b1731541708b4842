/**
 * Case 7: spans per second from one probe instance, through the
 * OpenTelemetry SDK (SimpleSpanProcessor, discarding exporter), next to the
 * same spans made in JavaScript, and to a published figure for WASI
 * observability probes: 1,200 spans/s and 4.2 MB per instance.
 */
import { SpanKind } from "@opentelemetry/api";
import {
  BENCH_PARENT,
  BENCH_RUNTIME,
  benchRequest,
  memoryPerInstance,
  runRequest,
} from "../../host/cli/bench/cases.js";
import { compare } from "../../host/cli/bench/harness.js";
import { type CaseResult, formatValue, type Row } from "../../host/cli/bench/report.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { type BenchContext, builtProbe, sdkPipeline } from "../context.js";

const PUBLISHED_SPANS_PER_S = 1200;
const PUBLISHED_BYTES = 4.2e6;
const BURST = 10;

export async function throughputCase(ctx: BenchContext): Promise<CaseResult> {
  const sdk = sdkPipeline();
  const rows: Row[] = [];
  const tracer = sdk.provider.getTracer("direct", "1.0.0");
  const info = benchRequest();
  let best = 0;
  for (const [step, probe] of (["burst", "latency"] as const).entries()) {
    const runtime = new ProbeRuntime({ tracerProvider: sdk.provider, ...BENCH_RUNTIME });
    await runtime.load(await builtProbe(probe === "burst" ? "bench" : "examples", probe));
    const clock = runtime.clock;
    const spansPerRequest = probe === "burst" ? BURST : 1;
    const before = sdk.exporter.count;
    const c = await compare(
      {
        name: probe === "burst" ? `bench-burst probe: ${BURST} spans per hook` : "latency probe: 1 span per request",
        run: (n) => {
          for (let i = 0; i < n; i++) runRequest(runtime, info, 200);
        },
      },
      {
        name: "the same spans in JavaScript",
        run: (n) => {
          for (let i = 0; i < n; i++) {
            for (let s = 0; s < spansPerRequest; s++) {
              const span = tracer.startSpan(
                probe === "burst" ? "burst.span" : "GET /users/:id",
                { kind: SpanKind.INTERNAL, startTime: clock.toEpoch(clock.nowNs()) },
                BENCH_PARENT,
              );
              span.setAttribute("burst.index", s);
              span.setAttribute("burst.kind", "bench");
              span.end(clock.toEpoch(clock.nowNs()));
            }
          }
        },
      },
      ctx.compare(step, 3),
    );
    const exported = sdk.exporter.count - before;
    const perSecond = (1e9 / c.subject.medianNs) * spansPerRequest;
    best = Math.max(best, perSecond);
    rows.push({
      label: `${c.name}: spans per second`,
      value: perSecond,
      unit: "per-second",
      baseline: { label: "same spans in JavaScript", value: (1e9 / c.base.medianNs) * spansPerRequest },
      ratio: { median: 1 / c.ratio, low: 1 / c.ratioHigh, high: 1 / c.ratioLow },
      detail: `one instance, one thread; ${formatValue(c.subject.medianNs / spansPerRequest, "ns")} per span; ${exported.toLocaleString("en-US")} spans reached the exporter`,
    });
  }
  ctx.progress(2 / 3);
  const memory = await memoryPerInstance(await builtProbe("bench", "burst"), ctx.quick ? 10 : 100);
  rows.push({
    label: "memory of that instance",
    value: memory.perInstance,
    unit: "bytes",
    baseline: { label: "published figure", value: PUBLISHED_BYTES },
    detail: `published: ${PUBLISHED_SPANS_PER_S.toLocaleString("en-US")} spans/s and 4.2 MB per instance`,
  });
  return {
    id: "throughput",
    number: 7,
    title: "Span throughput of one probe instance",
    rows,
    notes: [
      `Best: ${Math.round(best).toLocaleString("en-US")} spans/s, ${(best / PUBLISHED_SPANS_PER_S).toFixed(0)}x the published 1,200 spans/s; ${formatValue(memory.perInstance, "bytes")} vs 4.2 MB per instance.`,
      "Synchronous, on the request path, SDK included; the ratio column is sandprobe / JavaScript throughput.",
    ],
  };
}
