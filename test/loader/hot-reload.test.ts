/**
 * Verify-then-load with a real runtime: a bundle loads all its probes or
 * none, a refused bundle leaves the running set and the recorded versions
 * untouched, and a hot reload under concurrent requests never lets a request
 * see a mix of the old and new probe sets.
 */
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TrustedLoader } from "../../host/runtime/loader.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { createBundle } from "../../host/trust/bundle/create.js";
import type { SecretKey } from "../../host/trust/signature/keys.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { MemoryVersionLedger } from "../../host/trust/versions.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { codeOf, openPolicy, testKey, withManifest } from "../support/signing.js";

const NAMES = ["latency", "sampler", "slow-detector"];

/** Bundle "edge" at `version`, every probe's manifest at the same version, all signed by `key`. */
async function edge(version: string, key: SecretKey, extra: Uint8Array[] = []): Promise<Uint8Array> {
  const probes = [];
  for (const name of NAMES) probes.push((await signModule(await withManifest(name, { version }), key)).bytes);
  return createBundle({ name: "edge", version, probes: [...probes, ...extra] }, key);
}

async function setup() {
  const key = await testKey(1);
  const versions = new MemoryVersionLedger();
  const policy = await openPolicy([key], { versions });
  const tracing = memoryTracing();
  const runtime = new ProbeRuntime({ tracerProvider: tracing.provider });
  return { key, versions, policy, tracing, runtime, loader: new TrustedLoader({ runtime, policy }) };
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** The probe set one request saw: the versions of the tracers its spans came from. */
function versionsByTrace(spans: readonly ReadableSpan[]): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const span of spans) {
    const id = span.spanContext().traceId;
    const scope = span.instrumentationScope;
    seen.set(id, [...(seen.get(id) ?? []), `${scope.name}@${scope.version}`]);
  }
  return seen;
}

test("a bundle loads all its probes; a bundle with one probe the runtime refuses changes nothing", async () => {
  const { key, versions, loader, runtime } = await setup();
  const v1 = await loader.loadBundle(await edge("1.0.0", key));
  assert.equal(
    v1.probes.map((p) => `${p.name}@${p.version}`),
    NAMES.map((n) => `${n}@1.0.0`),
  );
  // Signed, granted, but importing outside the probe world: verification passes, admission refuses it.
  const hostile = (await signModule(await probeBytes("hostile", "forbidden-import"), key)).bytes;
  const bad = await edge("2.0.0", key, [hostile]);
  assert.is(await codeOf(() => loader.loadBundle(bad)), "E_IMPORT_NOT_ALLOWED");
  assert.equal(
    runtime.probes().map((p) => `${p.name}@${p.version}`),
    NAMES.map((n) => `${n}@1.0.0`),
  );
  assert.is(versions.get("bundle", "edge"), "1.0.0");
  assert.is(loader.bundle?.version, "1.0.0");
  // A tampered bundle is refused before anything is compiled, with the same guarantee.
  const tampered = (await edge("2.0.0", key)).slice();
  tampered[tampered.length - 10] = (tampered[tampered.length - 10] as number) ^ 1;
  assert.is(await codeOf(() => loader.loadBundle(tampered)), "E_SIGNATURE_INVALID");
  assert.equal(
    runtime.probes().map((p) => p.version),
    ["1.0.0", "1.0.0", "1.0.0"],
  );
});

test("hot reload under concurrent requests: every request sees exactly one whole set, old or new", async () => {
  const { key, loader, runtime, tracing } = await setup();
  await loader.loadBundle(await edge("1.0.0", key));
  const next = await edge("2.0.0", key);
  const delay = (i: number) => new Promise((resolve) => setTimeout(resolve, i % 3));
  let reloaded = false;
  const request = async (i: number) => {
    // Critical route + 500: latency, sampler and slow-detector each emit one span.
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: hex(i + 1, 32),
      spanId: hex(i + 1, 16),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const scope = runtime.begin({ parent, method: "POST", route: "/checkout/pay" });
    const begunOn = runtime.probes()[0]?.version;
    await delay(i);
    scope.request();
    await delay(i + 1);
    scope.response(500);
    scope.end();
    assert.equal(scope.failures, []);
    const endedOn = runtime.probes()[0]?.version;
    return { traceId: hex(i + 1, 32), begunOn, endedOn };
  };
  const inFlight: Promise<{ traceId: string; begunOn?: string; endedOn?: string } | undefined>[] = [];
  for (let i = 0; i < 120; i++) {
    inFlight.push(request(i));
    if (i === 40) {
      inFlight.push(
        loader.loadBundle(next).then(() => {
          reloaded = true;
          return undefined;
        }),
      );
    }
    if (i % 10 === 0) await delay(i);
  }
  // Keep dispatching after the swap so both sets are exercised.
  while (!reloaded) await delay(1);
  for (let i = 120; i < 160; i++) inFlight.push(request(i));
  const requests = (await Promise.all(inFlight)).filter((r) => r !== undefined);

  const seen = versionsByTrace(tracing.spans());
  assert.is(seen.size, 160, "every request produced spans");
  const sets = new Map<string, number>();
  for (const [traceId, scopes] of seen) {
    const names = scopes.map((s) => s.split("@")[0]).sort();
    assert.equal(names, [...NAMES].sort(), `trace ${traceId} saw a partial set: ${scopes}`);
    const setVersions = new Set(scopes.map((s) => s.split("@")[1]));
    assert.is(setVersions.size, 1, `trace ${traceId} saw a mixed set: ${scopes}`);
    const version = [...setVersions][0] as string;
    sets.set(version, (sets.get(version) ?? 0) + 1);
  }
  assert.ok((sets.get("1.0.0") ?? 0) > 0 && (sets.get("2.0.0") ?? 0) > 0, JSON.stringify([...sets]));
  // Each request ran on exactly the set that was loaded when it began, even when the swap came mid-request.
  for (const r of requests) {
    assert.equal(
      seen.get(r.traceId)?.map((s) => s.split("@")[1]),
      [r.begunOn, r.begunOn, r.begunOn],
    );
  }
  assert.ok(
    requests.some((r) => r.begunOn === "1.0.0" && r.endedOn === "2.0.0"),
    "some requests must straddle the swap",
  );
  assert.ok(requests.slice(-40).every((r) => r.begunOn === "2.0.0"));
  assert.equal(
    runtime.probes().map((p) => p.version),
    ["2.0.0", "2.0.0", "2.0.0"],
  );
});

test("concurrent reloads are serialised: an older bundle racing a newer one is E_ROLLBACK, the newer stays", async () => {
  const { key, loader, runtime, versions } = await setup();
  await loader.loadBundle(await edge("1.0.0", key));
  const [v3, v2] = [await edge("3.0.0", key), await edge("2.0.0", key)];
  const newer = loader.loadBundle(v3);
  const older = loader.loadBundle(v2);
  assert.is((await newer).version, "3.0.0");
  assert.is(await codeOf(() => older), "E_ROLLBACK");
  assert.is(versions.get("bundle", "edge"), "3.0.0");
  assert.equal(
    runtime.probes().map((p) => p.version),
    ["3.0.0", "3.0.0", "3.0.0"],
  );
});

test("loadProbe verifies one probe before loading it, and records its version", async () => {
  const { key, loader, runtime, versions } = await setup();
  const stranger = await testKey(9);
  const unknown = (await signModule(await probeBytes("examples", "latency"), stranger)).bytes;
  assert.is(await codeOf(() => loader.loadProbe(unknown)), "E_KEY_UNKNOWN");
  assert.equal(runtime.probes(), []);
  const unsigned = await probeBytes("examples", "latency");
  const { signature } = await signModule(unsigned, key, { detached: true });
  assert.is((await loader.loadProbe(unsigned, { signature })).name, "latency");
  assert.is(versions.get("probe", "latency"), "1.0.0");
});

test.run();
