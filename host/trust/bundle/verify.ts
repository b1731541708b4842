/**
 * verifyBundle: all or nothing. The bundle signature (policy threshold and
 * scopes applied to the bundle name), bundle rollback, the index against
 * every probe's digest and manifest, and every probe through verifyProbe.
 * One failure refuses the whole bundle.
 */
import { SandprobeError } from "../../errors.js";
import { toHex } from "../../wasm/bytes.js";
import type { TrustPolicy } from "../policy.js";
import { sha256 } from "../signature/bytes.js";
import { acceptedSigners, checkWithPolicy, requireSomeSignature, type Signer } from "../signers.js";
import { checkRollback, type VerifiedProbe, verifyCopy } from "../verify-probe.js";
import { type BundledProbe, parseBundle } from "./format.js";

export interface VerifiedBundle {
  readonly name: string;
  readonly version: string;
  /** SHA-256 (hex) of the whole bundle file as verified. */
  readonly digest: string;
  /** Trusted keys whose bundle signatures were accepted. */
  readonly signers: readonly Signer[];
  /** Every probe, verified, in bundle order. */
  readonly probes: readonly VerifiedProbe[];
}

function inBundle(error: unknown, bundle: string, probe: string): unknown {
  if (!(error instanceof SandprobeError)) return error;
  const detail = { ...error.detail, bundle, probe };
  return new SandprobeError(error.code, `bundle "${bundle}", probe "${probe}": ${error.message}`, detail, {
    cause: error,
  });
}

async function verifyBundled(probe: BundledProbe, policy: TrustPolicy): Promise<VerifiedProbe> {
  const { entry } = probe;
  // Verified while the index digest is compared (one SHA-256 for both), but a mismatch is the error reported first.
  const copy = probe.bytes.slice();
  const digest = sha256(copy);
  const verifying = verifyCopy(copy, policy, {}, digest);
  verifying.catch(() => undefined);
  if (toHex(await digest) !== entry.sha256) {
    throw new SandprobeError(
      "E_BUNDLE_MISMATCH",
      `probe "${entry.name}" does not match the SHA-256 the index lists for it: rebuild the bundle`,
    );
  }
  const verified = await verifying;
  const { name, version } = verified.manifest;
  if (name !== entry.name || version !== entry.version) {
    throw new SandprobeError(
      "E_BUNDLE_MISMATCH",
      `the index lists "${entry.name}" ${entry.version} but the probe's manifest says "${name}" ${version}: rebuild the bundle`,
    );
  }
  return verified;
}

/**
 * Verify a bundle and every probe in it against the policy. Resolves only
 * when everything passes; the error of the first failing probe (in bundle
 * order) names the bundle and the probe. Pure: call `recordAccepted` once the
 * bundle is loaded.
 */
export async function verifyBundle(bytes: Uint8Array, policy: TrustPolicy): Promise<VerifiedBundle> {
  const copy = bytes.slice();
  const digest = sha256(copy);
  const report = await checkWithPolicy(copy, policy);
  requireSomeSignature(report, policy);
  const bundle = parseBundle(copy, report.sections);
  const { name, version } = bundle.index;
  const signers = acceptedSigners(report, policy, { kind: "bundle", name });
  checkRollback(policy, "bundle", name, version);
  const results = await Promise.allSettled(bundle.probes.map((p) => verifyBundled(p, policy)));
  const probes: VerifiedProbe[] = [];
  for (const [i, result] of results.entries()) {
    if (result.status === "rejected") throw inBundle(result.reason, name, bundle.probes[i]?.entry.name ?? `#${i}`);
    probes.push(result.value);
  }
  return { name, version, digest: toHex(await digest), signers, probes };
}
