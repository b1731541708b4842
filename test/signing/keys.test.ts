/**
 * Key files: wasmsign2's raw formats, PEM/DER from other tools (OpenSSL,
 * node:crypto), wasmsign2's key id, and refusal of anything else with
 * E_KEY_INVALID. The RFC 8032 vector proves the seed import path signs like
 * every other Ed25519 implementation.
 */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  computeKeyId,
  decodePublicKey,
  decodeSecretKey,
  ed25519Sign,
  ed25519Verify,
  encodePublicKey,
  encodeSecretKey,
  generateKeyPair,
  importSecretKey,
  publicKeyToPem,
  secretKeyToPem,
} from "../../host/trust/signature/keys.js";
import { fromHex, toHex } from "../../host/wasm/bytes.js";
import { seededBytes } from "../support/probes.js";
import { codeOf } from "../support/signing.js";

const hex = (text: string) => fromHex(text.replace(/\s+/g, "")) as Uint8Array;

test("RFC 8032 test 1: the seed imports to the right public key and signs the empty message exactly", async () => {
  const key = await importSecretKey(hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  assert.is(toHex(key.publicKey.raw), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const signature = await ed25519Sign(key, new Uint8Array(0));
  assert.is(
    toHex(signature),
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d97" +
      "4d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  );
  assert.ok(await ed25519Verify(key.publicKey, signature, new Uint8Array(0)));
  assert.not.ok(await ed25519Verify(key.publicKey, signature, Uint8Array.of(0)));
});

test('the key id is the first 12 bytes of HMAC-SHA256(key = raw public key, message = "key_id")', async () => {
  const { publicKey } = await generateKeyPair();
  const expected = createHmac("sha256", publicKey.raw).update("key_id").digest().subarray(0, 12);
  assert.is(toHex(await computeKeyId(publicKey.raw)), toHex(expected));
  assert.is(publicKey.keyIdHex, toHex(expected));
});

test("wasmsign2 raw files: public 0x01 ‖ pk (33 bytes), secret 0x81 ‖ seed ‖ pk (65 bytes), both ways", async () => {
  const { publicKey, secretKey } = await generateKeyPair();
  const pk = encodePublicKey(publicKey);
  const sk = encodeSecretKey(secretKey);
  assert.is(pk.length, 33);
  assert.is(pk[0], 0x01);
  assert.is(sk.length, 65);
  assert.is(sk[0], 0x81);
  assert.equal([...sk.subarray(1, 33)], [...secretKey.seed]);
  assert.equal([...sk.subarray(33)], [...publicKey.raw]);
  assert.equal([...(await decodePublicKey(pk)).raw], [...publicKey.raw]);
  const back = await decodeSecretKey(sk);
  assert.equal([...back.seed], [...secretKey.seed]);
  assert.is(back.publicKey.keyIdHex, publicKey.keyIdHex);
});

test("PEM and DER from node:crypto (SPKI / PKCS#8) load, and our PEM loads in node:crypto", async () => {
  const pair = generateKeyPairSync("ed25519");
  const spkiPem = pair.publicKey.export({ type: "spki", format: "pem" }) as string;
  const pkcs8Pem = pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const spkiDer = new Uint8Array(pair.publicKey.export({ type: "spki", format: "der" }));
  const pkcs8Der = new Uint8Array(pair.privateKey.export({ type: "pkcs8", format: "der" }));
  const fromPem = await decodePublicKey(spkiPem);
  const fromDer = await decodePublicKey(spkiDer);
  const fromPemBytes = await decodePublicKey(new TextEncoder().encode(spkiPem));
  assert.is(toHex(fromDer.raw), toHex(fromPem.raw));
  assert.is(toHex(fromPemBytes.raw), toHex(fromPem.raw));
  const secret = await decodeSecretKey(pkcs8Pem);
  assert.is(toHex(secret.publicKey.raw), toHex(fromPem.raw));
  assert.is(toHex((await decodeSecretKey(pkcs8Der)).seed), toHex(secret.seed));

  const { createPrivateKey, createPublicKey, sign } = await import("node:crypto");
  const nodeSecret = createPrivateKey(secretKeyToPem(secret));
  const nodePublic = createPublicKey(publicKeyToPem(secret.publicKey));
  const message = new TextEncoder().encode("interop");
  const theirs = sign(null, message, nodeSecret);
  assert.is(toHex(await ed25519Sign(secret, message)), toHex(new Uint8Array(theirs)));
  assert.ok(await ed25519Verify(secret.publicKey, new Uint8Array(theirs), message));
  assert.is(nodePublic.asymmetricKeyType, "ed25519");
});

test("a secret key file whose public half is not its seed's is refused (corrupt or spliced file)", async () => {
  const a = await generateKeyPair();
  const b = await generateKeyPair();
  const spliced = encodeSecretKey(a.secretKey);
  spliced.set(b.publicKey.raw, 33);
  assert.is(await codeOf(() => decodeSecretKey(spliced)), "E_KEY_INVALID");
});

test("the wrong kind of key, wrong lengths, bad PEM and noise are E_KEY_INVALID, never a crash", async () => {
  const { publicKey, secretKey } = await generateKeyPair();
  const cases: [string, () => Promise<unknown>][] = [
    ["secret file as public", () => decodePublicKey(encodeSecretKey(secretKey))],
    ["public file as secret", () => decodeSecretKey(encodePublicKey(publicKey))],
    ["secret PEM as public", () => decodePublicKey(secretKeyToPem(secretKey))],
    ["public PEM as secret", () => decodeSecretKey(publicKeyToPem(publicKey))],
    ["32 bare bytes", () => decodePublicKey(publicKey.raw)],
    ["wrong tag", () => decodePublicKey(Uint8Array.from([0x02, ...publicKey.raw]))],
    ["PEM without END", () => decodePublicKey("-----BEGIN PUBLIC KEY-----\nAAAA\n")],
    ["PEM with bad base64", () => decodePublicKey("-----BEGIN PUBLIC KEY-----\n@@@\n-----END PUBLIC KEY-----\n")],
    [
      "RSA PEM",
      () =>
        decodePublicKey(
          generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({
            type: "spki",
            format: "pem",
          }) as string,
        ),
    ],
    ["empty", () => decodeSecretKey(new Uint8Array(0))],
    ["plain text", () => decodePublicKey("not a key")],
  ];
  for (let seed = 1; seed <= 40; seed++) {
    cases.push([`noise ${seed}`, () => decodePublicKey(seededBytes(seed, seed * 3))]);
    cases.push([`noise secret ${seed}`, () => decodeSecretKey(seededBytes(seed, seed * 3))]);
  }
  for (const [what, run] of cases) assert.is(await codeOf(run), "E_KEY_INVALID", what);
});

test.run();
