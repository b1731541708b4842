// The 64-bit integers a probe reads and passes (the clock, the request's
// arrival, span times, int attributes) cross the sandbox as f64s, without a
// BigInt each (host/load/lower-i64.ts): they must arrive exactly as before.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BENCH_PARENT } from "../../host/cli/bench/cases.js";
import { sandboxedProbeBytes } from "../../host/load/prepare.js";
import { CORE_IMPORTS } from "../../host/world/core-abi.js";
import type { Capability } from "../../host/world/manifest.js";
import { build, type FuncType, withManifest } from "../sandbox/support/builder.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

test("int attributes, received-at, the clock and span times arrive as the probe's integers", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider });
  await runtime.load(await probeBytes("testing", "wide-integers"));
  const receivedAtNs = 7_000_123_456_789;
  const before = runtime.clock.nowNs();
  const scope = runtime.begin({ parent: BENCH_PARENT, receivedAtNs });
  scope.request();
  scope.end();
  const after = runtime.clock.nowNs();
  assert.equal(scope.failures, []);
  const [span] = tracing.spans();
  assert.ok(span);
  const { now, resolution, ...exact } = span.attributes;
  // OpenTelemetry JS carries ints as numbers: Number(value), as every JS exporter.
  assert.equal(exact, {
    zero: 0,
    "minus-one": -1,
    "two-pow-32": 4_294_967_296,
    "max-safe": Number.MAX_SAFE_INTEGER,
    "max-safe-plus-two": Number(9_007_199_254_740_993n),
    min: Number(-(2n ** 63n)),
    max: Number(2n ** 63n - 1n),
    "received-at": receivedAtNs,
  });
  assert.ok(typeof now === "number" && now >= before && now <= after, `now ${now} in [${before}, ${after}]`);
  assert.is(resolution, runtime.clock.resolutionNs());
  assert.equal(span.startTime, runtime.clock.toEpoch(receivedAtNs));
  assert.equal(span.endTime, runtime.clock.toEpoch(receivedAtNs + 1_000_001));
});

test("every import the sandbox lowers has its f64 twin in the runtime, and the sandboxed probe calls the twins", async () => {
  const lowered = [...CORE_IMPORTS.values()].filter((i) => i.f64 !== undefined);
  assert.ok(lowered.length >= 6);
  const capabilities = lowered.flatMap((i) => (i.capability ? [i.capability] : [])) as Capability[];
  const module = build({
    imports: lowered.map((i) => ({ module: i.module, name: i.name, type: i.type as FuncType })),
    memory: { min: 1 },
    exports: [{ name: "memory", kind: "memory", index: 0 }],
    funcs: [{ type: { params: [], results: [] }, export: "request", body: [] }],
  });
  const bytes = withManifest(module, { name: "every-twin", capabilities });
  const names = WebAssembly.Module.imports(
    new WebAssembly.Module(sandboxedProbeBytes(bytes) as Uint8Array<ArrayBuffer>),
  );
  assert.equal(
    names.map((i) => i.name),
    lowered.map((i) => `${i.name}.f64`),
  );
  // Instantiation links every twin: a missing one is a LinkError here.
  const runtime = unsignedRuntime();
  await runtime.load(bytes);
  assert.equal(runtime.stats()["every-twin"]?.failures, 0);
});

test.run();
