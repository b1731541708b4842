import { isSandprobeError, SandprobeError } from "../errors.js";
import type { TrustPolicy } from "../trust/policy.js";
import { SIGNATURE_SECTION } from "../trust/signature/format.js";
import { type VerifiedProbe, verifyProbe } from "../trust/verify-probe.js";
import { readSections } from "../wasm/sections.js";

/**
 * The runtime's trust decision for probe bytes. Secure by default: bytes are
 * verified against the runtime's trust policy, and without one nothing
 * unsigned loads. `insecureAllowUnsigned` is the one, loudly named,
 * development opt-in: unsigned bytes then load unverified, with exactly the
 * capabilities their manifest requests, and the runtime says so (a warning
 * once, `verified: false` in `probes()` and `stats()`).
 */
export interface ProvenanceOptions {
  readonly trust: TrustPolicy | undefined;
  readonly insecureAllowUnsigned: boolean;
}

/** Bytes the runtime accepted unverified, under insecureAllowUnsigned. */
export interface UnverifiedBytes {
  readonly unverified: Uint8Array;
}

export const INSECURE_WARNING =
  "sandprobe: insecureAllowUnsigned is on: probes load without signature verification. Never use this in production.";

/**
 * Verify `bytes` against the policy, or accept them unverified when the
 * runtime allows unsigned probes and they are unsigned (or there is no
 * policy to verify them with). A signature that is present but does not
 * verify is refused either way.
 */
export async function settleBytes(
  bytes: Uint8Array,
  options: ProvenanceOptions,
): Promise<VerifiedProbe | UnverifiedBytes> {
  const { trust, insecureAllowUnsigned } = options;
  if (trust === undefined) {
    if (insecureAllowUnsigned) return { unverified: bytes.slice() };
    const signed = readSections(bytes)[0]?.name === SIGNATURE_SECTION;
    throw new SandprobeError(
      signed ? "E_KEY_UNKNOWN" : "E_UNSIGNED",
      `${signed ? "this runtime trusts no key" : "the probe is not signed and this runtime has no trust policy"}: create it with { trust: await createTrustPolicy({ keys }) }, or load signed bundles through a TrustedLoader; for local development only, { insecureAllowUnsigned: true }`,
    );
  }
  try {
    return await verifyProbe(bytes, trust);
  } catch (error) {
    if (insecureAllowUnsigned && isSandprobeError(error, "E_UNSIGNED")) return { unverified: bytes.slice() };
    throw error;
  }
}
