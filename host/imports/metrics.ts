import type { ProbeContext } from "./context.js";

/**
 * sandprobe:probe/metrics@0.1.0: counters and histograms through the
 * host's OpenTelemetry MeterProvider, one optional attribute per call
 * (an empty key means none). Each probe has a budget of distinct series
 * (instrument name + attribute): calls that would open one more are dropped
 * and counted (`metric-cardinality`), as are invalid names and values
 * (`metric-invalid`: a name outside OpenTelemetry's instrument syntax, a
 * negative or non-finite counter increment, a non-finite histogram value).
 */
export function metricsImports(ctx: ProbeContext) {
  const { memory, stats, telemetry } = ctx;

  const readString = (ptr: number, len: number): string => {
    if (memory.isTruncated(len)) stats.drop("string-truncated");
    return memory.readString(ptr, len);
  };

  const outcome = (result: "recorded" | "cardinality" | "invalid"): void => {
    if (result === "cardinality") stats.drop("metric-cardinality");
    else if (result === "invalid") stats.drop("metric-invalid");
  };

  return {
    "counter-add": (np: number, nl: number, value: number, kp: number, kl: number, vp: number, vl: number): void => {
      const name = readString(np, nl);
      const key = readString(kp, kl);
      outcome(telemetry.counterAdd(name, value, key, readString(vp, vl)));
    },
    "histogram-record": (np: number, nl: number, value: number, kp: number, kl: number, vp: number, vl: number) => {
      const name = readString(np, nl);
      const key = readString(kp, kl);
      outcome(telemetry.histogramRecord(name, value, key, readString(vp, vl)));
    },
  };
}
