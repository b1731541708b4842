/**
 * Sign a module or component the way wasmsign2 0.2.x `sign` does: section
 * sizes re-encoded as minimal LEB128, a `signature` section first, the new
 * signature added to the set with the same hashes when there is one (several
 * signers, one set) or to a new set otherwise.
 */
import { SandprobeError } from "../../errors.js";
import { bytesEqual } from "../../wasm/bytes.js";
import { concatBytes, encodeCustomSection, encodeSection } from "../../wasm/encode.js";
import { CUSTOM_SECTION_ID, PREAMBLE_SIZE } from "../../wasm/sections.js";
import type { Section } from "../../wasm/types.js";
import {
  ALG_ED25519,
  CONTENT_TYPE_WASM,
  decodeSignatureData,
  encodeSignatureData,
  HASH_SHA256,
  MAX_SETS,
  MAX_SIGNATURES,
  SIGNATURE_SECTION,
  type SignatureData,
  type SignedHashes,
  SPEC_VERSION,
  signedMessage,
} from "./format.js";
import { ed25519Sign, type SecretKey } from "./keys.js";
import { contentHashes, signedLayout } from "./layout.js";

export interface SignOptions {
  /**
   * Key id stored with the signature: the key's default wasmsign2 id
   * ("default", what `wasmsign2 sign -K` writes), none ("none", what
   * `wasmsign2 sign` without -K writes) or explicit bytes.
   */
  readonly keyId?: "default" | "none" | Uint8Array;
  /** Leave the module without a signature section and return the signature data on its own. */
  readonly detached?: boolean;
  /** Detached mode: an existing detached signature to add this signature to. */
  readonly previous?: Uint8Array;
}

export interface SignResult {
  /** The module: signed, or (detached) the input with normalized section sizes. */
  readonly bytes: Uint8Array;
  /** The signature data: the `signature` section payload, or the detached signature. */
  readonly signature: Uint8Array;
  /** False when this key had already signed exactly these hashes (nothing was added). */
  readonly added: boolean;
}

/** Re-encode one section with minimal LEB128 sizes (a no-op for already minimal sections). */
function normalizedSection(bytes: Uint8Array, section: Section): Uint8Array {
  if (section.id === CUSTOM_SECTION_ID) {
    return encodeCustomSection(section.name as string, bytes.subarray(section.contentStart as number, section.end));
  }
  return encodeSection(section.id, bytes.subarray(section.payloadStart, section.end));
}

function addSignature(
  previous: SignatureData | undefined,
  hashes: readonly Uint8Array[],
  entry: { keyId: Uint8Array; signature: Uint8Array },
): { data: SignatureData; added: boolean } {
  const sets: SignedHashes[] = previous ? [...previous.sets] : [];
  const signature = { keyId: entry.keyId, algorithm: ALG_ED25519, signature: entry.signature };
  const at = sets.findIndex(
    (set) => set.hashes.length === hashes.length && set.hashes.every((h, i) => bytesEqual(h, hashes[i] as Uint8Array)),
  );
  const existing = sets[at];
  if (existing) {
    // Ed25519 is deterministic: the same key over the same hashes gives the same bytes.
    if (existing.signatures.some((s) => bytesEqual(s.signature, entry.signature))) {
      return { data: previous as SignatureData, added: false };
    }
    if (existing.signatures.length >= MAX_SIGNATURES) {
      throw new SandprobeError("E_MALFORMED", `the signed set already holds ${MAX_SIGNATURES} signatures (the limit)`);
    }
    sets[at] = { hashes: existing.hashes, signatures: [...existing.signatures, signature] };
  } else {
    if (sets.length >= MAX_SETS) {
      throw new SandprobeError("E_MALFORMED", `the signature already holds ${MAX_SETS} signed sets (the limit)`);
    }
    sets.push({ hashes: [...hashes], signatures: [signature] });
  }
  return {
    data: { specVersion: SPEC_VERSION, contentType: CONTENT_TYPE_WASM, hashFunction: HASH_SHA256, sets },
    added: true,
  };
}

/**
 * Sign `bytes` (a module or component, signed or not) with `key`. Signing a
 * signed module adds a signature; the existing ones stay valid because the
 * covered content does not change.
 */
export async function signModule(bytes: Uint8Array, key: SecretKey, options: SignOptions = {}): Promise<SignResult> {
  const detached = options.detached ?? false;
  const layout = signedLayout(bytes, detached);
  const covered = layout.sections.slice(layout.firstCovered).map((s) => normalizedSection(bytes, s));
  const preamble = bytes.subarray(0, PREAMBLE_SIZE);
  const unsigned = concatBytes([preamble, ...covered]);
  const hashes = await contentHashes(unsigned, signedLayout(unsigned, true));

  let previous: SignatureData | undefined;
  if (detached && options.previous) previous = decodeSignatureData(options.previous);
  else if (!detached && layout.signatureSection) {
    const section = layout.signatureSection;
    previous = decodeSignatureData(bytes.subarray(section.contentStart as number, section.end));
  }

  const keyIdOption = options.keyId ?? "default";
  const keyId =
    keyIdOption === "default" ? key.publicKey.keyId : keyIdOption === "none" ? new Uint8Array(0) : keyIdOption;
  const signature = await ed25519Sign(key, signedMessage(hashes));
  const { data, added } = addSignature(previous, hashes, { keyId, signature });
  const payload = encodeSignatureData(data);
  if (detached) return { bytes: unsigned, signature: payload, added };
  const signed = concatBytes([preamble, encodeCustomSection(SIGNATURE_SECTION, payload), ...covered]);
  return { bytes: signed, signature: payload, added };
}

/** Embed a detached signature: a `signature` section first, holding exactly the signature bytes. */
export function attachSignature(bytes: Uint8Array, signature: Uint8Array): Uint8Array {
  decodeSignatureData(signature);
  const layout = signedLayout(bytes);
  if (layout.signatureSection) {
    throw new SandprobeError("E_MALFORMED", "the module already has an embedded signature: detach it first");
  }
  return concatBytes([
    bytes.subarray(0, PREAMBLE_SIZE),
    encodeCustomSection(SIGNATURE_SECTION, signature),
    bytes.subarray(PREAMBLE_SIZE),
  ]);
}

/** Split an embedded signature off: the module without its `signature` section, and the signature bytes. */
export function detachSignature(bytes: Uint8Array): { bytes: Uint8Array; signature: Uint8Array } {
  const layout = signedLayout(bytes);
  const section = layout.signatureSection;
  if (!section) throw new SandprobeError("E_UNSIGNED", "the module has no embedded signature to detach");
  return {
    bytes: concatBytes([bytes.subarray(0, PREAMBLE_SIZE), bytes.subarray(section.end)]),
    signature: bytes.slice(section.contentStart as number, section.end),
  };
}
