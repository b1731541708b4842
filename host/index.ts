/**
 * sandprobe's public API: load signed probes, run them on requests, forward
 * their spans. Everything not exported here (or from the package's other
 * entries: sandprobe/node, /fetch, /edge, /telemetry, /otel-node,
 * /tracecontext, /components, /tooling, /fleet, /fleet-node) is internal and may change.
 */

export {
  type HttpProbeOptions,
  type HttpRequestProbes,
  type IncomingRequest,
  startHttpRequest,
} from "./adapters/http.js";
export { type HostClock, type ManualClock, manualClock, performanceClock } from "./clock/clock.js";
export { type ErrorCode, isSandprobeError, SandprobeError } from "./errors.js";
export { type SamplingOptions, SamplingPolicy } from "./otel/sampling-policy.js";
export { SandprobeTraceContextPropagator } from "./otel/tracecontext/propagator.js";
export type { LogLevel, ProbeLogRecord } from "./runtime/host/context.js";
export {
  type LoadedBundle,
  type LoadProbeOptions,
  TrustedLoader,
  type TrustedLoaderOptions,
} from "./runtime/loader.js";
export {
  type PrecompiledProbe,
  type ProbeInfo,
  ProbeRuntime,
  type ProbeSource,
  type RuntimeOptions,
} from "./runtime/runtime.js";
export { type HeaderLookup, type ProbeFailure, type RequestInfo, RequestScope } from "./runtime/scope.js";
export type { DropReason, ProbeStatsSnapshot } from "./runtime/stats.js";
export {
  type CapabilityGrant,
  createTrustPolicy,
  type TrustedKeyConfig,
  type TrustPolicy,
  type TrustPolicyConfig,
} from "./trust/policy.js";
export type { Signer } from "./trust/signers.js";
export { type VerifiedProbe, verifyProbe } from "./trust/verify-probe.js";
export { MemoryVersionLedger, type VersionLedger } from "./trust/versions.js";
export { DEFAULT_LIMITS, FUEL_PER_MS, type HostLimitOverrides, type HostLimits } from "./world/limits.js";
export type { Capability, HookName, Manifest } from "./world/manifest.js";
