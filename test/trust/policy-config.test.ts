/**
 * A trust policy that could never work, or that is ambiguous, is refused
 * when it is created (E_POLICY), not discovered at the first load.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTrustPolicy, type TrustPolicyConfig } from "../../host/trust/policy.js";
import { encodePublicKey, publicKeyToPem } from "../../host/trust/signature/keys.js";
import type { Capability } from "../../host/world/manifest.js";
import { codeOf, testKey } from "../support/signing.js";

test("keys load from decoded keys, wasmsign2 raw files and PEM text alike", async () => {
  const [a, b, c] = [await testKey(1), await testKey(2), await testKey(3)];
  const policy = await createTrustPolicy({
    keys: [
      { publicKey: a.publicKey },
      { publicKey: encodePublicKey(b.publicKey), name: "raw" },
      { publicKey: publicKeyToPem(c.publicKey), name: "pem" },
    ],
    threshold: 3,
  });
  assert.equal(
    policy.keys.map((k) => k.publicKey.keyIdHex),
    [a, b, c].map((k) => k.publicKey.keyIdHex),
  );
  assert.equal(
    policy.keys.map((k) => k.name),
    [a.publicKey.keyIdHex, "raw", "pem"],
  );
});

test("impossible or ambiguous policies are E_POLICY; bad key bytes are E_KEY_INVALID", async () => {
  const [a, b] = [await testKey(1), await testKey(2)];
  const cases: [string, TrustPolicyConfig, string][] = [
    ["threshold above the key count", { keys: [{ publicKey: a.publicKey }], threshold: 2 }, "E_POLICY"],
    [
      "threshold counting a revoked key",
      { keys: [{ publicKey: a.publicKey }, { publicKey: b.publicKey, revoked: true }], threshold: 2 },
      "E_POLICY",
    ],
    ["zero threshold", { keys: [{ publicKey: a.publicKey }], threshold: 0 }, "E_POLICY"],
    ["fractional threshold", { keys: [{ publicKey: a.publicKey }], threshold: 1.5 }, "E_POLICY"],
    ["no keys", { keys: [] }, "E_POLICY"],
    ["same key twice", { keys: [{ publicKey: a.publicKey }, { publicKey: a.publicKey }] }, "E_POLICY"],
    ["bad scope", { keys: [{ publicKey: a.publicKey, scopes: ["Latency!"] }] }, "E_POLICY"],
    ["wildcard in the middle", { keys: [{ publicKey: a.publicKey, scopes: ["a*b"] }] }, "E_POLICY"],
    [
      "unknown capability",
      { keys: [{ publicKey: a.publicKey }], grants: { x: { capabilities: ["fs.read" as Capability] } } },
      "E_POLICY",
    ],
    ["bad header", { keys: [{ publicKey: a.publicKey }], grants: { x: { headers: ["X-Upper"] } } }, "E_POLICY"],
    ["prefix grant", { keys: [{ publicKey: a.publicKey }], grants: { "lat*": {} } }, "E_POLICY"],
    ["bad revoked id", { keys: [{ publicKey: a.publicKey }], revokedKeyIds: ["not-hex"] }, "E_POLICY"],
    ["bad key bytes", { keys: [{ publicKey: new Uint8Array(5) }] }, "E_KEY_INVALID"],
  ];
  for (const [what, config, code] of cases) assert.is(await codeOf(() => createTrustPolicy(config)), code, what);
});

test.run();
