// Secure by default: a runtime loads no probe bytes it cannot verify. The
// README's first example (`new ProbeRuntime()` then `load(bytes)`) refuses an
// unsigned probe with a typed error; `insecureAllowUnsigned: true` is the one
// explicit development opt-in, which warns once, grants nothing the manifest
// does not ask for, and shows in probes() and stats().
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTrustPolicy, ProbeRuntime, verifyProbe } from "../../host/index.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { codeOf, openPolicy, signedProbe, testKey, withManifest } from "../support/signing.js";

const key = await testKey(130);
const stranger = await testKey(131);

test("the README's first example refuses an unsigned probe: E_UNSIGNED, nothing loaded", async () => {
  const runtime = new ProbeRuntime();
  assert.is(await codeOf(async () => runtime.load(await probeBytes("examples", "latency"))), "E_UNSIGNED");
  assert.equal(runtime.probes(), []);
  assert.is(runtime.insecureAllowUnsigned, false);
});

test("without a trust policy a signed probe is refused too: no key is trusted (E_KEY_UNKNOWN)", async () => {
  const runtime = new ProbeRuntime();
  assert.is(await codeOf(async () => runtime.load(await signedProbe("latency", [key]))), "E_KEY_UNKNOWN");
  assert.equal(runtime.probes(), []);
});

test("with a trust policy: signed by a trusted key loads (verified), unsigned or foreign-signed are refused", async () => {
  const runtime = new ProbeRuntime({ trust: await openPolicy([key]), tracerProvider: memoryTracing().provider });
  const info = await runtime.load(await signedProbe("latency", [key]));
  assert.is(info.verified, true);
  assert.is(runtime.stats().latency?.verified, true);
  assert.is(await codeOf(async () => runtime.load(await probeBytes("examples", "sampler"))), "E_UNSIGNED");
  assert.is(await codeOf(async () => runtime.load(await signedProbe("sampler", [stranger]))), "E_KEY_UNKNOWN");
  assert.equal(
    runtime.probes().map((p) => p.name),
    ["latency"],
  );
});

test("the runtime's own policy grants capabilities and keeps the rollback ledger", async () => {
  const stingy = await createTrustPolicy({ keys: [{ publicKey: key.publicKey }] });
  const denied = new ProbeRuntime({ trust: stingy });
  // latency asks for http.method etc.; this policy grants nothing.
  assert.is(await codeOf(async () => denied.load(await signedProbe("latency", [key]))), "E_CAPABILITY_DENIED");

  const runtime = new ProbeRuntime({ trust: await openPolicy([key]), tracerProvider: memoryTracing().provider });
  const newer = (await signModule(await withManifest("latency", { version: "2.0.0" }), key)).bytes;
  const older = (await signModule(await withManifest("latency", { version: "1.5.0" }), key)).bytes;
  await runtime.load(newer);
  assert.is(await codeOf(() => runtime.load(older)), "E_ROLLBACK", "an older version than one loaded is refused");
  assert.is(runtime.probes()[0]?.version, "2.0.0");
});

test("insecureAllowUnsigned loads unsigned probes, warns once, and says so in probes() and stats()", async () => {
  const warnings: string[] = [];
  const runtime = new ProbeRuntime({
    insecureAllowUnsigned: true,
    onWarning: (m) => warnings.push(m),
    tracerProvider: memoryTracing().provider,
  });
  await runtime.load(await probeBytes("examples", "latency"));
  await runtime.load(await probeBytes("examples", "sampler"));
  assert.is(warnings.length, 1, "one warning per runtime");
  assert.match(warnings[0] ?? "", /insecureAllowUnsigned/);
  assert.is(runtime.insecureAllowUnsigned, true);
  assert.ok(runtime.probes().every((p) => p.verified === false));
  assert.is(runtime.stats().latency?.verified, false);
});

test("insecureAllowUnsigned grants no capability the manifest does not request", async () => {
  const runtime = new ProbeRuntime({ insecureAllowUnsigned: true, onWarning: () => {} });
  // latency imports http.method; a manifest without that capability is refused at admission.
  const stripped = await withManifest("latency", { capabilities: ["http.route", "http.status", "http.received-at"] });
  assert.is(await codeOf(() => runtime.load(stripped)), "E_IMPORT_NOT_ALLOWED");
});

test("insecureAllowUnsigned does not excuse a signature that fails: tampered bytes are refused", async () => {
  const runtime = new ProbeRuntime({
    insecureAllowUnsigned: true,
    onWarning: () => {},
    trust: await openPolicy([key]),
  });
  const signed = await signedProbe("latency", [key]);
  const tampered = signed.slice();
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
  assert.is(await codeOf(() => runtime.load(tampered)), "E_SIGNATURE_INVALID");
  // A validly signed probe still goes through verification and is marked verified.
  assert.is((await runtime.load(signed)).verified, true);
});

test("an object shaped like a VerifiedProbe is not one: E_UNSIGNED", async () => {
  const policy = await openPolicy([key]);
  const real = await verifyProbe(await signedProbe("latency", [key]), policy);
  const forged = { ...real, bytes: await probeBytes("examples", "latency") };
  const runtime = new ProbeRuntime();
  assert.is(await codeOf(() => runtime.load(forged)), "E_UNSIGNED");
  assert.is((await runtime.load(real)).verified, true, "the real one loads without the runtime's own policy");
});

test.run();
