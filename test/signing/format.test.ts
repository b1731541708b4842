/**
 * The signature section, checked against the format by construction: the
 * bytes are assembled here field by field from the tool-conventions text and
 * wasmsign2's layout (set_len and sig_len prefixes), with crypto.subtle
 * directly, never with our signer; our verifier must accept them and our
 * signer must produce exactly the same bytes (Ed25519 is deterministic).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeSignatureData, encodeSignatureData, type SignatureData } from "../../host/trust/signature/format.js";
import { decodeSecretKey, importPublicKey } from "../../host/trust/signature/keys.js";
import { contentHashes, signedLayout } from "../../host/trust/signature/layout.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { checkSignatures, verifyModule } from "../../host/trust/signature/verify.js";
import { probeBytes, seededBytes } from "../support/probes.js";
import { codeOf, leb } from "../support/signing.js";

const subtle = crypto.subtle;
const ascii = (text: string) => [...new TextEncoder().encode(text)];

async function freshKey() {
  const pair = (await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const raw = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
  const pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey));
  const hmacKey = await subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const keyId = new Uint8Array(await subtle.sign("HMAC", hmacKey, new TextEncoder().encode("key_id"))).slice(0, 12);
  return { pair, raw, pkcs8, keyId };
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<number[]> {
  return [...new Uint8Array(await subtle.digest("SHA-256", bytes))];
}

/** "wasmsig" ‖ spec_version ‖ content_type ‖ hash_fn ‖ hashes, signed with pure Ed25519. */
async function sign(key: CryptoKey, hashes: number[][]): Promise<number[]> {
  const message = Uint8Array.from([...ascii("wasmsig"), 0x01, 0x01, 0x01, ...hashes.flat()]);
  return [...new Uint8Array(await subtle.sign("Ed25519", key, message))];
}

/** One signature record: key_id_len, key_id, alg 0x01, sig_len 64, sig; prefixed by its length (wasmsign2). */
function signatureRecord(keyId: number[], signature: number[]): number[] {
  const record = [...leb(keyId.length), ...keyId, 0x01, ...leb(signature.length), ...signature];
  return [...leb(record.length), ...record];
}

/** One set: n_hashes, hashes, n_sigs, records; prefixed by its length (wasmsign2). */
function signedSet(hashes: number[][], records: number[][]): number[] {
  const set = [...leb(hashes.length), ...hashes.flat(), ...leb(records.length), ...records.flat()];
  return [...leb(set.length), ...set];
}

function signatureSection(sets: number[][]): number[] {
  const payload = [0x01, 0x01, 0x01, ...leb(sets.length), ...sets.flat()];
  const name = ascii("signature");
  const body = [...leb(name.length), ...name, ...payload];
  return [0x00, ...leb(body.length), ...body];
}

function customSection(name: string, content: number[]): number[] {
  const body = [...leb(ascii(name).length), ...ascii(name), ...content];
  return [0x00, ...leb(body.length), ...body];
}

test("a signature section built field by field from the spec verifies, and our signer writes the same bytes", async () => {
  const unsigned = await probeBytes("examples", "latency");
  const content = [...unsigned.subarray(8)];
  const { pair, raw, pkcs8, keyId } = await freshKey();
  const hash = await sha256(Uint8Array.from(content));
  const signature = await sign(pair.privateKey, [hash]);
  const section = signatureSection([signedSet([hash], [signatureRecord([...keyId], signature)])]);
  const file = Uint8Array.from([...unsigned.subarray(0, 8), ...section, ...content]);

  const publicKey = await importPublicKey(raw);
  const report = await verifyModule(file, [publicKey]);
  assert.equal(report.signers.length, 1);
  assert.equal(report.checks[0]?.status, "valid");
  assert.equal(report.checks[0]?.keyIdHex, publicKey.keyIdHex);

  // Same key, same module: Ed25519 is deterministic, so our signer must write exactly these bytes.
  const ours = await signModule(unsigned, await decodeSecretKey(pkcs8));
  assert.equal([...ours.bytes], [...file]);
});

test("signatures without key ids or with the spec appendix's ids ('second') are tried against every key", async () => {
  const unsigned = await probeBytes("examples", "latency");
  const content = [...unsigned.subarray(8)];
  const a = await freshKey();
  const b = await freshKey();
  const stranger = await freshKey();
  const hash = await sha256(Uint8Array.from(content));
  const records = [signatureRecord([], await sign(a.pair.privateKey, [hash]))];
  records.push(signatureRecord(ascii("second"), await sign(b.pair.privateKey, [hash])));
  records.push(signatureRecord(ascii("third"), await sign(stranger.pair.privateKey, [hash])));
  // A 12-byte id is a default key id (HMAC of the key): none of ours has this one, so no key is tried.
  records.push(signatureRecord([...stranger.keyId], await sign(stranger.pair.privateKey, [hash])));
  const file = Uint8Array.from([
    ...unsigned.subarray(0, 8),
    ...signatureSection([signedSet([hash], records)]),
    ...content,
  ]);
  const keyA = await importPublicKey(a.raw);
  const keyB = await importPublicKey(b.raw);
  // "second" and "third" cannot be default ids (not 12 bytes): wasmsign2's library tries every key for them.
  const report = await checkSignatures(file, [keyA, keyB]);
  assert.equal(
    report.checks.map((c) => c.status),
    ["valid", "valid", "no-key", "no-key"],
  );
  assert.equal(report.signers, [keyA, keyB]);
});

test("a signature record that does not decode is skipped, as wasmsign2 does; the others still count", async () => {
  const unsigned = await probeBytes("examples", "latency");
  const content = [...unsigned.subarray(8)];
  const { pair, raw, keyId } = await freshKey();
  const hash = await sha256(Uint8Array.from(content));
  const good = signatureRecord([...keyId], await sign(pair.privateKey, [hash]));
  // A 63-byte Ed25519 signature, a key id longer than 255 bytes, and a good record with a trailing byte.
  const short = signatureRecord([...keyId], [...seededBytes(3, 63)]);
  const longId = signatureRecord(
    Array.from({ length: 256 }, () => 7),
    await sign(pair.privateKey, [hash]),
  );
  const record = good.slice(1);
  const trailing = [...leb(record.length + 1), ...record, 0xee];
  const file = Uint8Array.from([
    ...unsigned.subarray(0, 8),
    // A set with no hashes signs nothing, and is no error either.
    ...signatureSection([signedSet([], []), signedSet([hash], [short, longId, trailing])]),
    ...content,
  ]);
  const key = await importPublicKey(raw);
  const report = await verifyModule(file, [key]);
  assert.equal(
    report.data.sets.map((set) => set.signatures.length),
    [0, 1],
  );
  assert.equal(report.signers.length, 1);
  // Only undecodable records: no signature at all.
  const onlyBad = Uint8Array.from([
    ...unsigned.subarray(0, 8),
    ...signatureSection([signedSet([hash], [short])]),
    ...content,
  ]);
  assert.is(await codeOf(() => verifyModule(onlyBad, [key])), "E_UNSIGNED");
});

test("a file every trusted key signed without key ids verifies, within the verification budget", async () => {
  const unsigned = await probeBytes("examples", "latency");
  const content = [...unsigned.subarray(8)];
  const hash = await sha256(Uint8Array.from(content));
  const signers = await Promise.all(Array.from({ length: 9 }, () => freshKey()));
  const records = await Promise.all(
    signers.map(async (k) => signatureRecord([], await sign(k.pair.privateKey, [hash]))),
  );
  const file = Uint8Array.from([
    ...unsigned.subarray(0, 8),
    ...signatureSection([signedSet([hash], records)]),
    ...content,
  ]);
  // 9 key-less signatures x 9 keys = 81 verifications, above the old fixed cap of 64.
  const keys = await Promise.all(signers.map((k) => importPublicKey(k.raw)));
  const report = await checkSignatures(file, keys);
  assert.is(report.signers.length, 9);
  assert.ok(report.checks.every((c) => c.status === "valid"));
});

test("parts and delimiters: rolling hashes h1 = H(p1‖d1), h2 = H(p1‖d1‖p2‖d2) verify; a partial set does not", async () => {
  const unsigned = await probeBytes("examples", "latency");
  const p1 = [...unsigned.subarray(8)];
  const d1 = customSection("signature_delimiter", [...seededBytes(1, 16)]);
  const p2 = customSection("extra", ascii("added later"));
  const d2 = customSection("signature_delimiter", [...seededBytes(2, 16)]);
  const h1 = await sha256(Uint8Array.from([...p1, ...d1]));
  const h2 = await sha256(Uint8Array.from([...p1, ...d1, ...p2, ...d2]));
  const { pair, raw } = await freshKey();
  const key = await importPublicKey(raw);
  const build = async (hashes: number[][]) =>
    Uint8Array.from([
      ...unsigned.subarray(0, 8),
      ...signatureSection([signedSet(hashes, [signatureRecord([], await sign(pair.privateKey, hashes))])]),
      ...p1,
      ...d1,
      ...p2,
      ...d2,
    ]);
  const signed = await build([h1, h2]);
  const full = await verifyModule(signed, [key]);
  assert.equal([...full.contentHash], h2);
  const parts = await contentHashes(signed, signedLayout(signed));
  assert.equal(
    parts.map((h) => [...h]),
    [h1, h2],
  );
  // A set signing only the first part is genuine but does not cover the module: refused by default.
  const partialFile = await build([h1]);
  assert.is(await codeOf(() => verifyModule(partialFile, [key])), "E_SIGNATURE_INVALID");
  const partial = await checkSignatures(partialFile, [key]);
  assert.is(partial.checks[0]?.status, "partial");
});

test("the verifier hashes section bytes as they are, even with non-minimal LEB128 sizes", async () => {
  // type section (id 1) with its size written in 5 bytes: 0x84 0x80 0x80 0x80 0x00 = 4
  const content = [0x01, 0x84, 0x80, 0x80, 0x80, 0x00, 0x01, 0x60, 0x00, 0x00];
  const { pair, raw } = await freshKey();
  const hash = await sha256(Uint8Array.from(content));
  const file = Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...signatureSection([signedSet([hash], [signatureRecord([], await sign(pair.privateKey, [hash]))])]),
    ...content,
  ]);
  await verifyModule(file, [await importPublicKey(raw)]);
});

test("encode and decode round-trip every field, unknown algorithms included, byte for byte", () => {
  const data: SignatureData = {
    specVersion: 1,
    contentType: 1,
    hashFunction: 1,
    sets: [
      {
        hashes: [seededBytes(3, 32), seededBytes(4, 32)],
        signatures: [
          { keyId: seededBytes(5, 12), algorithm: 1, signature: seededBytes(6, 64) },
          { keyId: new Uint8Array(0), algorithm: 0x02, signature: seededBytes(7, 20) },
        ],
      },
      { hashes: [seededBytes(8, 32)], signatures: [] },
    ],
  };
  const bytes = encodeSignatureData(data);
  const back = decodeSignatureData(bytes);
  assert.equal(back, data);
  assert.equal([...encodeSignatureData(back)], [...bytes]);
});

test("limits: more than 64 sets, 64 hashes or 256 signatures is E_MALFORMED before anything is read", async () => {
  const hash = [...seededBytes(9, 32)];
  const cases: number[][] = [
    [1, 1, 1, ...leb(65)],
    [1, 1, 1, 1, ...leb(1), 65],
    [1, 1, 1, 1, ...leb(35), 1, ...hash, ...leb(257)],
    [1, 1, 1, 1, ...leb(1), 0], // a set with no hashes
  ];
  for (const payload of cases) {
    assert.is(await codeOf(() => decodeSignatureData(Uint8Array.from(payload))), "E_MALFORMED", String(payload));
  }
  // 64 sets is the limit, not over it.
  const set = [...leb(34), 1, ...hash, 0];
  const sixtyFour = [1, 1, 1, ...leb(64), ...Array.from({ length: 64 }, () => set).flat()];
  assert.is(decodeSignatureData(Uint8Array.from(sixtyFour)).sets.length, 64);
});

test("other versions, content types and hash functions are E_UNSUPPORTED; lengths past the end are E_MALFORMED", async () => {
  for (const payload of [
    [2, 1, 1, 0],
    [1, 2, 1, 0],
    [1, 1, 2, 0],
  ]) {
    assert.is(await codeOf(() => decodeSignatureData(Uint8Array.from(payload))), "E_UNSUPPORTED");
  }
  for (const payload of [[], [1, 1, 1], [1, 1, 1, 1, 50, 1], [1, 1, 1, 0, 0]]) {
    assert.is(await codeOf(() => decodeSignatureData(Uint8Array.from(payload))), "E_MALFORMED", String(payload));
  }
  // Identifiers are single bytes: 81 00 (a two-byte LEB128 of 1) is not version 1.
  assert.is(await codeOf(() => decodeSignatureData(Uint8Array.from([0x81, 0, 1, 1, 0]))), "E_MALFORMED");
  assert.is(await codeOf(() => decodeSignatureData(Uint8Array.from([1, 1, 0x81, 0, 0]))), "E_MALFORMED");
  // An Ed25519 record whose signature is not 64 bytes does not decode: it is left out, not an error.
  const record = [0, 1, 63, ...seededBytes(10, 63)];
  const set = [1, ...seededBytes(11, 32), 1, ...leb(record.length), ...record];
  const payload = [1, 1, 1, 1, ...leb(set.length), ...set];
  assert.is(decodeSignatureData(Uint8Array.from(payload)).sets[0]?.signatures.length, 0);
});

test.run();
