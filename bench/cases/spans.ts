/**
 * Case 3: each example probe's hook, one span forwarded through
 * @opentelemetry/api to the SDK, vs the same work done directly in
 * JavaScript: the same request facts read, the same span (name, kind, start
 * time, attributes, status, events) made with the same tracer provider.
 */
import {
  type Context,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { BENCH_RUNTIME, benchRequest, runRequest, runtimeTrouble } from "../../host/cli/bench/cases.js";
import { type Comparison, compare } from "../../host/cli/bench/harness.js";
import { type CaseResult, comparisonRow, formatValue, type Goal, type Row } from "../../host/cli/bench/report.js";
import type { HostClock } from "../../host/clock/clock.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import type { RequestInfo } from "../../host/runtime/scope.js";
import { type BenchContext, builtProbe, otherPipeline, sdkPipeline } from "../context.js";

interface Example {
  readonly probe: string;
  readonly info: RequestInfo;
  readonly status: number;
  /** The probe's logic in JavaScript, per request. */
  readonly direct: (tracer: Tracer, clock: HostClock, info: RequestInfo, receivedAtNs: number, status: number) => void;
}

const SLOW_NS = 250_000_000;
const UPPER_BOUND = Math.floor(0.25 * 0xffffffff);

const EXAMPLES: readonly Example[] = [
  {
    probe: "latency",
    info: benchRequest("/users/:id"),
    status: 200,
    direct: (tracer, clock, info, receivedAtNs, status) => {
      const method = info.method ?? "";
      const route = info.route ?? "";
      const name = route.length > 0 ? `${method} ${route}` : method;
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.INTERNAL, startTime: clock.toEpoch(receivedAtNs) },
        info.parent as Context,
      );
      span.setAttribute("http.request.method", method);
      if (route.length > 0) span.setAttribute("http.route", route);
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(clock.toEpoch(clock.nowNs()));
    },
  },
  {
    // A failing request, so the detector emits its span (fast 2xx requests cost no span).
    probe: "slow-detector",
    info: benchRequest("/users/:id"),
    status: 503,
    direct: (tracer, clock, info, receivedAtNs, status) => {
      const end = clock.nowNs();
      const duration = end - receivedAtNs;
      const slow = duration > SLOW_NS;
      const failed = status >= 500;
      if (!slow && !failed) return;
      const span = tracer.startSpan(
        "request.anomaly",
        { kind: SpanKind.INTERNAL, startTime: clock.toEpoch(receivedAtNs) },
        info.parent as Context,
      );
      span.setAttribute("http.route", info.route ?? "");
      span.setAttribute("http.response.status_code", status);
      span.setAttribute("http.server.request.duration", duration / 1e9);
      span.setAttribute("sandprobe.slow", slow);
      if (slow) span.addEvent("slow_request", clock.toEpoch(clock.nowNs()));
      if (failed) span.addEvent("server_error", clock.toEpoch(clock.nowNs()));
      span.setStatus({ code: SpanStatusCode.ERROR, message: failed ? "server error" : "slow request" });
      span.end(clock.toEpoch(end));
    },
  },
  {
    // A critical route, so every request is kept and gets the decision span.
    probe: "sampler",
    info: benchRequest("/checkout/:cart"),
    status: 200,
    direct: (tracer, clock, info) => {
      let parent = info.parent as Context;
      const context = trace.getSpanContext(parent);
      const traceId = context?.traceId ?? "";
      const route = info.route ?? "";
      const critical = route.startsWith("/checkout") || route.startsWith("/payment");
      let keep = critical;
      if (!keep) {
        let words = 0;
        for (let i = 0; i < 32; i += 8) words ^= Number.parseInt(traceId.slice(i, i + 8), 16);
        keep = words >>> 0 <= UPPER_BOUND;
      }
      if (context) {
        const flags = keep ? context.traceFlags | TraceFlags.SAMPLED : context.traceFlags & ~TraceFlags.SAMPLED;
        parent = trace.setSpanContext(parent, { ...context, traceFlags: flags });
      }
      if (keep) {
        const span = tracer.startSpan(
          "sampling.decision",
          { kind: SpanKind.INTERNAL, startTime: clock.toEpoch(clock.nowNs()) },
          parent,
        );
        span.setAttribute("sampling.critical_path", critical);
        span.setAttribute("sampling.ratio", 0.25);
        span.end(clock.toEpoch(clock.nowNs()));
      }
    },
  },
];

async function exampleComparison(
  ctx: BenchContext,
  example: Example,
  provider: TracerProvider,
  step: number,
  steps: number,
  tidy: () => void = () => {},
): Promise<Comparison & { trouble: string }> {
  const runtime = new ProbeRuntime({ tracerProvider: provider, ...BENCH_RUNTIME });
  await runtime.load(await builtProbe("examples", example.probe));
  const clock = runtime.clock;
  const tracer = provider.getTracer("direct", "1.0.0");
  const comparison = await compare(
    {
      name: `${example.probe} probe (1 span)`,
      run: (n) => {
        tidy();
        for (let i = 0; i < n; i++) runRequest(runtime, example.info, example.status);
      },
    },
    {
      name: "the same in JavaScript",
      run: (n) => {
        tidy();
        for (let i = 0; i < n; i++) {
          // Like the runtime, the request's arrival is read from the clock when it begins.
          example.direct(tracer, clock, example.info, clock.nowNs(), example.status);
        }
      },
    },
    ctx.compare(step, steps),
  );
  return { ...comparison, trouble: runtimeTrouble(runtime) };
}

/** What the sandbox adds per request: baseline x (ratio - 1), with the ratio's IQR. */
function addedNs(c: Comparison): string {
  const at = (ratio: number) => (c.base.medianNs * (ratio - 1)).toFixed(0);
  const sign = c.ratio >= 1 ? "+" : "";
  return `${sign}${at(c.ratio)} ns [${at(c.ratioLow)} to ${at(c.ratioHigh)}]`;
}

function ratioGoal(goal: string, c: Comparison, limit: number): Goal {
  return {
    goal,
    measured: `${c.ratio.toFixed(2)}x [${c.ratioLow.toFixed(2)}-${c.ratioHigh.toFixed(2)}], ${addedNs(c)}`,
    met: c.ratio <= limit,
  };
}

export async function spansCase(ctx: BenchContext): Promise<CaseResult> {
  const sdk = sdkPipeline();
  const rows: Row[] = [];
  const results: Comparison[] = [];
  const steps = EXAMPLES.length + 4;
  for (const [i, example] of EXAMPLES.entries()) {
    const c = await exampleComparison(ctx, example, sdk.provider, i, steps);
    results.push(c);
    const trouble = c.trouble ? `; ${c.trouble}` : "";
    rows.push(comparisonRow(c, c.name, `${example.info.method} ${example.info.route} -> ${example.status}${trouble}`));
  }
  const latency = EXAMPLES[0] as Example;
  const memory = otherPipeline("memory");
  const noop = otherPipeline("noop");
  const batch = otherPipeline("batch");
  const variants: [string, string, TracerProvider, () => void][] = [
    [
      "latency probe, InMemorySpanExporter",
      "SimpleSpanProcessor + InMemorySpanExporter (issue 12's first row)",
      memory.provider,
      memory.tidy,
    ],
    [
      "latency probe, NoopSpanProcessor",
      "the SDK records the span, its processor drops it (issue 12's second row)",
      noop.provider,
      noop.tidy,
    ],
    [
      "latency probe, no SDK registered",
      "the API's no-op tracer, non-recording spans: what an unsampled request pays",
      trace.getTracerProvider(),
      () => {},
    ],
    [
      "latency probe, BatchSpanProcessor",
      "production pipeline: BatchSpanProcessor + discarding exporter",
      batch.provider,
      batch.tidy,
    ],
  ];
  const byLabel = new Map<string, Comparison>();
  for (const [i, [label, what, provider, tidy]] of variants.entries()) {
    const c = await exampleComparison(ctx, latency, provider, EXAMPLES.length + i, steps, tidy);
    byLabel.set(label, c);
    const trouble = c.trouble ? `; ${c.trouble}` : "";
    rows.push(comparisonRow(c, label, `${what}; ${addedNs(c)} per request${trouble}`));
  }
  const inMemory = byLabel.get("latency probe, InMemorySpanExporter") as Comparison;
  const noopProcessor = byLabel.get("latency probe, NoopSpanProcessor") as Comparison;
  const noSdk = byLabel.get("latency probe, no SDK registered") as Comparison;
  const added = noSdk.base.medianNs * (noSdk.ratio - 1);
  const worst = results.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  return {
    id: "hook-span",
    number: 3,
    title: "Example probes (one span each, through the OpenTelemetry SDK) vs the same span made in JavaScript",
    rows,
    goals: [
      ratioGoal(
        "latency probe, SimpleSpanProcessor + InMemorySpanExporter: at most 1.10x the same span in JavaScript",
        inMemory,
        1.1,
      ),
      ratioGoal("latency probe, NoopSpanProcessor: at most 1.15x the same span in JavaScript", noopProcessor, 1.15),
      {
        goal: "latency probe, no SDK registered: at most +150 ns over the same span in JavaScript",
        measured: `${addedNs(noSdk)} (${noSdk.ratio.toFixed(2)}x of ${formatValue(noSdk.base.medianNs, "ns")})`,
        met: added <= 150,
      },
      ...results.map((c) =>
        ratioGoal(`${c.name.replace(" (1 span)", "")}: at most 1.2x the same span in JavaScript (issue 5)`, c, 1.2),
      ),
    ],
    notes: [
      "The first rows use BasicTracerProvider + SimpleSpanProcessor + an exporter that discards (no I/O). The latency probe then runs with the pipelines of issue 12's goals (InMemorySpanExporter, NoopSpanProcessor, no SDK) and the production BatchSpanProcessor. The JavaScript side always uses the same provider and the same clock.",
      "Added time per request = baseline median x (ratio - 1), its range from the ratio's interquartile range (both from the same interleaved rounds).",
      `Worst ratio: ${worst.name} ${worst.ratio.toFixed(2)}x.`,
    ],
  };
}
