/**
 * Node adapter for the telemetry pipeline: reads the OTEL_* environment
 * variables (the only place sandprobe touches `process.env`), adds a JSON
 * Lines file exporter, and hands everything to the web-standard
 * `createTelemetry`. The environment's resource attributes win over those
 * given in code (as in the OpenTelemetry Node SDK); for sampling and export,
 * options given in code win.
 *
 *   const telemetry = await createNodeTelemetry({ resource: { serviceName: "edge" } });
 *   const runtime = new ProbeRuntime({ ...telemetry.runtimeOptions });
 *   process.once("SIGTERM", () => telemetry.shutdown(5000));
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { type Environment, settingsFromEnvironment } from "../telemetry/env.js";
import type { ResourceOptions } from "../telemetry/resource.js";
import { createTelemetry, type ExportTarget, type Telemetry, type TelemetryOptions } from "../telemetry/setup.js";

export interface NodeTelemetryOptions extends TelemetryOptions {
  /** Write spans, logs and metric points as JSON Lines to this file (appended), when no exporter is chosen. */
  readonly jsonlFile?: string;
  /** The environment to read (default `process.env`). */
  readonly env?: Environment;
}

export interface NodeTelemetry extends Telemetry {
  /** OTEL_* settings that were ignored, and why. */
  readonly warnings: readonly string[];
}

/**
 * The telemetry pipeline configured from options and the environment:
 * OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG),
 * OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_{,TRACES_,LOGS_,METRICS_}ENDPOINT,
 * OTEL_EXPORTER_OTLP_PROTOCOL and OTEL_EXPORTER_OTLP_HEADERS. Without an
 * exporter in either, a `jsonlFile` or else the console is used.
 */
export async function createNodeTelemetry(options: NodeTelemetryOptions = {}): Promise<NodeTelemetry> {
  const settings = settingsFromEnvironment(options.env ?? process.env);
  // As the OpenTelemetry Node SDK merges its environment detector: the
  // operator's OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES win over code.
  const fromCode: ResourceOptions = options.resource ?? {};
  const resource: ResourceOptions = {
    ...fromCode,
    ...settings.resource,
    attributes: { ...fromCode.attributes, ...settings.resource.attributes },
  };

  let file: number | undefined;
  let target: ExportTarget | undefined = options.export;
  if (target === undefined && settings.exporter === "otlp") {
    const signals = settings.otlpSignalEndpoints;
    target = {
      otlp: {
        ...(settings.otlpEndpoint !== undefined ? { endpoint: settings.otlpEndpoint } : {}),
        ...(signals.traces !== undefined ? { tracesUrl: signals.traces } : {}),
        ...(signals.logs !== undefined ? { logsUrl: signals.logs } : {}),
        ...(signals.metrics !== undefined ? { metricsUrl: signals.metrics } : {}),
        ...(settings.otlpProtocol !== undefined ? { protocol: settings.otlpProtocol } : {}),
        headers: settings.otlpHeaders,
      },
    };
  } else if (target === undefined && settings.exporter === "none") {
    target = "none";
  } else if (target === undefined && settings.exporter !== "console" && options.jsonlFile !== undefined) {
    const fd = openSync(options.jsonlFile, "a");
    file = fd;
    target = { lines: (line) => writeSync(fd, `${line}\n`) };
  }

  const telemetry = await createTelemetry({
    ...options,
    resource,
    export: target ?? "console",
    ...((options.sampling ?? settings.sampling) ? { sampling: options.sampling ?? settings.sampling } : {}),
  });
  let closed: Promise<Awaited<ReturnType<Telemetry["shutdown"]>>> | undefined;
  return {
    ...telemetry,
    warnings: settings.warnings,
    shutdown(timeoutMillis?: number) {
      closed ??= telemetry.shutdown(timeoutMillis).finally(() => {
        if (file !== undefined) closeSync(file);
      });
      return closed;
    },
  };
}
