/**
 * `createTelemetry`: an OpenTelemetry SDK pipeline for probe telemetry in a
 * couple of lines. Traces go through the tail sampler (when on), the
 * accounting processor and the SDK's BatchSpanProcessor to the exporter;
 * logs through an accounting BatchLogRecordProcessor; metrics through a
 * PeriodicExportingMetricReader, with the ledger observed as the runtime's
 * own metrics. Web-standard: it needs the SDK packages (optional peer
 * dependencies of sandprobe), and the OTLP exporter packages only when an
 * OTLP endpoint is chosen (loaded on demand).
 */
import type { Attributes, AttributeValue } from "@opentelemetry/api";
import { defaultResource, type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  InMemoryLogRecordExporter,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  ConsoleMetricExporter,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  type SpanExporter,
  type SpanLimits,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { TelemetryLedger } from "../otel/ledger.js";
import { type SamplingOptions, SamplingPolicy } from "../otel/sampling-policy.js";
import type { RuntimeOptions } from "../runtime/runtime.js";
import { AccountingLogRecordProcessor, AccountingSpanProcessor } from "./accounting.js";
import { JsonLinesLogExporter, JsonLinesMetricExporter, JsonLinesSpanExporter, type LineSink } from "./jsonl.js";
import { observeLedger } from "./ledger-metrics.js";
import { type ResourceOptions, resourceAttributes } from "./resource.js";
import { ProbeSampler } from "./sampler.js";
import { TailSamplingProcessor } from "./tail-sampling.js";

export type OtlpProtocol = "http/protobuf" | "http/json";

export interface OtlpOptions {
  /** Base endpoint, e.g. "http://127.0.0.1:4318"; "/v1/traces" etc. are appended. */
  readonly endpoint?: string;
  /** Full per-signal URLs, used as they are (they win over `endpoint`). */
  readonly tracesUrl?: string;
  readonly logsUrl?: string;
  readonly metricsUrl?: string;
  /** Default "http/protobuf", as the OpenTelemetry specification recommends. */
  readonly protocol?: OtlpProtocol;
  readonly headers?: Readonly<Record<string, string>>;
  /** Per export request, retries included (default 10000). */
  readonly timeoutMillis?: number;
}

/** Exporters for the three signals; a missing one means the signal is not exported. */
export interface SignalExporters {
  readonly traces: SpanExporter;
  readonly logs?: LogRecordExporter;
  readonly metrics?: PushMetricExporter;
}

/**
 * Where telemetry goes:
 * - "console": the SDK's console exporters (the default; no collector needed)
 * - "memory": in-memory exporters, read back through `telemetry.memory`
 * - "none": nothing is exported (spans still sampled and accounted)
 * - `{ lines }`: JSON Lines to a sink (a file in the Node adapter)
 * - `{ otlp }`: the official OTLP/HTTP exporters, protobuf or JSON
 * - `{ exporters }`: your own
 */
export type ExportTarget =
  | "console"
  | "memory"
  | "none"
  | { readonly lines: LineSink }
  | { readonly otlp: OtlpOptions }
  | { readonly exporters: SignalExporters };

export interface TailOptions {
  /** Spans held over all undecided requests (default 4096). */
  readonly maxBufferedSpans?: number;
  /** Spans held for one request (default 512). */
  readonly maxSpansPerRequest?: number;
}

export interface TelemetryOptions {
  readonly resource?: ResourceOptions;
  readonly export?: ExportTarget;
  /** Head sampling (and the tail sampler's fallback ratio and critical routes). */
  readonly sampling?: SamplingOptions;
  /** Tail sampling: hold each request's spans until its end decides (off by default). */
  readonly tail?: TailOptions | boolean;
  readonly batch?: {
    /** Spans (and log records) queued or in export at once (default 2048). */
    readonly maxQueueSize?: number;
    readonly maxExportBatchSize?: number;
    readonly scheduledDelayMillis?: number;
    readonly exportTimeoutMillis?: number;
  };
  /** How often metrics are exported (default 60000 ms); shutdown and forceFlush export too. */
  readonly metricIntervalMillis?: number;
  readonly spanLimits?: SpanLimits;
  readonly ledger?: TelemetryLedger;
}

/** What a flush or shutdown achieved within its time limit. */
export interface FlushResult {
  readonly ok: boolean;
  /** True when the time limit ran out first (the work goes on in the background). */
  readonly timedOut: boolean;
  readonly errors: readonly unknown[];
}

export interface Telemetry {
  readonly tracerProvider: BasicTracerProvider;
  readonly loggerProvider: LoggerProvider;
  readonly meterProvider: MeterProvider;
  readonly resource: Resource;
  readonly ledger: TelemetryLedger;
  readonly sampler: ProbeSampler;
  readonly tail: TailSamplingProcessor | undefined;
  /**
   * Spread into `new ProbeRuntime({ ...telemetry.runtimeOptions })`. Without
   * a log exporter there is no `loggerProvider` here: probe log lines then
   * only reach `onLog`, and are not counted as emitted.
   */
  readonly runtimeOptions: Required<Pick<RuntimeOptions, "tracerProvider" | "meterProvider" | "ledger" | "sampling">> &
    Pick<RuntimeOptions, "tailSampling" | "loggerProvider">;
  /** With `export: "memory"`: what was exported so far. */
  readonly memory:
    | {
        readonly spans: InMemorySpanExporter;
        readonly logs: InMemoryLogRecordExporter;
        readonly metrics: InMemoryMetricExporter;
      }
    | undefined;
  /** Export everything queued now; resolves within `timeoutMillis` (default 10000). */
  forceFlush(timeoutMillis?: number): Promise<FlushResult>;
  /** Flush and stop, once (later calls return the first call's promise). Default limit 10000 ms. */
  shutdown(timeoutMillis?: number): Promise<FlushResult>;
}

async function otlpExporters(options: OtlpOptions): Promise<SignalExporters> {
  const base = (options.endpoint ?? "http://localhost:4318").replace(/\/+$/, "");
  const common = {
    ...(options.headers ? { headers: { ...options.headers } } : {}),
    ...(options.timeoutMillis !== undefined ? { timeoutMillis: options.timeoutMillis } : {}),
  };
  const traces = { ...common, url: options.tracesUrl ?? `${base}/v1/traces` };
  const logs = { ...common, url: options.logsUrl ?? `${base}/v1/logs` };
  const metrics = { ...common, url: options.metricsUrl ?? `${base}/v1/metrics` };
  if ((options.protocol ?? "http/protobuf") === "http/json") {
    const [t, l, m] = await Promise.all([
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/exporter-logs-otlp-http"),
      import("@opentelemetry/exporter-metrics-otlp-http"),
    ]);
    return {
      traces: new t.OTLPTraceExporter(traces),
      logs: new l.OTLPLogExporter(logs),
      metrics: new m.OTLPMetricExporter(metrics) as unknown as PushMetricExporter,
    };
  }
  const [t, l, m] = await Promise.all([
    import("@opentelemetry/exporter-trace-otlp-proto"),
    import("@opentelemetry/exporter-logs-otlp-proto"),
    import("@opentelemetry/exporter-metrics-otlp-proto"),
  ]);
  return {
    traces: new t.OTLPTraceExporter(traces),
    logs: new l.OTLPLogExporter(logs),
    metrics: new m.OTLPMetricExporter(metrics) as unknown as PushMetricExporter,
  };
}

/** A span exporter that accepts and discards: for `export: "none"`. */
const DISCARD: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: () => Promise.resolve(),
};

/** Run `work` within `timeoutMillis`; never rejects. */
async function bounded(work: () => Promise<unknown>[], timeoutMillis: number): Promise<FlushResult> {
  const errors: unknown[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMillis);
  });
  const all = Promise.all(work().map((p) => p.catch((error: unknown) => errors.push(error))));
  const outcome = await Promise.race([all.then(() => "done" as const), timeout]);
  clearTimeout(timer);
  return { ok: outcome === "done" && errors.length === 0, timedOut: outcome === "timeout", errors };
}

/** Build the pipeline; see the module comment. */
export async function createTelemetry(options: TelemetryOptions = {}): Promise<Telemetry> {
  const ledger = options.ledger ?? new TelemetryLedger();
  const resource = defaultResource().merge(
    resourceFromAttributes(resourceAttributes(options.resource) as Record<string, AttributeValue>),
  );
  const target = options.export ?? "console";
  let exporters: SignalExporters;
  let memory: Telemetry["memory"];
  if (target === "console") {
    exporters = {
      traces: new ConsoleSpanExporter(),
      logs: new ConsoleLogRecordExporter(),
      metrics: new ConsoleMetricExporter(),
    };
  } else if (target === "memory") {
    memory = {
      spans: new InMemorySpanExporter(),
      logs: new InMemoryLogRecordExporter(),
      metrics: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    };
    exporters = { traces: memory.spans, logs: memory.logs, metrics: memory.metrics };
  } else if (target === "none") {
    exporters = { traces: DISCARD };
  } else if ("lines" in target) {
    exporters = {
      traces: new JsonLinesSpanExporter(target.lines),
      logs: new JsonLinesLogExporter(target.lines) as LogRecordExporter,
      metrics: new JsonLinesMetricExporter(target.lines),
    };
  } else if ("otlp" in target) {
    exporters = await otlpExporters(target.otlp);
  } else {
    exporters = target.exporters;
  }

  const batch = options.batch ?? {};
  const maxQueueSize = batch.maxQueueSize ?? 2048;
  const bufferConfig = {
    maxQueueSize,
    maxExportBatchSize: Math.min(batch.maxExportBatchSize ?? 512, maxQueueSize),
    scheduledDelayMillis: batch.scheduledDelayMillis ?? 1000,
    exportTimeoutMillis: batch.exportTimeoutMillis ?? 30_000,
  };

  const policy = new SamplingPolicy(options.sampling);
  const accounting = new AccountingSpanProcessor({
    ledger,
    exporter: exporters.traces,
    maxQueueSize,
    batch: (exporter) => new BatchSpanProcessor(exporter, bufferConfig),
  });
  let tail: TailSamplingProcessor | undefined;
  let processor: SpanProcessor = accounting;
  let headPolicy = policy;
  if (options.tail) {
    const tailOptions = options.tail === true ? {} : options.tail;
    tail = new TailSamplingProcessor({ next: accounting, ledger, policy, ...tailOptions });
    processor = tail;
    // The head records everything; the tail decides at the request's end.
    headPolicy = new SamplingPolicy({ ...options.sampling, ratio: 1, parentBased: false });
  }
  const sampler = new ProbeSampler(headPolicy);
  const tracerProvider = new BasicTracerProvider({
    resource,
    sampler,
    spanProcessors: [processor],
    ...(options.spanLimits ? { spanLimits: options.spanLimits } : {}),
  });

  const logProcessors = exporters.logs
    ? [
        new AccountingLogRecordProcessor<ReadableLogRecord>({
          ledger,
          exporter: exporters.logs,
          maxQueueSize,
          batch: (exporter) =>
            new BatchLogRecordProcessor({ exporter: exporter as LogRecordExporter, ...bufferConfig }),
        }),
      ]
    : [];
  const loggerProvider = new LoggerProvider({ resource, processors: logProcessors as never });

  const readers = exporters.metrics
    ? [
        new PeriodicExportingMetricReader({
          exporter: exporters.metrics,
          exportIntervalMillis: options.metricIntervalMillis ?? 60_000,
        }),
      ]
    : [];
  const meterProvider = new MeterProvider({ resource, readers });
  observeLedger(meterProvider.getMeter("sandprobe"), ledger);

  let shutdownOnce: Promise<FlushResult> | undefined;
  const telemetry: Telemetry = {
    tracerProvider,
    loggerProvider,
    meterProvider,
    resource,
    ledger,
    sampler,
    tail,
    memory,
    runtimeOptions: {
      tracerProvider,
      meterProvider,
      ...(exporters.logs ? { loggerProvider } : {}),
      ledger,
      sampling: policy,
      ...(tail ? { tailSampling: tail } : {}),
    },
    forceFlush(timeoutMillis = 10_000) {
      if (shutdownOnce) return shutdownOnce;
      return bounded(
        () => [tracerProvider.forceFlush(), loggerProvider.forceFlush(), meterProvider.forceFlush()],
        timeoutMillis,
      );
    },
    shutdown(timeoutMillis = 10_000) {
      shutdownOnce ??= bounded(
        // Spans and logs first, so the metrics exported last count them as exported.
        () => [
          Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown()]).then(() => meterProvider.shutdown()),
        ],
        timeoutMillis,
      );
      return shutdownOnce;
    },
  };
  return telemetry;
}

/** Attributes of a resource, for display. */
export function describeResource(resource: Resource): Attributes {
  return { ...resource.attributes };
}
