/**
 * Hostile bytes through verifyProbe, the function a runtime calls before
 * load: every single-byte change of a signed example probe is refused,
 * every truncation and random input gives a typed error (E_MALFORMED where
 * the structure breaks), never a crash and never an accepted probe.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { sha256 } from "../../host/trust/signature/bytes.js";
import { encodeSignatureData, MAX_SETS, MAX_SIGNATURES } from "../../host/trust/signature/format.js";
import { signedLayout } from "../../host/trust/signature/layout.js";
import { attachSignature } from "../../host/trust/signature/sign.js";
import { checkSignatures } from "../../host/trust/signature/verify.js";
import { verifyProbe } from "../../host/trust/verify-probe.js";
import { encodeCustomSection } from "../../host/wasm/encode.js";
import { readSections } from "../../host/wasm/sections.js";
import { seededBytes } from "../support/probes.js";
import { codeOf, openPolicy, signedProbe, testKey } from "../support/signing.js";

function tally(codes: Map<string, number>, code: string): void {
  codes.set(code, (codes.get(code) ?? 0) + 1);
}

test("flipping any single byte after the signature section is refused (E_SIGNATURE_INVALID or E_MALFORMED)", async () => {
  const key = await testKey(1);
  const policy = await openPolicy([key]);
  const signed = await signedProbe("latency", [key]);
  assert.is((await verifyProbe(signed, policy)).manifest.name, "latency");
  const start = signedLayout(signed).contentStart;
  const codes = new Map<string, number>();
  const started = performance.now();
  for (let at = start; at < signed.length; at++) {
    const flipped = signed.slice();
    flipped[at] = (signed[at] as number) ^ 0x01;
    const code = await codeOf(() => verifyProbe(flipped, policy));
    assert.ok(code === "E_SIGNATURE_INVALID" || code === "E_MALFORMED", `flip at byte ${at} gave ${code}`);
    tally(codes, code);
  }
  assert.is(
    [...codes.values()].reduce((a, b) => a + b, 0),
    signed.length - start,
  );
  // Most flips keep the structure and must be caught by the hash, not by the parser.
  assert.ok((codes.get("E_SIGNATURE_INVALID") ?? 0) > (signed.length - start) / 2, JSON.stringify([...codes]));
  assert.ok(performance.now() - started < 10_000, "the sweep must stay fast");
});

test("flipping any byte of the signature section itself is refused with a typed code", async () => {
  const key = await testKey(1);
  const policy = await openPolicy([key]);
  const signed = await signedProbe("latency", [key]);
  const end = signedLayout(signed).contentStart;
  const allowed = new Set(["E_MALFORMED", "E_UNSUPPORTED", "E_UNSIGNED", "E_SIGNATURE_INVALID", "E_KEY_UNKNOWN"]);
  for (let at = 8; at < end; at++) {
    const flipped = signed.slice();
    flipped[at] = (signed[at] as number) ^ 0x01;
    const code = await codeOf(() => verifyProbe(flipped, policy));
    assert.ok(allowed.has(code), `flip at byte ${at} gave ${code}`);
  }
});

test("every truncation is refused: E_MALFORMED mid-section, and never accepted at a section boundary", async () => {
  const key = await testKey(1);
  const policy = await openPolicy([key]);
  const signed = await signedProbe("latency", [key]);
  const boundaries = new Set(readSections(signed).map((s) => s.end));
  for (let length = 0; length < signed.length; length++) {
    const code = await codeOf(() => verifyProbe(signed.subarray(0, length), policy));
    if (length === 8) assert.is(code, "E_UNSIGNED");
    else if (boundaries.has(length)) assert.is(code, "E_SIGNATURE_INVALID", `cut at ${length}`);
    else assert.is(code, "E_MALFORMED", `cut at ${length}`);
  }
});

test("random bytes give E_MALFORMED; random bytes behind a preamble only ever give typed errors", async () => {
  const key = await testKey(1);
  const policy = await openPolicy([key]);
  const typed = new Set(["E_MALFORMED", "E_UNSIGNED", "E_UNSUPPORTED"]);
  for (let seed = 1; seed <= 1500; seed++) {
    const noise = seededBytes(seed, 1 + (seed % 300));
    assert.is(await codeOf(() => verifyProbe(noise, policy)), "E_MALFORMED", `seed ${seed}`);
    const withPreamble = new Uint8Array(8 + noise.length);
    withPreamble.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    withPreamble.set(noise, 8);
    const code = await codeOf(() => verifyProbe(withPreamble, policy));
    assert.ok(typed.has(code), `seed ${seed} gave ${code}`);
  }
});

test("random signature data in a `signature` section is E_MALFORMED or E_UNSUPPORTED, never a crash", async () => {
  const key = await testKey(1);
  const policy = await openPolicy([key]);
  const content = (await signedProbe("latency", [])).subarray(8);
  for (let seed = 1; seed <= 800; seed++) {
    const noise = seededBytes(seed, 1 + (seed % 200));
    // Half the cases start like real signature data so the decoder gets past the header.
    if (seed % 2 === 0) noise.set([1, 1, 1].slice(0, noise.length));
    const section = encodeCustomSection("signature", noise);
    const bytes = new Uint8Array(8 + section.length + content.length);
    bytes.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    bytes.set(section, 8);
    bytes.set(content, 8 + section.length);
    const code = await codeOf(() => verifyProbe(bytes, policy));
    assert.ok(code === "E_MALFORMED" || code === "E_UNSUPPORTED" || code === "E_UNSIGNED", `seed ${seed} gave ${code}`);
  }
});

test("a file stuffed with 64 x 256 key-less bogus signatures is refused quickly (verification budget)", async () => {
  const keys = [await testKey(1), await testKey(2), await testKey(3)];
  const policy = await openPolicy(keys);
  const unsigned = await signedProbe("latency", []);
  const hash = await sha256(unsigned.subarray(8));
  const bogus = { keyId: new Uint8Array(0), algorithm: 1, signature: seededBytes(5, 64) };
  const set = { hashes: [hash], signatures: Array.from({ length: MAX_SIGNATURES }, () => bogus) };
  const payload = encodeSignatureData({
    specVersion: 1,
    contentType: 1,
    hashFunction: 1,
    sets: Array.from({ length: MAX_SETS }, () => set),
  });
  const stuffed = attachSignature(unsigned, payload);
  const started = performance.now();
  const error = await verifyProbe(stuffed, policy).catch((e: Error) => e);
  const took = performance.now() - started;
  assert.is((error as { code?: string }).code, "E_SIGNATURE_INVALID");
  // Unbounded, this is 16384 signatures x 3 keys of Ed25519 (seconds); the budget caps it at 64 verifications.
  assert.ok(took < 1500, `took ${took.toFixed(0)} ms`);
  // Everything past the budget is reported as skipped, never as valid: stuffing can make a file fail, not pass.
  const report = await checkSignatures(stuffed, [keys[0]!.publicKey]);
  assert.ok(report.checks.filter((c) => c.status === "skipped").length > 16000);
});

test("the verified bytes are a private copy: changing the caller's buffer afterwards changes nothing", async () => {
  const key = await testKey(1);
  const policy = await openPolicy([key]);
  const signed = await signedProbe("latency", [key]);
  const verified = await verifyProbe(signed, policy);
  const before = [...verified.bytes];
  signed.fill(0);
  assert.equal([...verified.bytes], before);
});

test.run();
