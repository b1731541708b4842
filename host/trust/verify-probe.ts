/**
 * verifyProbe: everything a host checks about a probe's provenance before a
 * single byte of it is compiled. Signature over the whole file, signers
 * against the policy, manifest (covered by the signature), capability grants,
 * rollback. Pure: it records nothing; call `recordAccepted` once the probe is
 * actually loaded.
 */
import { SandprobeError } from "../errors.js";
import { toHex } from "../wasm/bytes.js";
import { CUSTOM_SECTION_ID } from "../wasm/sections.js";
import type { BinaryKind, Section } from "../wasm/types.js";
import {
  type Capability,
  compareVersions,
  decodeManifest,
  MANIFEST_SECTION,
  type Manifest,
} from "../world/manifest.js";
import { rollbackAllowed, type TrustPolicy } from "./policy.js";
import { sha256 } from "./signature/bytes.js";
import type { SignatureReport } from "./signature/verify.js";
import { acceptedSigners, checkWithPolicy, requireSomeSignature, type Signer } from "./signers.js";
import type { VersionSubject } from "./versions.js";

export interface VerifiedProbe {
  /** A private copy of the verified bytes: compile these, not the caller's buffer. */
  readonly bytes: Uint8Array;
  readonly kind: BinaryKind;
  /** The manifest, read from the signed bytes. */
  readonly manifest: Manifest;
  /** What the operator granted: exactly what the manifest requests (more is refused with E_CAPABILITY_DENIED). */
  readonly grants: ProbeGrants;
  /** The file's top-level sections as the signature check walked them (later stages do not walk them again). */
  readonly sections: readonly Section[];
  /** The trusted keys whose signatures were accepted. */
  readonly signers: readonly Signer[];
  /** SHA-256 (hex) of the whole file as verified, signature section included. */
  readonly digest: string;
}

/** Capabilities and request headers a loaded probe may use. */
export interface ProbeGrants {
  readonly capabilities: ReadonlySet<Capability>;
  readonly headers: ReadonlySet<string>;
}

/** Every VerifiedProbe verifyProbe made: the runtime accepts these and no look-alike object. */
const VERIFIED = new WeakSet<object>();

/** Whether `value` is a VerifiedProbe returned by verifyProbe (not an object shaped like one). */
export function isVerifiedProbe(value: unknown): value is VerifiedProbe {
  return typeof value === "object" && value !== null && VERIFIED.has(value);
}

export interface VerifyProbeOptions {
  /** A detached signature for the probe. */
  readonly signature?: Uint8Array;
}

/** The manifest of a signed probe: exactly one `wasi-observability` section among the signed ones. */
function signedManifest(bytes: Uint8Array, report: SignatureReport): Manifest {
  const covered = report.sections.slice(report.firstCovered);
  const found = covered.filter((s) => s.id === CUSTOM_SECTION_ID && s.name === MANIFEST_SECTION);
  if (found.length !== 1) {
    throw new SandprobeError(
      "E_MANIFEST",
      found.length === 0
        ? `no "${MANIFEST_SECTION}" section: build the probe with its manifest, then sign it`
        : `${found.length} "${MANIFEST_SECTION}" sections: a probe carries exactly one manifest`,
      { kind: report.kind },
    );
  }
  const section = found[0] as Section;
  return decodeManifest(bytes.subarray(section.contentStart as number, section.end));
}

/** Refuse a manifest asking for more than the operator granted to its name. */
export function checkGrants(manifest: Manifest, policy: TrustPolicy): void {
  const named = policy.grants.get(manifest.name);
  const any = policy.grants.get("*");
  const capabilities = manifest.capabilities.filter((c) => !named?.capabilities.has(c) && !any?.capabilities.has(c));
  const granted = (h: string) => [named, any].some((g) => g?.headers.has(h) || g?.headers.has("*"));
  const headers = manifest.headers.filter((h) => !granted(h));
  if (capabilities.length === 0 && headers.length === 0) return;
  const asked = [...capabilities, ...headers.map((h) => `header "${h}"`)].join(", ");
  throw new SandprobeError(
    "E_CAPABILITY_DENIED",
    `probe "${manifest.name}" asks for ${asked}, which the trust policy does not grant it: add a grant for "${manifest.name}" or drop the request from its manifest`,
    { probe: manifest.name, capabilities, headers },
  );
}

/** Refuse a version older than the one already accepted for the name, unless the policy allows it. */
export function checkRollback(policy: TrustPolicy, subject: VersionSubject, name: string, version: string): void {
  const accepted = policy.versions.get(subject, name);
  if (accepted === undefined || compareVersions(version, accepted) >= 0 || rollbackAllowed(policy, name)) return;
  throw new SandprobeError(
    "E_ROLLBACK",
    `${subject} "${name}" ${version} is older than the accepted ${accepted}: ship a newer version, or allow rollback for "${name}" in the policy`,
    { subject, name, version, accepted },
  );
}

/**
 * Verify a probe against the trust policy. Resolves to the verified probe or
 * rejects with a SandprobeError: E_MALFORMED, E_UNSUPPORTED, E_UNSIGNED,
 * E_SIGNATURE_INVALID, E_KEY_UNKNOWN, E_KEY_REVOKED, E_KEY_OUT_OF_SCOPE,
 * E_THRESHOLD, E_MANIFEST, E_CAPABILITY_DENIED, E_ROLLBACK.
 */
export async function verifyProbe(
  bytes: Uint8Array,
  policy: TrustPolicy,
  options: VerifyProbeOptions = {},
): Promise<VerifiedProbe> {
  // Copy first: a caller mutating its buffer after verification cannot change what runs.
  const copy = bytes.slice();
  // The digest of the whole file is hashed alongside the signature check (never read before it passes).
  return verifyCopy(copy, policy, options, sha256(copy));
}

/**
 * verifyProbe of a private copy whose SHA-256 is already being computed
 * (a bundle hashes each probe to check its index: the same digest). `digest`
 * must be SHA-256 of exactly `copy`: the runtime reuses compiled probes by it.
 */
export async function verifyCopy(
  copy: Uint8Array,
  policy: TrustPolicy,
  options: VerifyProbeOptions,
  digest: Promise<Uint8Array>,
): Promise<VerifiedProbe> {
  const report = await checkWithPolicy(copy, policy, options);
  // Nothing inside is read (not even the manifest) before some known key vouches for all of it.
  requireSomeSignature(report, policy);
  const manifest = signedManifest(copy, report);
  const signers = acceptedSigners(report, policy, { kind: "probe", name: manifest.name });
  checkGrants(manifest, policy);
  checkRollback(policy, "probe", manifest.name, manifest.version);
  const grants = { capabilities: new Set(manifest.capabilities), headers: new Set(manifest.headers) };
  const verified: VerifiedProbe = Object.freeze({
    bytes: copy,
    kind: report.kind,
    manifest,
    grants,
    sections: report.sections,
    signers,
    digest: toHex(await digest),
  });
  VERIFIED.add(verified);
  return verified;
}
