/**
 * OTLP/HTTP export from inside a worker with the official OpenTelemetry JS
 * packages: BasicTracerProvider from @opentelemetry/sdk-trace-base and
 * OTLPTraceExporter from @opentelemetry/exporter-trace-otlp-http, whose
 * browser build sends with `fetch` and runs unchanged in workerd, Deno and
 * Node (docs/edge.md). Spans are batched per request by RequestBatchProcessor
 * and flushed through `ctx.waitUntil`.
 *
 * This file imports the SDK, which sandprobe does not depend on at run time:
 * it is what `sandprobe pack` bundles into a worker. Install
 * @opentelemetry/sdk-trace-base, @opentelemetry/resources and
 * @opentelemetry/exporter-trace-otlp-http where you pack.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { ClockFacts } from "../clock/edge.js";
import { type EdgeTelemetry, RequestBatchProcessor } from "./request-batch.js";

export interface OtlpTelemetryConfig {
  /** The OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  readonly url: string;
  readonly serviceName: string;
  /** Extra resource attributes (e.g. the runtime's name). */
  readonly resource?: Readonly<Record<string, string | number | boolean>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** See RequestBatchOptions.lingerMs (default 0: one export per request). */
  readonly lingerMs?: number;
}

/** The environment bindings `sandprobe pack` declares. */
export interface OtlpEnv {
  readonly SANDPROBE_OTLP_URL?: string;
  readonly SANDPROBE_SERVICE_NAME?: string;
  readonly SANDPROBE_RUNTIME?: string;
  /** Milliseconds to gather several requests' spans into one export (default 0). */
  readonly SANDPROBE_OTLP_LINGER_MS?: string;
}

/** Resource attributes that say how far span times can be trusted. */
export function clockResource(clock: ClockFacts): Record<string, number | boolean> {
  return {
    "sandprobe.clock.resolution_ns": clock.resolutionNs,
    "sandprobe.clock.coarse": clock.coarse,
    "sandprobe.clock.frozen": clock.frozen,
  };
}

export function otlpTelemetry(config: OtlpTelemetryConfig, clock: ClockFacts): EdgeTelemetry {
  const exporter = new OTLPTraceExporter({
    url: config.url,
    ...(config.headers ? { headers: { ...config.headers } } : {}),
  });
  const processor = new RequestBatchProcessor<ReadableSpan>(exporter, { clock, lingerMs: config.lingerMs ?? 0 });
  const tracerProvider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": config.serviceName,
      ...clockResource(clock),
      ...config.resource,
    }),
    spanProcessors: [processor],
  });
  return {
    tracerProvider,
    flush: () => processor.requestDone(),
    stats: () => ({ ...processor.stats }),
  };
}

/**
 * The telemetry factory pack wires in: reads the bindings (the outermost
 * layer) and exports nothing when no OTLP URL is configured.
 */
export function otlpTelemetryFromEnv(
  env: OtlpEnv | undefined,
  clock: ClockFacts,
  defaults: { readonly serviceName?: string } = {},
): EdgeTelemetry | undefined {
  const url = env?.SANDPROBE_OTLP_URL;
  if (typeof url !== "string" || url === "") return undefined;
  const runtime = env?.SANDPROBE_RUNTIME;
  const linger = Number(env?.SANDPROBE_OTLP_LINGER_MS ?? 0);
  return otlpTelemetry(
    {
      url,
      ...(Number.isFinite(linger) && linger > 0 ? { lingerMs: Math.min(linger, 10_000) } : {}),
      serviceName: env?.SANDPROBE_SERVICE_NAME || defaults.serviceName || "sandprobe-edge",
      ...(runtime ? { resource: { "sandprobe.runtime": runtime } } : {}),
    },
    clock,
  );
}
