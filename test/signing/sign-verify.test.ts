/**
 * Sign -> verify round trips for modules and a real component (jco), several
 * signers in one set, detached signatures and their equivalence with the
 * embedded section, and wasmsign2's re-encoding of section sizes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeSignatureData } from "../../host/trust/signature/format.js";
import { generateKeyPair } from "../../host/trust/signature/keys.js";
import { signedLayout } from "../../host/trust/signature/layout.js";
import { attachSignature, detachSignature, signModule } from "../../host/trust/signature/sign.js";
import { checkSignatures, verifyModule } from "../../host/trust/signature/verify.js";
import { concatBytes, encodeCustomSection } from "../../host/wasm/encode.js";
import { binaryKind, readSections } from "../../host/wasm/sections.js";
import { probeBytes } from "../support/probes.js";
import { codeOf, testKey } from "../support/signing.js";

test("a signed module keeps every byte after the preamble and verifies with the signer's key only", async () => {
  const unsigned = await probeBytes("examples", "latency");
  const key = await testKey(1);
  const other = await testKey(2);
  const { bytes } = await signModule(unsigned, key);
  const [first] = readSections(bytes);
  assert.is(first?.name, "signature");
  assert.equal([...bytes.subarray((first?.end ?? 0) as number)], [...unsigned.subarray(8)]);
  const report = await verifyModule(bytes, [key.publicKey]);
  assert.equal(report.signers, [key.publicKey]);
  assert.is(await codeOf(() => verifyModule(bytes, [other.publicKey])), "E_KEY_UNKNOWN");
  assert.is(await codeOf(() => verifyModule(unsigned, [key.publicKey])), "E_UNSIGNED");
});

test("a component from `jco new` signs and verifies, and a changed byte in it is refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sandprobe-sign-"));
  try {
    const jco = join("node_modules", ".bin", "jco");
    const embedded = join(dir, "embedded.wasm");
    const component = join(dir, "component.wasm");
    const common = { stdio: "pipe" as const, timeout: 60_000 };
    execFileSync(
      jco,
      [
        "embed",
        "build/probes/examples/latency.wasm",
        "--wit",
        "wit",
        "--world-name",
        "probe",
        "--string-encoding",
        "utf16",
        "-o",
        embedded,
      ],
      common,
    );
    execFileSync(jco, ["new", embedded, "-o", component], common);
    const bytes = new Uint8Array(readFileSync(component));
    assert.is(binaryKind(bytes), "component");
    const key = await testKey(1);
    const signed = (await signModule(bytes, key)).bytes;
    assert.equal([...signed.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
    const report = await verifyModule(signed, [key.publicKey]);
    assert.is(report.kind, "component");
    const tampered = signed.slice();
    tampered[tampered.length - 40] = (signed[signed.length - 40] as number) ^ 0x01;
    assert.is(await codeOf(() => verifyModule(tampered, [key.publicKey])), "E_SIGNATURE_INVALID");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("signing a signed module adds a signature to the same set; each key verifies; re-signing is a no-op", async () => {
  const a = await testKey(1);
  const b = await testKey(2);
  const once = await signModule(await probeBytes("examples", "latency"), a);
  const twice = await signModule(once.bytes, b);
  const data = decodeSignatureData(twice.signature);
  assert.is(data.sets.length, 1);
  assert.is(data.sets[0]?.signatures.length, 2);
  assert.equal((await verifyModule(twice.bytes, [a.publicKey])).signers, [a.publicKey]);
  assert.equal((await verifyModule(twice.bytes, [b.publicKey])).signers, [b.publicKey]);
  assert.equal((await verifyModule(twice.bytes, [b.publicKey, a.publicKey])).signers, [b.publicKey, a.publicKey]);
  const again = await signModule(twice.bytes, a);
  assert.is(again.added, false);
  assert.equal([...again.bytes], [...twice.bytes]);
});

test("without a key id (wasmsign2 sign without -K) a signature is tried against every key", async () => {
  const a = await testKey(1);
  const b = await testKey(2);
  const { bytes, signature } = await signModule(await probeBytes("examples", "latency"), a, { keyId: "none" });
  assert.is(decodeSignatureData(signature).sets[0]?.signatures[0]?.keyId.length, 0);
  const report = await verifyModule(bytes, [b.publicKey, a.publicKey]);
  assert.equal(report.signers, [a.publicKey]);
  assert.is(await codeOf(() => verifyModule(bytes, [b.publicKey])), "E_SIGNATURE_INVALID");
});

test("a detached signature is exactly the embedded section's payload, and attach/detach convert between them", async () => {
  const unsigned = await probeBytes("examples", "latency");
  const key = await testKey(1);
  const embedded = await signModule(unsigned, key);
  const detached = await signModule(unsigned, key, { detached: true });
  assert.equal([...detached.bytes], [...unsigned]);
  assert.equal([...detached.signature], [...embedded.signature]);
  assert.equal((await verifyModule(unsigned, [key.publicKey], { signature: detached.signature })).signers, [
    key.publicKey,
  ]);
  assert.equal([...attachSignature(unsigned, detached.signature)], [...embedded.bytes]);
  const split = detachSignature(embedded.bytes);
  assert.equal([...split.bytes], [...unsigned]);
  assert.equal([...split.signature], [...detached.signature]);
  // A detached signature does not make the module itself signed, and does not fit another module.
  assert.is(await codeOf(() => verifyModule(unsigned, [key.publicKey])), "E_UNSIGNED");
  const other = await probeBytes("examples", "sampler");
  assert.is(
    await codeOf(() => verifyModule(other, [key.publicKey], { signature: detached.signature })),
    "E_SIGNATURE_INVALID",
  );
});

test("a second detached signer extends the previous detached signature", async () => {
  const unsigned = await probeBytes("examples", "latency");
  const a = await testKey(1);
  const b = await testKey(2);
  const first = await signModule(unsigned, a, { detached: true });
  const second = await signModule(unsigned, b, { detached: true, previous: first.signature });
  const report = await checkSignatures(unsigned, [a.publicKey, b.publicKey], { signature: second.signature });
  assert.equal(report.signers, [a.publicKey, b.publicKey]);
});

test("signing re-encodes section sizes as minimal LEB128 (like wasmsign2) and hashes what it writes", async () => {
  const padded = Uint8Array.of(
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    0x01,
    0x84,
    0x80,
    0x80,
    0x80,
    0x00,
    0x01,
    0x60,
    0x00,
    0x00,
  );
  const key = (await generateKeyPair()).secretKey;
  const { bytes } = await signModule(padded, key);
  const layout = signedLayout(bytes);
  assert.equal([...bytes.subarray(layout.contentStart)], [0x01, 0x04, 0x01, 0x60, 0x00, 0x00]);
  await verifyModule(bytes, [key.publicKey]);
});

test("signature_delimiter sections give one hash per part; a later signer over more parts gets its own set", async () => {
  const a = await testKey(1);
  const b = await testKey(2);
  const base = await probeBytes("examples", "latency");
  const delimiter = () => encodeCustomSection("signature_delimiter", crypto.getRandomValues(new Uint8Array(16)));
  const split = concatBytes([base, delimiter()]);
  const first = await signModule(split, a);
  assert.is(decodeSignatureData(first.signature).sets[0]?.hashes.length, 1);
  // Append a part and sign again with another key: a's set now covers only the first part.
  const extended = concatBytes([first.bytes, encodeCustomSection("extra", Uint8Array.of(1, 2, 3)), delimiter()]);
  const second = await signModule(extended, b);
  const data = decodeSignatureData(second.signature);
  assert.equal(
    data.sets.map((s) => s.hashes.length),
    [1, 2],
  );
  const report = await checkSignatures(second.bytes, [a.publicKey, b.publicKey]);
  assert.equal(
    report.checks.map((c) => c.status),
    ["partial", "valid"],
  );
  assert.equal(report.signers, [b.publicKey]);
  assert.is(await codeOf(() => verifyModule(second.bytes, [a.publicKey])), "E_SIGNATURE_INVALID");
});

test("a second `signature` section anywhere but first is refused as malformed", async () => {
  const key = await testKey(1);
  const signed = (await signModule(await probeBytes("examples", "latency"), key)).bytes;
  const smuggled = concatBytes([signed, encodeCustomSection("signature", Uint8Array.of(1, 1, 1, 0))]);
  assert.is(await codeOf(() => verifyModule(smuggled, [key.publicKey])), "E_MALFORMED");
});

test.run();
