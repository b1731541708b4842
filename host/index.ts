/**
 * sandprobe's public API. Everything not exported here is internal and may change.
 */

export {
  type HttpProbeOptions,
  type HttpRequestProbes,
  type IncomingRequest,
  startHttpRequest,
} from "./adapters/http.js";
export { type HostClock, type ManualClock, manualClock, performanceClock } from "./clock/clock.js";
export { type ErrorCode, isSandprobeError, SandprobeError } from "./errors.js";
export { type AdmittedProbe, admitProbe } from "./load/admit.js";
export {
  extractCoreModule,
  fastPathModule,
  findComponentManifest,
  readComponentLayout,
} from "./load/component/index.js";
export {
  DEFAULT_RESOURCE_POLICY,
  DEFAULT_SANDBOX_POLICY,
  type FuelSnapshot,
  limitResources,
  type MeteringInfo,
  meterModule,
  type ResourcePolicy,
  type SandboxedModule,
  type SandboxPolicy,
  sandboxModule,
} from "./load/index.js";
export {
  type ProbeAccountSnapshot,
  type SignalAccountSnapshot,
  type TelemetryDropReason,
  TelemetryLedger,
} from "./otel/ledger.js";
export { type SamplingOptions, SamplingPolicy } from "./otel/sampling-policy.js";
export {
  childTraceContext,
  childTraceparent,
  extractTraceContext,
  formatTraceparent,
  type HeaderGetter,
  type HeaderSetter,
  type HeaderSource,
  headerGetter,
  type InjectOptions,
  injectTraceContext,
  newTraceContext,
  type RemoteTraceContext,
  randomSpanId,
  randomTraceId,
  readTraceContext,
  SandprobeTraceContextPropagator,
  TRACE_FLAG_RANDOM,
  TRACE_FLAG_SAMPLED,
  type TraceContext,
  type TraceContextReading,
  W3CTraceState,
} from "./otel/tracecontext/index.js";
export type { LogLevel, ProbeLogRecord } from "./runtime/host/core/context.js";
export {
  type LoadedBundle,
  type LoadProbeOptions,
  TrustedLoader,
  type TrustedLoaderOptions,
} from "./runtime/loader.js";
export {
  type ProbeInfo,
  ProbeRuntime,
  type ProbeSource,
  type RuntimeOptions,
  sandboxedProbeBytes,
} from "./runtime/runtime.js";
export { type HeaderLookup, type ProbeFailure, type RequestInfo, RequestScope } from "./runtime/scope.js";
export type { DropReason, ProbeStatsSnapshot } from "./runtime/stats.js";
export {
  type BundleIndex,
  type CreateBundleOptions,
  createBundle,
  parseBundle,
  type VerifiedBundle,
  verifyBundle,
} from "./trust/bundle/index.js";
export {
  type CapabilityGrant,
  createTrustPolicy,
  MemoryVersionLedger,
  recordAccepted,
  type Signer,
  type TrustedKeyConfig,
  type TrustPolicy,
  type TrustPolicyConfig,
  type VerifiedProbe,
  type VerifyProbeOptions,
  type VersionLedger,
  verifyProbe,
} from "./trust/index.js";
export {
  attachSignature,
  checkSignatures,
  computeKeyId,
  decodePublicKey,
  decodeSecretKey,
  detachSignature,
  encodePublicKey,
  encodeSecretKey,
  generateKeyPair,
  type KeyPair,
  type PublicKey,
  publicKeyToPem,
  type SecretKey,
  SIGNATURE_SECTION,
  type SignatureCheck,
  type SignatureReport,
  type SignatureStatus,
  type SignOptions,
  type SignResult,
  secretKeyToPem,
  signModule,
  verifyModule,
} from "./trust/signature/index.js";
export { DEFAULT_LIMITS, type HostLimits } from "./world/limits.js";
export {
  CAPABILITIES,
  type Capability,
  decodeManifest,
  encodeManifest,
  type HookName,
  MANIFEST_SECTION,
  type Manifest,
  type RequestedLimits,
} from "./world/manifest.js";
