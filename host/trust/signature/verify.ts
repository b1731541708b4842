/**
 * Check the signatures of a module or component against a set of public
 * keys. A signature counts for a key when it verifies with that key over its
 * set's hashes AND that set holds the hash of everything the signature
 * covers (the last hash): a signature over other content (tampered bytes, or
 * a partial signature) never counts. This is wasmsign2's `verify` rule.
 */
import { SandprobeError } from "../../errors.js";
import { bytesEqual, toHex } from "../../wasm/bytes.js";
import type { BinaryKind, Section } from "../../wasm/types.js";
import {
  ALG_ED25519,
  decodeSignatureData,
  type SignatureData,
  type SignatureEntry,
  type SignedHashes,
  signedMessage,
} from "./format.js";
import { ed25519Verify, KEY_ID_LENGTH, type PublicKey } from "./keys.js";
import { fullContentHash, type SignedLayout, signedLayout } from "./layout.js";

/**
 * - valid: verifies with `key` and covers every signed byte.
 * - partial: verifies with `key` but its hashes do not cover these bytes (changed after signing, or a partial signature).
 * - invalid: some key was a candidate (by key id; every key when there is no id, or an id that is
 *   not 12 bytes and so not a default key id) but none verifies.
 * - no-key: no given key has this signature's key id (and, for an id that is not 12 bytes, none verifies it).
 * - unsupported-algorithm: an algorithm other than Ed25519.
 * - skipped: not checked, the file's verification budget (verificationBudget) was spent on other signatures.
 */
export type SignatureStatus = "valid" | "partial" | "invalid" | "no-key" | "unsupported-algorithm" | "skipped";

/**
 * Ed25519 verifications spent on one file at least, and at most. Honest files
 * carry at most one signature per trusted key, and a signature without a key
 * id (wasmsign2 signs so unless given one) is tried against every key: keys x
 * keys verifications, never refused below the ceiling. Without a cap, 64 sets
 * x 256 key-less signatures against every trusted key would cost seconds of
 * CPU per hostile upload; the ceiling is about 60 ms of it.
 */
export const MIN_VERIFICATIONS = 64;
export const MAX_VERIFICATIONS = 1024;

/** The verification budget of one file checked against `keyCount` trusted keys. */
export function verificationBudget(keyCount: number): number {
  return Math.min(MAX_VERIFICATIONS, Math.max(MIN_VERIFICATIONS, keyCount * keyCount));
}

export interface SignatureCheck {
  /** Index of the signed set and of the signature within it. */
  readonly set: number;
  readonly index: number;
  /** Key id bytes as stored (hex; "" when none). */
  readonly keyIdHex: string;
  readonly algorithm: number;
  readonly status: SignatureStatus;
  /** The key this signature verified with (valid and partial only). */
  readonly key: PublicKey | undefined;
}

export interface SignatureReport {
  readonly kind: BinaryKind;
  readonly detached: boolean;
  /** Every top-level section of the file, as walked. */
  readonly sections: readonly Section[];
  /** Index in `sections` of the first section the signature covers. */
  readonly firstCovered: number;
  readonly data: SignatureData;
  /** SHA-256 of all signed content: a signature counts only if its set holds this hash. */
  readonly contentHash: Uint8Array;
  readonly checks: readonly SignatureCheck[];
  /** Distinct keys with a valid signature over all signed content, in key order. */
  readonly signers: readonly PublicKey[];
}

export interface CheckOptions {
  /** A detached signature (the bytes of a `signature` section payload). */
  readonly signature?: Uint8Array;
}

/** The signature data of a module: the detached one when given, else the embedded section (E_UNSIGNED when none). */
export function readSignatureData(bytes: Uint8Array, options: CheckOptions = {}): SignatureData {
  return signatureDataOf(bytes, signedLayout(bytes, options.signature !== undefined), options);
}

function signatureDataOf(bytes: Uint8Array, layout: SignedLayout, options: CheckOptions): SignatureData {
  if (options.signature !== undefined) return decodeSignatureData(options.signature);
  const section = layout.signatureSection;
  if (!section) {
    throw new SandprobeError(
      "E_UNSIGNED",
      "no signature section first in the module and no detached signature: sign it (sandprobe sign) or pass the .sig",
    );
  }
  return decodeSignatureData(bytes.subarray(section.contentStart as number, section.end));
}

/**
 * A non-empty key id that cannot be wasmsign2's default (not 12 bytes, e.g. the
 * spec's "first"): no trusted key has it, since each key's id is the default.
 */
function hasCustomKeyId(entry: SignatureEntry): boolean {
  return entry.keyId.length > 0 && entry.keyId.length !== KEY_ID_LENGTH;
}

/**
 * The keys a signature could be from: those with its key id; every key when it
 * carries none or a custom one (wasmsign2's library then tries every key too).
 */
function matchingKeys(entry: SignatureEntry, keys: readonly PublicKey[]): readonly PublicKey[] {
  if (entry.keyId.length !== KEY_ID_LENGTH) return keys;
  return keys.filter((k) => bytesEqual(k.keyId, entry.keyId));
}

/** The first of `candidates` (in order) the signature verifies with; all are tried at once. */
async function firstVerifying(
  candidates: readonly PublicKey[],
  entry: SignatureEntry,
  message: Uint8Array,
): Promise<PublicKey | undefined> {
  const verdicts = await Promise.all(candidates.map((key) => ed25519Verify(key, entry.signature, message)));
  return candidates[verdicts.indexOf(true)];
}

/**
 * Check every signature against `keys`. Throws only for bytes that are not a
 * module/component or signature data (E_MALFORMED, E_UNSUPPORTED) or carry
 * no signature (E_UNSIGNED); the verdict on each signature is in the report.
 */
export async function checkSignatures(
  bytes: Uint8Array,
  keys: readonly PublicKey[],
  options: CheckOptions = {},
): Promise<SignatureReport> {
  const detached = options.signature !== undefined;
  const layout = signedLayout(bytes, detached);
  const data = signatureDataOf(bytes, layout, options);
  const hashing = fullContentHash(bytes, layout);
  const messages = data.sets.map((set) => signedMessage(set.hashes));
  // Per set, per signature: the keys it could be from (none for other algorithms).
  const matches = data.sets.map((set) =>
    set.signatures.map((entry) => (entry.algorithm === ALG_ED25519 ? matchingKeys(entry, keys) : [])),
  );

  // When every candidate verification fits in the budget, the order they are
  // charged in cannot matter: start them all now, while the content is hashed.
  const limit = verificationBudget(keys.length);
  const demand = matches.flat().reduce((sum, matching) => sum + matching.length, 0);
  const early =
    demand <= limit
      ? data.sets.map((set, i) =>
          set.signatures.map((entry, j) => firstVerifying(matches[i]?.[j] ?? [], entry, messages[i] as Uint8Array)),
        )
      : undefined;
  const contentHash = await hashing;

  // Sets that cover this file first: only their signatures can count. The
  // rest are checked (for a precise error) while the budget lasts.
  const covering = data.sets.map((set) => set.hashes.some((h) => bytesEqual(h, contentHash)));
  const order = data.sets.map((_, i) => i).sort((a, b) => Number(covering[b]) - Number(covering[a]));
  const checks: (SignatureCheck | Promise<SignatureCheck>)[][] = data.sets.map(() => []);
  let budget = limit;
  for (const setIndex of order) {
    const set = data.sets[setIndex] as SignedHashes;
    const covers = covering[setIndex] as boolean;
    set.signatures.forEach((entry, index) => {
      const base = { set: setIndex, index, keyIdHex: toHex(entry.keyId), algorithm: entry.algorithm, key: undefined };
      const out = checks[setIndex] as (SignatureCheck | Promise<SignatureCheck>)[];
      if (entry.algorithm !== ALG_ED25519) {
        out[index] = { ...base, status: "unsupported-algorithm" };
        return;
      }
      const matching = matches[setIndex]?.[index] ?? [];
      if (matching.length === 0) {
        out[index] = { ...base, status: "no-key" };
        return;
      }
      const candidates = matching.slice(0, budget);
      budget -= candidates.length;
      if (candidates.length === 0) {
        out[index] = { ...base, status: "skipped" };
        return;
      }
      const verifying =
        early?.[setIndex]?.[index] ?? firstVerifying(candidates, entry, messages[setIndex] as Uint8Array);
      out[index] = verifying.then((key): SignatureCheck => {
        if (key) return { ...base, status: covers ? "valid" : "partial", key };
        if (candidates.length < matching.length) return { ...base, status: "skipped" };
        // A custom key id none of the keys verifies is a signer we do not know, not a bad signature.
        return { ...base, status: hasCustomKeyId(entry) ? "no-key" : "invalid" };
      });
    });
  }
  const settled = await Promise.all(checks.flat());
  const signed = new Set(settled.filter((c) => c.status === "valid").map((c) => c.key));
  const signers = keys.filter((k, i) => signed.has(k) && keys.findIndex((o) => bytesEqual(o.raw, k.raw)) === i);
  const { kind, sections, firstCovered } = layout;
  return { kind, detached, sections, firstCovered, data, contentHash, checks: settled, signers };
}

/**
 * The error a report deserves when none of its signatures is valid for the
 * given keys, or undefined when at least one is.
 */
export function signatureFailure(report: SignatureReport): SandprobeError | undefined {
  if (report.signers.length > 0) return undefined;
  const count = (status: SignatureStatus) => report.checks.filter((c) => c.status === status).length;
  const detail = { checks: report.checks.map(({ key: _key, ...rest }) => rest) };
  if (report.checks.length === 0) {
    return new SandprobeError("E_UNSIGNED", "the signature section holds no signatures: sign the module", detail);
  }
  if (count("partial") > 0) {
    return new SandprobeError(
      "E_SIGNATURE_INVALID",
      "the signed hashes do not match these bytes: the module changed after it was signed (or the signature covers only part of it); rebuild and re-sign it",
      detail,
    );
  }
  if (count("invalid") > 0) {
    return new SandprobeError(
      "E_SIGNATURE_INVALID",
      "no signature verifies with the expected key: the signature or the signed hashes were altered, or it was made with another key",
      detail,
    );
  }
  if (count("skipped") > 0) {
    return new SandprobeError(
      "E_SIGNATURE_INVALID",
      `no valid signature within the first ${MAX_VERIFICATIONS} verifications: the file carries too many signatures that do not verify`,
      detail,
    );
  }
  if (count("no-key") > 0) {
    const ids = report.checks.filter((c) => c.status === "no-key").map((c) => c.keyIdHex);
    return new SandprobeError(
      "E_KEY_UNKNOWN",
      `signed only by unknown keys (key ids ${ids.join(", ")}): add the signer's public key to the trust store`,
      detail,
    );
  }
  return new SandprobeError(
    "E_UNSUPPORTED",
    "every signature uses an algorithm other than Ed25519: re-sign with Ed25519",
    detail,
  );
}

/**
 * wasmsign2's `verify`: the module is valid when at least one of `keys` has a
 * valid signature over all of it. Returns the report; throws the typed error
 * otherwise.
 */
export async function verifyModule(
  bytes: Uint8Array,
  keys: readonly PublicKey[],
  options: CheckOptions = {},
): Promise<SignatureReport> {
  const report = await checkSignatures(bytes, keys, options);
  const failure = signatureFailure(report);
  if (failure) throw failure;
  return report;
}
