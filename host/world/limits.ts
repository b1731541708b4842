import { DEFAULT_SANDBOX_POLICY, type SandboxPolicy } from "../load/sandbox.js";

/**
 * Per-probe limits the host enforces; manifests may ask for less, never more.
 * The sandbox policy (fuel per hook call, memory pages, table elements,
 * globals) is applied to the module itself before it is compiled.
 */
export interface HostLimits extends SandboxPolicy {
  /** Spans a probe may start in one hook invocation. */
  readonly spansPerInvocation: number;
  /** Attributes kept per span; further ones are dropped and counted. */
  readonly attributesPerSpan: number;
  /** Longest attribute value / span name, in UTF-16 code units. */
  readonly maxStringUnits: number;
  /** Log bytes (UTF-16 code units) a probe may write in one invocation. */
  readonly logUnitsPerInvocation: number;
  /** Spans one probe may start per quota window, across its hook calls (more: `span-rate`). */
  readonly spansPerWindow: number;
  /** Log units (UTF-16 code units) one probe may write per quota window (more: `log-rate`). */
  readonly logUnitsPerWindow: number;
  /** Length of the per-probe quota window. */
  readonly quotaWindowNs: number;
  /** Distinct metric series (instrument + attribute) one probe may create; more are dropped. */
  readonly metricSeriesPerProbe: number;
  /** Consecutive failed invocations before a probe is quarantined. */
  readonly quarantineAfter: number;
  /** First quarantine length; doubles on every further quarantine. */
  readonly quarantineBaseNs: number;
  /** Longest quarantine. */
  readonly quarantineMaxNs: number;
}

export const DEFAULT_LIMITS: HostLimits = {
  ...DEFAULT_SANDBOX_POLICY,
  spansPerInvocation: 32,
  attributesPerSpan: 64,
  maxStringUnits: 4096,
  logUnitsPerInvocation: 4096,
  spansPerWindow: 20_000,
  logUnitsPerWindow: 1_048_576,
  quotaWindowNs: 1_000_000_000,
  metricSeriesPerProbe: 200,
  quarantineAfter: 5,
  quarantineBaseNs: 1_000_000_000,
  quarantineMaxNs: 300_000_000_000,
};

/** The effective limits for one probe: the host's, lowered by what the manifest asks. */
export function effectiveLimits(
  host: HostLimits,
  requested: { spansPerInvocation?: number; fuel?: number; memoryPages?: number },
): HostLimits {
  return {
    ...host,
    spansPerInvocation: Math.min(host.spansPerInvocation, requested.spansPerInvocation ?? host.spansPerInvocation),
    fuelPerHook: Math.min(host.fuelPerHook, requested.fuel ?? host.fuelPerHook),
    memoryPages: Math.min(host.memoryPages, requested.memoryPages ?? host.memoryPages),
  };
}
