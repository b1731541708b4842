/**
 * sandprobe's public API. Everything not exported here is internal and may change.
 */
export { type HostClock, type ManualClock, manualClock, performanceClock } from "./clock/clock.js";
export { type ErrorCode, isSandprobeError, SandprobeError } from "./errors.js";
export type { LogLevel, ProbeLogRecord } from "./imports/context.js";
export {
  type Capability,
  decodeManifest,
  encodeManifest,
  type HookName,
  MANIFEST_SECTION,
  type Manifest,
  type RequestedLimits,
} from "./manifest/manifest.js";
export { type AdmittedProbe, admitProbe } from "./runtime/admit.js";
export { DEFAULT_LIMITS, type HostLimits } from "./runtime/limits.js";
export { type ProbeInfo, ProbeRuntime, type ProbeSource, type RuntimeOptions } from "./runtime/runtime.js";
export { type HeaderLookup, type ProbeFailure, type RequestInfo, RequestScope } from "./runtime/scope.js";
export type { DropReason, ProbeStatsSnapshot } from "./runtime/stats.js";
