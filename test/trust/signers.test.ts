/**
 * Who may sign: "any of" and "at least N of" thresholds over distinct
 * trusted keys, revoked keys (listed, or known only by key id), per-key
 * scopes, unknown keys. Each refusal has its own code.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTrustPolicy } from "../../host/trust/policy.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { verifyProbe } from "../../host/trust/verify-probe.js";
import { probeBytes } from "../support/probes.js";
import { codeOf, openPolicy, signedProbe, testKey } from "../support/signing.js";

test("any of: one trusted signer is enough, and the verified probe names it", async () => {
  const [a, b] = [await testKey(1), await testKey(2)];
  const policy = await openPolicy([a, b]);
  const verified = await verifyProbe(await signedProbe("latency", [b]), policy);
  assert.equal(verified.signers, [{ name: b.publicKey.keyIdHex, keyId: b.publicKey.keyIdHex }]);
  assert.is(verified.manifest.version, "1.0.0");
});

test("at least 2 of 3: one signer is E_THRESHOLD, two distinct signers pass, the same key twice counts once", async () => {
  const [a, b, c] = [await testKey(1), await testKey(2), await testKey(3)];
  const policy = await openPolicy([a, b, c], { threshold: 2 });
  const one = await signedProbe("latency", [a]);
  assert.is(await codeOf(() => verifyProbe(one, policy)), "E_THRESHOLD");
  const verified = await verifyProbe(await signedProbe("latency", [a, c]), policy);
  assert.equal(verified.signers.map((s) => s.keyId).sort(), [a.publicKey.keyIdHex, c.publicKey.keyIdHex].sort());
  // The same key again, with a different key id, is still one key.
  const dup = (await signModule(one, a, { keyId: "none" })).bytes;
  assert.is(await codeOf(() => verifyProbe(dup, policy)), "E_THRESHOLD");
});

test("a revoked key's signature never counts: E_KEY_REVOKED alone, ignored next to a good signer", async () => {
  const [a, b] = [await testKey(1), await testKey(2)];
  const policy = await createTrustPolicy({
    keys: [{ publicKey: a.publicKey, revoked: true }, { publicKey: b.publicKey }],
    grants: { latency: { capabilities: ["http.method", "http.route", "http.status", "http.received-at"] } },
  });
  assert.is(await codeOf(async () => verifyProbe(await signedProbe("latency", [a]), policy)), "E_KEY_REVOKED");
  const both = await verifyProbe(await signedProbe("latency", [a, b]), policy);
  assert.equal(
    both.signers.map((s) => s.keyId),
    [b.publicKey.keyIdHex],
  );
});

test("a key revoked by id only (the operator no longer has the key) is E_KEY_REVOKED, not unknown", async () => {
  const [a, b] = [await testKey(1), await testKey(2)];
  const policy = await openPolicy([b], { revokedKeyIds: [a.publicKey.keyIdHex] });
  assert.is(await codeOf(async () => verifyProbe(await signedProbe("latency", [a]), policy)), "E_KEY_REVOKED");
  // Revoking a listed key by id works the same way.
  const listed = await openPolicy([a, b], { revokedKeyIds: [a.publicKey.keyIdHex.toUpperCase()] });
  assert.is(await codeOf(async () => verifyProbe(await signedProbe("latency", [a]), listed)), "E_KEY_REVOKED");
});

test("scopes: a key may sign only the names it is scoped to (exact or prefix*)", async () => {
  const [a, b] = [await testKey(1), await testKey(2)];
  const policy = await openPolicy([], {
    keys: [
      { name: "team-latency", publicKey: a.publicKey, scopes: ["latency"] },
      { name: "team-s", publicKey: b.publicKey, scopes: ["s*"] },
    ],
  });
  assert.ok(await verifyProbe(await signedProbe("latency", [a]), policy));
  assert.is(await codeOf(async () => verifyProbe(await signedProbe("sampler", [a]), policy)), "E_KEY_OUT_OF_SCOPE");
  assert.ok(await verifyProbe(await signedProbe("sampler", [b]), policy));
  assert.ok(await verifyProbe(await signedProbe("slow-detector", [b]), policy));
  assert.is(await codeOf(async () => verifyProbe(await signedProbe("latency", [b]), policy)), "E_KEY_OUT_OF_SCOPE");
  const error = await verifyProbe(await signedProbe("sampler", [a]), policy).catch((e: Error) => e);
  assert.match(String((error as Error).message), /team-latency/);
});

test("out-of-scope signers do not count toward a threshold", async () => {
  const [a, b] = [await testKey(1), await testKey(2)];
  const policy = await openPolicy([], {
    threshold: 2,
    keys: [
      { publicKey: a.publicKey, scopes: ["*"] },
      { publicKey: b.publicKey, scopes: ["sampler"] },
    ],
  });
  assert.is(await codeOf(async () => verifyProbe(await signedProbe("latency", [a, b]), policy)), "E_THRESHOLD");
  assert.ok(await verifyProbe(await signedProbe("sampler", [a, b]), policy));
});

test("signed only by keys the store does not know: E_KEY_UNKNOWN; unsigned: E_UNSIGNED", async () => {
  const [a, stranger] = [await testKey(1), await testKey(9)];
  const policy = await openPolicy([a]);
  assert.is(await codeOf(async () => verifyProbe(await signedProbe("latency", [stranger]), policy)), "E_KEY_UNKNOWN");
  assert.is(await codeOf(async () => verifyProbe(await probeBytes("examples", "latency"), policy)), "E_UNSIGNED");
});

test("a detached signature is accepted by verifyProbe when given", async () => {
  const a = await testKey(1);
  const policy = await openPolicy([a]);
  const unsigned = await probeBytes("examples", "latency");
  const { signature } = await signModule(unsigned, a, { detached: true });
  const verified = await verifyProbe(unsigned, policy, { signature });
  assert.is(verified.manifest.name, "latency");
  assert.is(await codeOf(() => verifyProbe(unsigned, policy)), "E_UNSIGNED");
});

test.run();
