import type { AttributeValue } from "@opentelemetry/api";

/** The version of sandprobe reported as `probe.runtime.version`. */
export const SANDPROBE_VERSION = "0.1.0";

/** What the resource says about the service the probes run in. */
export interface ResourceOptions {
  /** `service.name` (OpenTelemetry's default is "unknown_service"). */
  readonly serviceName?: string;
  readonly serviceVersion?: string;
  /** `deployment.environment.name`, e.g. "production". */
  readonly environment?: string;
  /** `cloud.region`, e.g. "eu-west-1". */
  readonly cloudRegion?: string;
  /** `probe.bundle.version`: the version of the signed probe bundle loaded. */
  readonly bundleVersion?: string;
  /** Any other resource attributes; the named options above win over these. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/**
 * The resource attributes for a sandprobe host: semantic-convention names
 * (`service.*`, `deployment.environment.name`, `cloud.region`) plus the
 * probe runtime's own (`probe.runtime = "wasi"`, `probe.runtime.name`,
 * `probe.runtime.version`, `probe.bundle.version`). The probe's own name and
 * version are the instrumentation scope of everything it emits.
 */
export function resourceAttributes(options: ResourceOptions = {}): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = { ...options.attributes };
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== "") out[key] = value;
  };
  set("service.name", options.serviceName);
  set("service.version", options.serviceVersion);
  set("deployment.environment.name", options.environment);
  set("cloud.region", options.cloudRegion);
  out["probe.runtime"] = "wasi";
  out["probe.runtime.name"] = "sandprobe";
  out["probe.runtime.version"] = SANDPROBE_VERSION;
  set("probe.bundle.version", options.bundleVersion);
  return out;
}

/**
 * Parse `OTEL_RESOURCE_ATTRIBUTES` ("key1=value1,key2=value2", values
 * percent-encoded, per the OpenTelemetry specification). Malformed pairs
 * are skipped, as the specification asks.
 */
export function parseResourceAttributes(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      continue;
    }
    if (key) out[key] = value;
  }
  return out;
}
