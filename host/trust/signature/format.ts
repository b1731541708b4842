/**
 * The signature data of the WebAssembly tool-conventions "Signatures" format,
 * laid out exactly as wasmsign2 0.2.x writes it: the payload of the custom
 * section named `signature`, or a detached signature file (the same bytes).
 * docs/signing.md describes every byte.
 */
import { SandprobeError } from "../../errors.js";
import { concatBytes, encodeU32 } from "../../wasm/encode.js";
import { ByteReader } from "../../wasm/reader.js";

export const SIGNATURE_SECTION = "signature";
export const DELIMITER_SECTION = "signature_delimiter";

export const SPEC_VERSION = 0x01;
/** Content type 0x01: a WebAssembly module (components use the same value). */
export const CONTENT_TYPE_WASM = 0x01;
export const HASH_SHA256 = 0x01;
export const ALG_ED25519 = 0x01;
export const HASH_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;
/** Domain string that starts every signed message. */
export const SIGNATURE_DOMAIN = "wasmsig";

/** Limits wasmsign2 enforces when it reads signature data. */
export const MAX_SETS = 64;
export const MAX_HASHES = 64;
export const MAX_SIGNATURES = 256;
/** Key ids longer than this are refused (wasmsign2 writes 12 bytes). */
export const MAX_KEY_ID_LENGTH = 255;

/** One signature over the hashes of its set. */
export interface SignatureEntry {
  /** Key id bytes; empty when the signer embedded none. */
  readonly keyId: Uint8Array;
  /** Algorithm id: 0x01 (Ed25519) is the only one we verify. */
  readonly algorithm: number;
  /** Ed25519: the 64 signature bytes. Other algorithms: the rest of the record, kept verbatim. */
  readonly signature: Uint8Array;
}

/** A set of hashes (one per part) and the signatures over all of them. */
export interface SignedHashes {
  readonly hashes: readonly Uint8Array[];
  readonly signatures: readonly SignatureEntry[];
}

export interface SignatureData {
  readonly specVersion: number;
  readonly contentType: number;
  readonly hashFunction: number;
  readonly sets: readonly SignedHashes[];
}

function tooMany(what: string, count: number, limit: number, at: number): never {
  throw new SandprobeError("E_MALFORMED", `signature data declares ${count} ${what} (limit ${limit}) at byte ${at}`, {
    offset: at,
  });
}

function unsupported(what: string, value: number, at: number): never {
  throw new SandprobeError(
    "E_UNSUPPORTED",
    `signature ${what} 0x${value.toString(16).padStart(2, "0")} is not supported (only 0x01): re-sign with a wasmsign2-compatible tool`,
    { offset: at },
  );
}

/** A single-byte identifier (one byte, high bit clear, as wasmsign2 reads it): 81 00 is not 01. */
function readId(reader: ByteReader, what: string, want: number): number {
  const at = reader.pos;
  const value = reader.u8();
  if (value & 0x80) reader.fail(`${what} is not a one-byte identifier`, at);
  if (value !== want) unsupported(what, value, at);
  return value;
}

function readSignature(reader: ByteReader): SignatureEntry {
  const keyIdLength = reader.u32();
  if (keyIdLength > MAX_KEY_ID_LENGTH) reader.fail(`key id of ${keyIdLength} bytes (limit ${MAX_KEY_ID_LENGTH})`);
  const keyId = reader.bytesView(keyIdLength).slice();
  const algorithm = reader.u8();
  if (algorithm !== ALG_ED25519) {
    // An algorithm we do not know: keep its record so re-signing preserves it; it never counts as valid.
    return { keyId, algorithm, signature: reader.bytesView(reader.remaining).slice() };
  }
  const at = reader.pos;
  const length = reader.u32();
  if (length !== ED25519_SIGNATURE_LENGTH) reader.fail(`Ed25519 signature of ${length} bytes (must be 64)`, at);
  const signature = reader.bytesView(length).slice();
  return { keyId, algorithm, signature };
}

function readSet(reader: ByteReader): SignedHashes {
  let at = reader.pos;
  const hashCount = reader.u32();
  if (hashCount > MAX_HASHES) tooMany("hashes in a set", hashCount, MAX_HASHES, at);
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < hashCount; i++) hashes.push(reader.bytesView(HASH_LENGTH).slice());
  at = reader.pos;
  const signatureCount = reader.u32();
  if (signatureCount > MAX_SIGNATURES) tooMany("signatures in a set", signatureCount, MAX_SIGNATURES, at);
  const signatures: SignatureEntry[] = [];
  for (let i = 0; i < signatureCount; i++) {
    const length = reader.u32();
    const start = reader.pos;
    reader.bytesView(length);
    // A record that does not decode is skipped, as wasmsign2 does: the section
    // is not signed, so one odd record added in transit must not void the others.
    try {
      signatures.push(readSignature(new ByteReader(reader.bytes, start, start + length)));
    } catch (error) {
      if (!(error instanceof SandprobeError)) throw error;
    }
  }
  return { hashes, signatures };
}

/**
 * Decode signature data (the `signature` section payload or a detached
 * signature). Structure errors are E_MALFORMED; a version, content type or
 * hash function other than 0x01 is E_UNSUPPORTED. Every count and length is
 * checked against the bytes before anything is allocated.
 */
export function decodeSignatureData(payload: Uint8Array): SignatureData {
  const reader = new ByteReader(payload);
  if (payload.length === 0) reader.fail("empty signature data");
  const specVersion = readId(reader, "specification version", SPEC_VERSION);
  const contentType = readId(reader, "content type", CONTENT_TYPE_WASM);
  const hashFunction = readId(reader, "hash function", HASH_SHA256);
  const at = reader.pos;
  const setCount = reader.u32();
  if (setCount > MAX_SETS) tooMany("signed hash sets", setCount, MAX_SETS, at);
  const sets: SignedHashes[] = [];
  for (let i = 0; i < setCount; i++) {
    const length = reader.u32();
    const start = reader.pos;
    reader.bytesView(length);
    sets.push(readSet(new ByteReader(payload, start, start + length)));
  }
  reader.expectEnd("signature data");
  return { specVersion, contentType, hashFunction, sets };
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.from(encodeU32(bytes.length)), bytes]);
}

function encodeSignature(entry: SignatureEntry): Uint8Array {
  const head = concatBytes([lengthPrefixed(entry.keyId), Uint8Array.of(entry.algorithm)]);
  const body = entry.algorithm === ALG_ED25519 ? lengthPrefixed(entry.signature) : entry.signature;
  return concatBytes([head, body]);
}

function encodeSet(set: SignedHashes): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from(encodeU32(set.hashes.length)), ...set.hashes];
  parts.push(Uint8Array.from(encodeU32(set.signatures.length)));
  for (const entry of set.signatures) parts.push(lengthPrefixed(encodeSignature(entry)));
  return concatBytes(parts);
}

/** Signature data outside the format's limits cannot be written (e.g. a 257th signature in a set). */
function tooLarge(message: string): never {
  throw new SandprobeError("E_MALFORMED", `cannot encode the signature section: ${message}`);
}

/** Encode signature data with minimal LEB128 everywhere, as wasmsign2 does. Checks the format's limits. */
export function encodeSignatureData(data: SignatureData): Uint8Array {
  if (data.sets.length > MAX_SETS) tooLarge(`${data.sets.length} signed hash sets (limit ${MAX_SETS})`);
  for (const set of data.sets) {
    if (set.hashes.length > MAX_HASHES) {
      tooLarge(`${set.hashes.length} hashes in a set (limit ${MAX_HASHES})`);
    }
    if (set.signatures.length > MAX_SIGNATURES) {
      tooLarge(`${set.signatures.length} signatures in a set (limit ${MAX_SIGNATURES})`);
    }
    for (const hash of set.hashes) if (hash.length !== HASH_LENGTH) tooLarge("a hash is not 32 bytes");
    for (const entry of set.signatures) {
      if (entry.keyId.length > MAX_KEY_ID_LENGTH) tooLarge("key id too long");
      if (entry.algorithm === ALG_ED25519 && entry.signature.length !== ED25519_SIGNATURE_LENGTH) {
        tooLarge("an Ed25519 signature is not 64 bytes");
      }
    }
  }
  const parts: Uint8Array[] = [
    Uint8Array.from([
      ...encodeU32(data.specVersion),
      ...encodeU32(data.contentType),
      ...encodeU32(data.hashFunction),
      ...encodeU32(data.sets.length),
    ]),
  ];
  for (const set of data.sets) parts.push(lengthPrefixed(encodeSet(set)));
  return concatBytes(parts);
}

/** The message each signature signs: "wasmsig" ‖ version ‖ content type ‖ hash fn ‖ h1 ‖ … ‖ hn. */
export function signedMessage(hashes: readonly Uint8Array[]): Uint8Array {
  const head = new TextEncoder().encode(SIGNATURE_DOMAIN);
  return concatBytes([head, Uint8Array.of(SPEC_VERSION, CONTENT_TYPE_WASM, HASH_SHA256), ...hashes]);
}
