/**
 * Signed bundles: created from signed probes, verified as a whole (bundle
 * signature, index, every probe) and per probe, co-signed for thresholds,
 * refused all-or-nothing when any single probe fails the policy.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { assembleUnsignedBundle, createBundle } from "../../host/trust/bundle/create.js";
import { parseBundle } from "../../host/trust/bundle/format.js";
import { verifyBundle } from "../../host/trust/bundle/verify.js";
import { recordAccepted } from "../../host/trust/record.js";
import { sha256 } from "../../host/trust/signature/bytes.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { verifyModule } from "../../host/trust/signature/verify.js";
import { verifyProbe } from "../../host/trust/verify-probe.js";
import { MemoryVersionLedger } from "../../host/trust/versions.js";
import { toHex } from "../../host/wasm/bytes.js";
import { probeBytes } from "../support/probes.js";
import { codeOf, openPolicy, signedProbe, testKey } from "../support/signing.js";

const NAMES = ["latency", "sampler", "slow-detector"];

async function examples(keys: Parameters<typeof signedProbe>[1]): Promise<Uint8Array[]> {
  return Promise.all(NAMES.map((n) => signedProbe(n, keys)));
}

test("a bundle verifies as a whole: index names, versions and digests match every probe, in order", async () => {
  const a = await testKey(1);
  const probes = await examples([a]);
  const bundle = await createBundle({ name: "edge", version: "1.0.0", probes }, a);
  const verified = await verifyBundle(bundle, await openPolicy([a]));
  assert.is(verified.name, "edge");
  assert.is(verified.version, "1.0.0");
  assert.equal(
    verified.probes.map((p) => p.manifest.name),
    NAMES,
  );
  assert.equal(verified.signers, [{ name: a.publicKey.keyIdHex, keyId: a.publicKey.keyIdHex }]);
  const parsed = parseBundle(bundle);
  for (const [i, probe] of parsed.probes.entries()) {
    assert.equal([...probe.bytes], [...(probes[i] as Uint8Array)]);
    assert.is(probe.entry.sha256, toHex(await sha256(probes[i] as Uint8Array)));
    assert.is(verified.probes[i]?.digest, probe.entry.sha256);
  }
  assert.is(verified.digest, toHex(await sha256(bundle)));
});

test("per probe: each carried probe is the signed file itself and verifies on its own", async () => {
  const a = await testKey(1);
  const bundle = await createBundle({ name: "edge", version: "1.0.0", probes: await examples([a]) }, a);
  const policy = await openPolicy([a]);
  for (const probe of parseBundle(bundle).probes) {
    assert.is((await verifyProbe(probe.bytes, policy)).manifest.name, probe.entry.name);
  }
  // The bundle is a module of custom sections: its signature is an ordinary signature section.
  assert.ok(await verifyModule(bundle, [a.publicKey]));
});

test("all or nothing: one probe signed by an unknown key refuses the whole bundle, naming the probe", async () => {
  const [a, stranger] = [await testKey(1), await testKey(9)];
  const probes = [
    await signedProbe("latency", [a]),
    await signedProbe("sampler", [stranger]),
    await signedProbe("slow-detector", [a]),
  ];
  const bundle = await createBundle({ name: "edge", version: "1.0.0", probes }, a);
  const error = await verifyBundle(bundle, await openPolicy([a])).catch((e: unknown) => e);
  assert.is((error as { code?: string }).code, "E_KEY_UNKNOWN");
  assert.match((error as Error).message, /bundle "edge", probe "sampler"/);
  assert.is((error as { detail: { probe?: string } }).detail.probe, "sampler");
});

test("all or nothing: one probe asking for an ungranted capability refuses the bundle", async () => {
  const a = await testKey(1);
  const bundle = await createBundle({ name: "edge", version: "1.0.0", probes: await examples([a]) }, a);
  const policy = await openPolicy([a], {
    grants: {
      latency: { capabilities: ["http.method", "http.route", "http.status", "http.received-at"] },
      sampler: { capabilities: ["http.route"] },
    },
  });
  const error = await verifyBundle(bundle, policy).catch((e: unknown) => e);
  assert.is((error as { code?: string }).code, "E_CAPABILITY_DENIED");
  assert.is((error as { detail: { probe?: string } }).detail.probe, "slow-detector");
});

test("the bundle signature obeys the policy: threshold by co-signing, scope on the bundle name", async () => {
  const [a, b] = [await testKey(1), await testKey(2)];
  const probes = await examples([a, b]);
  const once = await createBundle({ name: "edge", version: "1.0.0", probes }, a);
  const two = await openPolicy([a, b], { threshold: 2 });
  assert.is(await codeOf(() => verifyBundle(once, two)), "E_THRESHOLD");
  const cosigned = (await signModule(once, b)).bytes;
  assert.is((await verifyBundle(cosigned, two)).signers.length, 2);

  const scoped = await openPolicy([], {
    keys: [
      { publicKey: a.publicKey, scopes: ["latency", "sampler", "slow-detector"] },
      { publicKey: b.publicKey, scopes: ["edge"] },
    ],
  });
  assert.is(await codeOf(() => verifyBundle(once, scoped)), "E_KEY_OUT_OF_SCOPE");
  const byB = await createBundle({ name: "edge", version: "1.0.0", probes: await examples([a]) }, b);
  assert.ok(await verifyBundle(byB, scoped));
});

test("bundle rollback: an older bundle version than the recorded one is E_ROLLBACK, and so is an older probe inside a newer bundle", async () => {
  const a = await testKey(1);
  const versions = new MemoryVersionLedger();
  const policy = await openPolicy([a], { versions });
  const probes = await examples([a]);
  const v2 = await createBundle({ name: "edge", version: "2.0.0", probes }, a);
  const v1 = await createBundle({ name: "edge", version: "1.0.0", probes }, a);
  recordAccepted(policy, await verifyBundle(v2, policy));
  assert.is(versions.get("bundle", "edge"), "2.0.0");
  assert.is(versions.get("probe", "latency"), "1.0.0");
  assert.is(await codeOf(() => verifyBundle(v1, policy)), "E_ROLLBACK");
  versions.set("probe", "sampler", "3.0.0");
  const v3 = await createBundle({ name: "edge", version: "3.0.0", probes }, a);
  const error = await verifyBundle(v3, policy).catch((e: unknown) => e);
  assert.is((error as { code?: string }).code, "E_ROLLBACK");
  assert.is((error as { detail: { probe?: string } }).detail.probe, "sampler");
});

test("bundling refuses unsigned probes and duplicate names", async () => {
  const a = await testKey(1);
  const unsigned = await probeBytes("examples", "latency");
  assert.is(
    await codeOf(() => assembleUnsignedBundle({ name: "edge", version: "1.0.0", probes: [unsigned] })),
    "E_UNSIGNED",
  );
  const signed = await signedProbe("latency", [a]);
  assert.is(
    await codeOf(() => assembleUnsignedBundle({ name: "edge", version: "1.0.0", probes: [signed, signed] })),
    "E_MALFORMED",
  );
  assert.is(
    await codeOf(() => assembleUnsignedBundle({ name: "Edge!", version: "1.0.0", probes: [signed] })),
    "E_MALFORMED",
  );
});

test.run();
