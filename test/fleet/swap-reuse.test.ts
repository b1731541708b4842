/**
 * A swap reuses the sandboxed, compiled module of a probe that is byte for
 * byte in the live set (what makes a one-probe rollout cheap), yet every
 * probe of the new set is a fresh instance with fresh counters, and a probe
 * whose bytes differ in any way is prepared from its own bytes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TrustedLoader } from "../../host/runtime/loader.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { createBundle } from "../../host/trust/bundle/create.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { memoryTracing } from "../support/otel.js";
import { openPolicy, testKey, withManifest } from "../support/signing.js";

test("a probe carried over byte for byte runs as a fresh instance; a changed one runs its new bytes", async () => {
  const key = await testKey(1);
  const policy = await openPolicy([key]);
  const tracing = memoryTracing();
  const runtime = new ProbeRuntime({ tracerProvider: tracing.provider });
  const loader = new TrustedLoader({ runtime, policy });
  const latency = (await signModule(await withManifest("latency", { version: "1.0.0" }), key)).bytes;
  const sampler = async (version: string) => (await signModule(await withManifest("sampler", { version }), key)).bytes;
  await loader.loadBundle(
    await createBundle({ name: "edge", version: "1.0.0", probes: [latency, await sampler("1.0.0")] }, key),
  );
  const serve = () => {
    const scope = runtime.begin({ method: "POST", route: "/checkout/pay" });
    scope.request();
    scope.response(500);
    scope.end();
    assert.equal(scope.failures, []);
  };
  serve();
  serve();
  assert.is(runtime.stats().latency?.invocations, 2);
  await loader.loadBundle(
    await createBundle({ name: "edge", version: "2.0.0", probes: [latency, await sampler("2.0.0")] }, key),
  );
  assert.equal(runtime.stats().latency?.invocations, 0, "the carried-over probe is a new instance");
  assert.equal(
    runtime.probes().map((p) => `${p.name}@${p.version}`),
    ["latency@1.0.0", "sampler@2.0.0"],
  );
  tracing.reset();
  serve();
  assert.equal(
    tracing
      .spans()
      .map((s) => `${s.instrumentationScope.name}@${s.instrumentationScope.version}`)
      .sort(),
    ["latency@1.0.0", "sampler@2.0.0"],
  );
});

test.run();
