/**
 * Ed25519 keys through WebCrypto only, in wasmsign2's raw file formats
 * (public: 0x01 ‖ pk, 33 bytes; secret: 0x81 ‖ seed ‖ pk, 65 bytes) and in
 * PEM / DER (SPKI for public keys, PKCS#8 for secret keys).
 */
import { SandprobeError } from "../../errors.js";
import { bytesEqual, toHex } from "../../wasm/bytes.js";
import { concatBytes } from "../../wasm/encode.js";
import { bufferSource } from "./bytes.js";

export const PUBLIC_KEY_TAG = 0x01;
export const SECRET_KEY_TAG = 0x81;
export const KEY_ID_LENGTH = 12;

const ED25519 = { name: "Ed25519" } as const;
/** DER prefix of an Ed25519 PKCS#8 v1 private key: SEQUENCE, version 0, OID 1.3.101.112, OCTET STRING(OCTET STRING(seed)). */
const PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);
/** DER prefix of an Ed25519 SubjectPublicKeyInfo: SEQUENCE, AlgorithmIdentifier(OID 1.3.101.112), BIT STRING. */
const SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);

export interface PublicKey {
  /** The raw 32-byte Ed25519 public key. */
  readonly raw: Uint8Array;
  /** wasmsign2's key id: the first 12 bytes of HMAC-SHA256(key = raw public key, message = "key_id"). */
  readonly keyId: Uint8Array;
  readonly keyIdHex: string;
  /** The key imported once into WebCrypto for verification. */
  readonly cryptoKey: CryptoKey;
}

export interface SecretKey {
  /** The 32-byte Ed25519 seed (RFC 8032 secret key). */
  readonly seed: Uint8Array;
  readonly publicKey: PublicKey;
  readonly cryptoKey: CryptoKey;
}

export interface KeyPair {
  readonly publicKey: PublicKey;
  readonly secretKey: SecretKey;
}

function invalid(message: string): never {
  throw new SandprobeError("E_KEY_INVALID", message);
}

/** wasmsign2's default key id for a raw 32-byte public key. */
export async function computeKeyId(raw: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", bufferSource(raw), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("key_id"));
  return new Uint8Array(mac, 0, KEY_ID_LENGTH).slice();
}

/** Import a raw 32-byte Ed25519 public key. */
export async function importPublicKey(raw: Uint8Array): Promise<PublicKey> {
  if (raw.length !== 32) invalid(`an Ed25519 public key is 32 bytes, not ${raw.length}`);
  const copy = raw.slice();
  let cryptoKey: CryptoKey;
  try {
    cryptoKey = await crypto.subtle.importKey("raw", bufferSource(copy), ED25519, true, ["verify"]);
  } catch (error) {
    invalid(`WebCrypto refused the Ed25519 public key: ${(error as Error).message}`);
  }
  const keyId = await computeKeyId(copy);
  return { raw: copy, keyId, keyIdHex: toHex(keyId), cryptoKey };
}

/** Import a 32-byte Ed25519 seed. When `expectedPublic` is given it must be the seed's public key. */
export async function importSecretKey(seed: Uint8Array, expectedPublic?: Uint8Array): Promise<SecretKey> {
  if (seed.length !== 32) invalid(`an Ed25519 secret key (seed) is 32 bytes, not ${seed.length}`);
  const copy = seed.slice();
  // WebCrypto imports a bare seed portably only as PKCS#8.
  const cryptoKey = await crypto.subtle.importKey(
    "pkcs8",
    bufferSource(concatBytes([PKCS8_PREFIX, copy])),
    ED25519,
    true,
    ["sign"],
  );
  const jwk = await crypto.subtle.exportKey("jwk", cryptoKey);
  const raw = fromBase64Url(jwk.x ?? "");
  if (expectedPublic && !bytesEqual(raw, expectedPublic)) {
    invalid("the secret key file's public half does not belong to its seed: the file is corrupt");
  }
  return { seed: copy, publicKey: await importPublicKey(raw), cryptoKey };
}

export async function generateKeyPair(): Promise<KeyPair> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const secretKey = await importSecretKey(fromBase64Url(jwk.d ?? ""));
  return { publicKey: secretKey.publicKey, secretKey };
}

/** Ed25519 signature of `message` (64 bytes). */
export async function ed25519Sign(key: SecretKey, message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("Ed25519", key.cryptoKey, bufferSource(message)));
}

export async function ed25519Verify(key: PublicKey, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  try {
    return await crypto.subtle.verify("Ed25519", key.cryptoKey, bufferSource(signature), bufferSource(message));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- encodings

/** wasmsign2's public key file: 0x01 ‖ pk (33 bytes). */
export function encodePublicKey(key: PublicKey): Uint8Array {
  return concatBytes([Uint8Array.of(PUBLIC_KEY_TAG), key.raw]);
}

/** wasmsign2's secret key file: 0x81 ‖ seed ‖ pk (65 bytes). */
export function encodeSecretKey(key: SecretKey): Uint8Array {
  return concatBytes([Uint8Array.of(SECRET_KEY_TAG), key.seed, key.publicKey.raw]);
}

export function publicKeyToPem(key: PublicKey): string {
  return toPem("PUBLIC KEY", concatBytes([SPKI_PREFIX, key.raw]));
}

export function secretKeyToPem(key: SecretKey): string {
  return toPem("PRIVATE KEY", concatBytes([PKCS8_PREFIX, key.seed]));
}

/**
 * A public key file: wasmsign2 raw (0x01 ‖ pk), PEM "PUBLIC KEY" (SPKI) or
 * DER SPKI. Anything else is E_KEY_INVALID.
 */
export async function decodePublicKey(bytes: Uint8Array | string): Promise<PublicKey> {
  const pem = readPem(bytes);
  if (pem && pem.label !== "PUBLIC KEY") invalid(`PEM block "${pem.label}" is not a "PUBLIC KEY"`);
  if (!pem && typeof bytes === "string") invalid("not a public key: expected PEM text or key bytes");
  const der = pem ? pem.der : (bytes as Uint8Array);
  if (!pem && der.length === 33 && der[0] === PUBLIC_KEY_TAG) return importPublicKey(der.subarray(1));
  if (!pem && der.length === 65 && der[0] === SECRET_KEY_TAG) {
    invalid("this is a wasmsign2 secret key file: give the public key");
  }
  if (der.length === 44 && bytesEqual(der.subarray(0, 12), SPKI_PREFIX)) return importPublicKey(der.subarray(12));
  let raw: Uint8Array;
  try {
    const key = await crypto.subtle.importKey("spki", bufferSource(der), ED25519, true, ["verify"]);
    raw = new Uint8Array(await crypto.subtle.exportKey("raw", key));
  } catch {
    return invalid(
      `not an Ed25519 public key (${der.length} bytes): expected wasmsign2 raw (33 bytes, 0x01 ‖ key), PEM or DER SPKI`,
    );
  }
  return importPublicKey(raw);
}

/**
 * A secret key file: wasmsign2 raw (0x81 ‖ seed ‖ pk), PEM "PRIVATE KEY"
 * (PKCS#8) or DER PKCS#8. Anything else is E_KEY_INVALID.
 */
export async function decodeSecretKey(bytes: Uint8Array | string): Promise<SecretKey> {
  const pem = readPem(bytes);
  if (pem && pem.label !== "PRIVATE KEY") invalid(`PEM block "${pem.label}" is not a "PRIVATE KEY"`);
  if (!pem && typeof bytes === "string") invalid("not a secret key: expected PEM text or key bytes");
  const der = pem ? pem.der : (bytes as Uint8Array);
  if (!pem && der.length === 65 && der[0] === SECRET_KEY_TAG) {
    return importSecretKey(der.subarray(1, 33), der.subarray(33));
  }
  if (!pem && der.length === 33 && der[0] === PUBLIC_KEY_TAG) {
    invalid("this is a wasmsign2 public key file: give the secret key");
  }
  if (der.length === 48 && bytesEqual(der.subarray(0, 16), PKCS8_PREFIX)) return importSecretKey(der.subarray(16));
  let seed: Uint8Array;
  try {
    const key = await crypto.subtle.importKey("pkcs8", bufferSource(der), ED25519, true, ["sign"]);
    seed = fromBase64Url((await crypto.subtle.exportKey("jwk", key)).d ?? "");
  } catch {
    return invalid(
      `not an Ed25519 secret key (${der.length} bytes): expected wasmsign2 raw (65 bytes, 0x81 ‖ seed ‖ key), PEM or DER PKCS#8`,
    );
  }
  return importSecretKey(seed);
}

// ---------------------------------------------------------------- PEM and base64

const PEM = /-----BEGIN ([A-Z0-9 ]{1,64})-----([A-Za-z0-9+/=\s]*)-----END \1-----/;

/** The label and DER of a PEM block, or undefined when the bytes are not PEM text. */
function readPem(bytes: Uint8Array | string): { label: string; der: Uint8Array } | undefined {
  let text: string;
  if (typeof bytes === "string") text = bytes;
  else {
    if (bytes.length > 16 * 1024) return undefined;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
  }
  if (!text.includes("-----BEGIN")) return undefined;
  const match = PEM.exec(text);
  if (!match) invalid("PEM text without a well-formed BEGIN/END block");
  try {
    return { label: match[1] as string, der: fromBase64((match[2] as string).replace(/\s+/g, "")) };
  } catch {
    return invalid("PEM body is not valid base64");
  }
}

function toPem(label: string, der: Uint8Array): string {
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const body = btoa(binary).replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function fromBase64Url(text: string): Uint8Array {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(padded + "=".repeat((4 - (padded.length % 4)) % 4));
}
