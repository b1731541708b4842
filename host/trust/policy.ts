/**
 * The operator's trust policy: which keys may sign what, how many must sign,
 * which keys are revoked, which capabilities each probe is granted, and
 * which versions were already accepted (rollback protection).
 */
import { SandprobeError } from "../errors.js";
import { bytesEqual, fromHex } from "../wasm/bytes.js";
import { CAPABILITIES, type Capability } from "../world/manifest.js";
import { decodePublicKey, type PublicKey } from "./signature/keys.js";
import { MemoryVersionLedger, type VersionLedger } from "./versions.js";

export interface TrustedKeyConfig {
  /** Operator's label for the key, used in messages (default: its key id). */
  readonly name?: string;
  /** A decoded key, key file bytes (wasmsign2 raw, PEM or DER) or PEM text. */
  readonly publicKey: PublicKey | Uint8Array | string;
  /** Probe and bundle names this key may sign: exact names, prefixes ending in "*", or "*" (the default). */
  readonly scopes?: readonly string[];
  /** A revoked key stays known, so its signatures are reported as revoked, but never counts. */
  readonly revoked?: boolean;
}

export interface CapabilityGrant {
  readonly capabilities?: readonly Capability[];
  /** Request headers (lower case) the probe may read, or "*" for any; needs "http.header". */
  readonly headers?: readonly string[];
}

export interface TrustPolicyConfig {
  readonly keys: readonly TrustedKeyConfig[];
  /** Key ids (24 hex digits, wasmsign2's default ids) revoked even when the key itself is not listed. */
  readonly revokedKeyIds?: readonly string[];
  /** How many distinct trusted keys must sign: 1 means "any of" (the default), N means "at least N of". */
  readonly threshold?: number;
  /** Capabilities granted per probe name; the "*" entry applies to every probe. Nothing is granted by default. */
  readonly grants?: Readonly<Record<string, CapabilityGrant>>;
  /** Versions already accepted (default: a new in-memory ledger). */
  readonly versions?: VersionLedger;
  /** Accept versions older than the accepted ones: for every name (true) or for the names listed. Default false. */
  readonly allowRollback?: boolean | readonly string[];
}

export interface TrustedKey {
  readonly name: string;
  readonly publicKey: PublicKey;
  readonly scopes: readonly string[];
  readonly revoked: boolean;
}

/** A policy ready to use: keys imported into WebCrypto once, everything validated. */
export interface TrustPolicy {
  readonly keys: readonly TrustedKey[];
  readonly revokedKeyIds: ReadonlySet<string>;
  readonly threshold: number;
  readonly grants: ReadonlyMap<string, { capabilities: ReadonlySet<Capability>; headers: ReadonlySet<string> }>;
  readonly versions: VersionLedger;
  readonly allowRollback: boolean | ReadonlySet<string>;
}

const SCOPE = /^(\*|[a-z0-9][a-z0-9._-]{0,63}\*?)$/;
const HEADER = /^[!#$%&'*+.^_`|~0-9a-z-]{1,64}$/;

function bad(message: string): never {
  throw new SandprobeError("E_POLICY", message);
}

/** Validate a trust policy and import its keys. Anything inconsistent is E_POLICY (bad keys: E_KEY_INVALID). */
export async function createTrustPolicy(config: TrustPolicyConfig): Promise<TrustPolicy> {
  if (!Array.isArray(config.keys)) bad(`"keys" must be a list`);
  const keys: TrustedKey[] = [];
  for (const [index, entry] of config.keys.entries()) {
    const publicKey =
      typeof entry.publicKey === "object" && "cryptoKey" in entry.publicKey
        ? entry.publicKey
        : await decodePublicKey(entry.publicKey as Uint8Array | string);
    if (keys.some((k) => bytesEqual(k.publicKey.raw, publicKey.raw))) {
      bad(`key ${index} (${publicKey.keyIdHex}) is listed twice: list each key once`);
    }
    const scopes = entry.scopes ?? ["*"];
    for (const scope of scopes) {
      if (typeof scope !== "string" || !SCOPE.test(scope)) {
        bad(
          `scope "${String(scope)}" of key ${publicKey.keyIdHex} must be a probe name, a prefix ending in "*", or "*"`,
        );
      }
    }
    keys.push({ name: entry.name ?? publicKey.keyIdHex, publicKey, scopes, revoked: entry.revoked === true });
  }
  const revokedKeyIds = new Set<string>();
  for (const id of config.revokedKeyIds ?? []) {
    const bytes = typeof id === "string" ? fromHex(id) : undefined;
    if (!bytes || bytes.length === 0) bad(`revoked key id "${String(id)}" must be hex`);
    revokedKeyIds.add(id.toLowerCase());
  }
  const usable = keys.filter((k) => !k.revoked && !revokedKeyIds.has(k.publicKey.keyIdHex)).length;
  const threshold = config.threshold ?? 1;
  if (!Number.isSafeInteger(threshold) || threshold < 1) bad(`"threshold" must be a positive integer`);
  if (threshold > usable) {
    bad(`"threshold" is ${threshold} but only ${usable} trusted keys are not revoked: nothing could ever load`);
  }
  const grants = new Map<string, { capabilities: ReadonlySet<Capability>; headers: ReadonlySet<string> }>();
  for (const [name, grant] of Object.entries(config.grants ?? {})) {
    if (!SCOPE.test(name) || (name.endsWith("*") && name !== "*")) bad(`grant "${name}" must name a probe or be "*"`);
    const capabilities = new Set(grant.capabilities ?? []);
    for (const cap of capabilities)
      if (!CAPABILITIES.includes(cap)) bad(`grant "${name}": unknown capability "${cap}"`);
    const headers = new Set(grant.headers ?? []);
    for (const header of headers) {
      if (header !== "*" && !HEADER.test(header))
        bad(`grant "${name}": header "${header}" must be a lower-case HTTP field name`);
    }
    grants.set(name, { capabilities, headers });
  }
  const allowRollback = Array.isArray(config.allowRollback)
    ? new Set<string>(config.allowRollback)
    : config.allowRollback === true;
  return {
    keys,
    revokedKeyIds,
    threshold,
    grants,
    versions: config.versions ?? new MemoryVersionLedger(),
    allowRollback,
  };
}

/** Whether a key's scopes let it sign this name. */
export function inScope(key: TrustedKey, name: string): boolean {
  return key.scopes.some((scope) => (scope.endsWith("*") ? name.startsWith(scope.slice(0, -1)) : scope === name));
}

export function isRevoked(policy: TrustPolicy, key: TrustedKey): boolean {
  return key.revoked || policy.revokedKeyIds.has(key.publicKey.keyIdHex);
}

export function rollbackAllowed(policy: TrustPolicy, name: string): boolean {
  return policy.allowRollback === true || (policy.allowRollback instanceof Set && policy.allowRollback.has(name));
}
