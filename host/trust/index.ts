export {
  type CapabilityGrant,
  createTrustPolicy,
  inScope,
  type TrustedKey,
  type TrustedKeyConfig,
  type TrustPolicy,
  type TrustPolicyConfig,
} from "./policy.js";
export { recordAccepted } from "./record.js";
export type { Signer } from "./signers.js";
export {
  checkGrants,
  checkRollback,
  type VerifiedProbe,
  type VerifyProbeOptions,
  verifyProbe,
} from "./verify-probe.js";
export { MemoryVersionLedger, type VersionLedger, type VersionSubject } from "./versions.js";
