/**
 * "sandprobe/tooling": what the `sandprobe` command is built from, for build
 * scripts and deploy tools: signing in the WebAssembly tool-conventions
 * format (wasmsign2 0.2.x), bundles, the manifest codec, the load stage
 * (admission, component extraction, resource limits, fuel metering) and the
 * trust config parser. A host that only runs probes needs none of it.
 */
export {
  type AdmittedProbe,
  admitProbe,
  extractCoreModule,
  type FastPathComponent,
  fastPathModule,
  findComponentManifest,
  limitResources,
  type MeteringInfo,
  meterModule,
  type SandboxedModule,
  sandboxedProbeBytes,
  sandboxModule,
} from "../load/index.js";
export {
  type BundleIndex,
  type CreateBundleOptions,
  createBundle,
  parseBundle,
  type VerifiedBundle,
  verifyBundle,
} from "../trust/bundle/index.js";
export { parseTrustConfig, type TrustConfig, trustPolicyFromConfig } from "../trust/config.js";
export { recordAccepted } from "../trust/record.js";
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
} from "../trust/signature/index.js";
export { readComponentLayout } from "../wasm/component-layout.js";
export { parseModule } from "../wasm/module.js";
export { checkLimits, hostLimits, probeLimits } from "../world/limits.js";
export {
  CAPABILITIES,
  decodeManifest,
  encodeManifest,
  MANIFEST_SECTION,
  type RequestedLimits,
} from "../world/manifest.js";
