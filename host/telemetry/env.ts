import type { SamplingOptions } from "../otel/sampling-policy.js";
import { parseResourceAttributes, type ResourceOptions } from "./resource.js";

/** Environment variables as a plain record; the Node adapter passes its process environment. */
export type Environment = Readonly<Record<string, string | undefined>>;

export type OtlpProtocol = "http/protobuf" | "http/json";

/** What the OTEL_* variables ask for, in the terms of `createTelemetry`. */
export interface EnvironmentSettings {
  readonly resource: ResourceOptions;
  readonly sampling: SamplingOptions | undefined;
  /** `otlp` when an endpoint or OTEL_TRACES_EXPORTER=otlp says so; `console`, `none`, or undefined (not set). */
  readonly exporter: "otlp" | "console" | "none" | undefined;
  /** Base endpoint (without /v1/traces), from OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly otlpEndpoint: string | undefined;
  /** Per-signal endpoints (used as they are), from OTEL_EXPORTER_OTLP_{TRACES,LOGS,METRICS}_ENDPOINT. */
  readonly otlpSignalEndpoints: { readonly traces?: string; readonly logs?: string; readonly metrics?: string };
  readonly otlpProtocol: OtlpProtocol | undefined;
  readonly otlpHeaders: Readonly<Record<string, string>>;
  /** Problems found (unknown sampler names, bad numbers); the setting was ignored. */
  readonly warnings: readonly string[];
}

/**
 * Read the OpenTelemetry SDK environment variables sandprobe honours. Pure:
 * the caller passes the environment (only the outermost, platform-specific
 * layer touches the process environment).
 * - OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (service.name from the former wins)
 * - OTEL_TRACES_SAMPLER: always_on, always_off, traceidratio, parentbased_always_on,
 *   parentbased_always_off, parentbased_traceidratio; OTEL_TRACES_SAMPLER_ARG: the ratio
 * - OTEL_TRACES_EXPORTER (otlp, console, none), OTEL_EXPORTER_OTLP_ENDPOINT,
 *   OTEL_EXPORTER_OTLP_{TRACES,LOGS,METRICS}_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL,
 *   OTEL_EXPORTER_OTLP_HEADERS
 */
export function settingsFromEnvironment(env: Environment): EnvironmentSettings {
  const warnings: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };

  const attributes: Record<string, string> = parseResourceAttributes(get("OTEL_RESOURCE_ATTRIBUTES"));
  const serviceName = get("OTEL_SERVICE_NAME") ?? attributes["service.name"];
  const resource: ResourceOptions = {
    attributes,
    ...(serviceName !== undefined ? { serviceName } : {}),
  };

  let sampling: SamplingOptions | undefined;
  const sampler = get("OTEL_TRACES_SAMPLER")?.toLowerCase();
  const argText = get("OTEL_TRACES_SAMPLER_ARG");
  const ratio = (): number => {
    if (argText === undefined) return 1;
    const value = Number(argText);
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      warnings.push(`OTEL_TRACES_SAMPLER_ARG=${argText} is not a ratio in [0, 1]; using 1`);
      return 1;
    }
    return value;
  };
  switch (sampler) {
    case undefined:
      break;
    case "always_on":
      sampling = { ratio: 1, parentBased: false };
      break;
    case "always_off":
      sampling = { ratio: 0, parentBased: false };
      break;
    case "traceidratio":
      sampling = { ratio: ratio(), parentBased: false };
      break;
    case "parentbased_always_on":
      sampling = { ratio: 1, parentBased: true };
      break;
    case "parentbased_always_off":
      sampling = { ratio: 0, parentBased: true };
      break;
    case "parentbased_traceidratio":
      sampling = { ratio: ratio(), parentBased: true };
      break;
    default:
      warnings.push(`OTEL_TRACES_SAMPLER=${sampler} is not supported; using parentbased_always_on`);
      sampling = { ratio: 1, parentBased: true };
  }

  const endpoint = get("OTEL_EXPORTER_OTLP_ENDPOINT");
  const signalEndpoints = {
    ...optional("traces", get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
    ...optional("logs", get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")),
    ...optional("metrics", get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")),
  };
  const exporterName = get("OTEL_TRACES_EXPORTER")?.toLowerCase().split(",")[0]?.trim();
  let exporter: EnvironmentSettings["exporter"];
  if (exporterName === "otlp" || exporterName === "console" || exporterName === "none") exporter = exporterName;
  else if (exporterName !== undefined) warnings.push(`OTEL_TRACES_EXPORTER=${exporterName} is not supported`);
  if (exporter === undefined && (endpoint !== undefined || signalEndpoints.traces !== undefined)) exporter = "otlp";

  const protocolText = get("OTEL_EXPORTER_OTLP_PROTOCOL");
  let otlpProtocol: OtlpProtocol | undefined;
  if (protocolText === "http/protobuf" || protocolText === "http/json") otlpProtocol = protocolText;
  else if (protocolText !== undefined) warnings.push(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocolText} is not supported`);

  const otlpHeaders: Record<string, string> = parseResourceAttributes(get("OTEL_EXPORTER_OTLP_HEADERS"));

  return {
    resource,
    sampling,
    exporter,
    otlpEndpoint: endpoint,
    otlpSignalEndpoints: signalEndpoints,
    otlpProtocol,
    otlpHeaders,
    warnings,
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
