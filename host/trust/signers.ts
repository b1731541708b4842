/**
 * Decide whether the valid signatures on a probe or bundle satisfy the
 * policy: enough distinct trusted keys, none revoked, each in scope for the
 * name. When they do not, pick the error that tells the operator what to fix.
 */
import { SandprobeError } from "../errors.js";
import { inScope, isRevoked, type TrustedKey, type TrustPolicy } from "./policy.js";
import { type CheckOptions, checkSignatures, type SignatureReport, signatureFailure } from "./signature/verify.js";

export interface Signer {
  /** The operator's label for the key. */
  readonly name: string;
  /** wasmsign2 key id, 24 hex digits. */
  readonly keyId: string;
}

export type Subject = { readonly kind: "probe" | "bundle"; readonly name: string };

/** Check every signature on `bytes` against every key of the policy (revoked ones too, to name them). */
export function checkWithPolicy(
  bytes: Uint8Array,
  policy: TrustPolicy,
  options: CheckOptions = {},
): Promise<SignatureReport> {
  return checkSignatures(
    bytes,
    policy.keys.map((k) => k.publicKey),
    options,
  );
}

/** Throw unless at least one known key (trusted or revoked) signed all of it: run before trusting any content. */
export function requireSomeSignature(report: SignatureReport, policy: TrustPolicy): void {
  if (report.signers.length > 0) return;
  const revokedClaim = report.checks.find((c) => c.status === "no-key" && policy.revokedKeyIds.has(c.keyIdHex));
  if (revokedClaim && report.checks.every((c) => c.status === "no-key" || c.status === "unsupported-algorithm")) {
    throw new SandprobeError(
      "E_KEY_REVOKED",
      `signed by revoked key ${revokedClaim.keyIdHex}: get it re-signed with a current key`,
      { keyId: revokedClaim.keyIdHex },
    );
  }
  throw signatureFailure(report) as SandprobeError;
}

function keyFor(policy: TrustPolicy, report: SignatureReport): TrustedKey[] {
  return policy.keys.filter((k) => report.signers.includes(k.publicKey));
}

/** The accepted signers, or the typed error explaining why the signatures do not satisfy the policy. */
export function acceptedSigners(report: SignatureReport, policy: TrustPolicy, subject: Subject): Signer[] {
  requireSomeSignature(report, policy);
  const valid = keyFor(policy, report);
  const accepted = valid.filter((k) => !isRevoked(policy, k) && inScope(k, subject.name));
  const what = `${subject.kind} "${subject.name}"`;
  const ids = (keys: readonly TrustedKey[]) => keys.map((k) => `${k.name} (${k.publicKey.keyIdHex})`).join(", ");
  if (accepted.length >= policy.threshold) {
    return accepted.map((k) => ({ name: k.name, keyId: k.publicKey.keyIdHex }));
  }
  const detail = { subject, signers: valid.map((k) => k.publicKey.keyIdHex), threshold: policy.threshold };
  if (accepted.length > 0) {
    throw new SandprobeError(
      "E_THRESHOLD",
      `${what} is signed by ${accepted.length} trusted key(s) (${ids(accepted)}) but the policy requires ${policy.threshold}: add signatures from other trusted keys (sandprobe sign adds one)`,
      detail,
    );
  }
  const revoked = valid.filter((k) => isRevoked(policy, k));
  if (revoked.length > 0 && revoked.length === valid.length) {
    throw new SandprobeError(
      "E_KEY_REVOKED",
      `${what} is signed only by revoked key(s) ${ids(revoked)}: get it re-signed with a current key`,
      detail,
    );
  }
  const outOfScope = valid.filter((k) => !isRevoked(policy, k) && !inScope(k, subject.name));
  throw new SandprobeError(
    "E_KEY_OUT_OF_SCOPE",
    `${what} is signed by ${ids(outOfScope)}, which may not sign "${subject.name}": sign it with a key scoped for it or widen the key's scopes`,
    detail,
  );
}
