/**
 * What a verified probe may do and which versions may load: capability and
 * header grants per probe name, rollback protection that moves only when a
 * load is recorded, and the manifest being covered by the signature.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { recordAccepted } from "../../host/trust/record.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { verifyProbe } from "../../host/trust/verify-probe.js";
import { MemoryVersionLedger } from "../../host/trust/versions.js";
import { concatBytes, encodeCustomSection } from "../../host/wasm/encode.js";
import { readSections } from "../../host/wasm/sections.js";
import { MANIFEST_SECTION } from "../../host/world/manifest.js";
import { probeBytes } from "../support/probes.js";
import { codeOf, openPolicy, signedProbe, testKey, withManifest } from "../support/signing.js";

test('capabilities not granted to the probe\'s name are E_CAPABILITY_DENIED; a named or "*" grant allows them', async () => {
  const a = await testKey(1);
  const signed = await signedProbe("latency", [a]);
  const none = await openPolicy([a], { grants: {} });
  const error = await verifyProbe(signed, none).catch((e: Error) => e);
  assert.is((error as { code?: string }).code, "E_CAPABILITY_DENIED");
  assert.match((error as Error).message, /http\.method/);
  const partial = await openPolicy([a], { grants: { latency: { capabilities: ["http.method", "http.route"] } } });
  assert.is(await codeOf(() => verifyProbe(signed, partial)), "E_CAPABILITY_DENIED");
  const merged = await openPolicy([a], {
    grants: {
      latency: { capabilities: ["http.method", "http.route"] },
      "*": { capabilities: ["http.status", "http.received-at"] },
    },
  });
  assert.ok(await verifyProbe(signed, merged));
  // A grant for another probe's name does not help.
  const other = await openPolicy([a], {
    grants: { sampler: { capabilities: ["http.method", "http.route", "http.status", "http.received-at"] } },
  });
  assert.is(await codeOf(() => verifyProbe(signed, other)), "E_CAPABILITY_DENIED");
});

test("each request header must be granted by name", async () => {
  const a = await testKey(1);
  const unsigned = await withManifest("sampler", {
    capabilities: ["http.route", "http.header"],
    headers: ["x-tenant"],
  });
  const signed = (await signModule(unsigned, a)).bytes;
  const noHeader = await openPolicy([a], { grants: { sampler: { capabilities: ["http.route", "http.header"] } } });
  assert.is(await codeOf(() => verifyProbe(signed, noHeader)), "E_CAPABILITY_DENIED");
  const granted = await openPolicy([a], {
    grants: { sampler: { capabilities: ["http.route", "http.header"], headers: ["x-tenant"] } },
  });
  assert.equal((await verifyProbe(signed, granted)).manifest.headers, ["x-tenant"]);
  const anyHeader = await openPolicy([a], {
    grants: { sampler: { capabilities: ["http.route", "http.header"], headers: ["*"] } },
  });
  assert.ok(await verifyProbe(signed, anyHeader));
});

test("rollback: an older version than the one recorded is E_ROLLBACK; same or newer pass; nothing moves until recorded", async () => {
  const a = await testKey(1);
  const versions = new MemoryVersionLedger();
  const policy = await openPolicy([a], { versions });
  const v1 = (await signModule(await withManifest("latency", { version: "1.0.0" }), a)).bytes;
  const v2 = (await signModule(await withManifest("latency", { version: "1.2.0" }), a)).bytes;
  const verified2 = await verifyProbe(v2, policy);
  // Verification alone records nothing: 1.0.0 still passes.
  assert.ok(await verifyProbe(v1, policy));
  recordAccepted(policy, verified2);
  assert.is(versions.get("probe", "latency"), "1.2.0");
  const error = await verifyProbe(v1, policy).catch((e: Error) => e);
  assert.is((error as { code?: string }).code, "E_ROLLBACK");
  assert.match((error as Error).message, /1\.0\.0 is older than the accepted 1\.2\.0/);
  assert.ok(await verifyProbe(v2, policy));
  // Versions compare numerically, not as text.
  const v10 = (await signModule(await withManifest("latency", { version: "1.10.0" }), a)).bytes;
  assert.ok(await verifyProbe(v10, policy));
});

test("rollback allowed explicitly, for all names or for listed names only", async () => {
  const a = await testKey(1);
  const ledger = () => new MemoryVersionLedger({ probe: { latency: "2.0.0" } });
  const old = await signedProbe("latency", [a]);
  assert.is(await codeOf(async () => verifyProbe(old, await openPolicy([a], { versions: ledger() }))), "E_ROLLBACK");
  assert.ok(await verifyProbe(old, await openPolicy([a], { versions: ledger(), allowRollback: true })));
  assert.ok(await verifyProbe(old, await openPolicy([a], { versions: ledger(), allowRollback: ["latency"] })));
  assert.is(
    await codeOf(async () =>
      verifyProbe(old, await openPolicy([a], { versions: ledger(), allowRollback: ["sampler"] })),
    ),
    "E_ROLLBACK",
  );
});

test("the manifest is covered by the signature: a swapped manifest is refused before it is even read", async () => {
  const a = await testKey(1);
  const policy = await openPolicy([a]);
  const signed = await signedProbe("latency", [a]);
  const sections = readSections(signed);
  const manifest = sections.find((s) => s.name === MANIFEST_SECTION);
  const forged = concatBytes([
    signed.subarray(0, manifest?.start),
    encodeCustomSection(MANIFEST_SECTION, new TextEncoder().encode('{"schema":1,"name":"latency","version":"9.0.0"}')),
  ]);
  assert.is(await codeOf(() => verifyProbe(forged, policy)), "E_SIGNATURE_INVALID");
  // And a signed probe whose manifest is missing or doubled is E_MANIFEST.
  const noManifest = (await signModule(stripManifest(await probeBytes("examples", "latency")), a)).bytes;
  assert.is(await codeOf(() => verifyProbe(noManifest, policy)), "E_MANIFEST");
  const doubled = (await signModule(concatBytes([await probeBytes("examples", "latency"), manifestOf(signed)]), a))
    .bytes;
  assert.is(await codeOf(() => verifyProbe(doubled, policy)), "E_MANIFEST");
});

function stripManifest(bytes: Uint8Array): Uint8Array {
  const sections = readSections(bytes).filter((s) => s.name !== MANIFEST_SECTION);
  return concatBytes([bytes.subarray(0, 8), ...sections.map((s) => bytes.subarray(s.start, s.end))]);
}

function manifestOf(bytes: Uint8Array): Uint8Array {
  const section = readSections(bytes).find((s) => s.name === MANIFEST_SECTION);
  return bytes.subarray(section?.start, section?.end);
}

test.run();
