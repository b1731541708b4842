// A probe component run by jco (transpiled in memory), with preview2-shim's
// monotonic clock and our lifted trace/http/log imports.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { monotonicClock } from "@bytecodealliance/preview2-shim/clocks";
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { clockFromMonotonic } from "../../host/clock/monotonic.js";
import { manualClock } from "../../host/index.js";
import { extractCoreModule } from "../../host/load/component/index.js";
import { JcoProbe } from "../../host/runtime/jco-probe.js";
import { concatBytes, encodeCustomSection } from "../../host/wasm/encode.js";
import { readSections } from "../../host/wasm/sections.js";
import { MANIFEST_SECTION } from "../../host/world/manifest.js";
import { COMPONENT_DIR, componentize } from "../../scripts/build-components.js";
import { transpileInMemory } from "../support/jco.js";
import { memoryTracing } from "../support/otel.js";
import { unsignedRuntime } from "../support/runtime.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const component = new Uint8Array(await readFile(join(COMPONENT_DIR, "examples", "latency.wasm")));
const transpiled = await transpileInMemory(component);

const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: "00f067aa0ba902b7",
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
});

test("preview2-shim provides wasi:clocks/monotonic-clock; span times follow it", async () => {
  const tracing = memoryTracing();
  const clock = clockFromMonotonic(monotonicClock);
  const probe = await JcoProbe.load(component, transpiled, {
    insecureAllowUnsigned: true,
    tracerProvider: tracing.provider,
    clock,
    overrides: { "wasi:clocks/monotonic-clock": monotonicClock },
  });
  const receivedAtNs = clock.nowNs();
  const request = probe.begin({ parent, method: "GET", route: "/", receivedAtNs });
  request.response(200);
  request.end();
  assert.equal(request.failures, []);
  const [span] = tracing.spans();
  assert.ok(span);
  assert.equal(span.startTime, clock.toEpoch(receivedAtNs));
  // The end instant came from the shim's clock inside the probe: after the start, within this test's run.
  const end = span.endTime[0] * 1e9 + span.endTime[1];
  const start = span.startTime[0] * 1e9 + span.startTime[1];
  assert.ok(end >= start && end - start < 60e9, `${start} -> ${end}`);
  assert.is(span.spanContext().traceId, TRACE_ID);
});

/** The latency probe with a manifest that leaves out http.route (the probe still calls it). */
async function withoutRouteCapability(): Promise<Uint8Array> {
  const core = new Uint8Array(await readFile(join("build/probes/examples", "latency.wasm")));
  const manifest = JSON.stringify({
    schema: 1,
    name: "latency",
    version: "1.0.0",
    hooks: ["response"],
    capabilities: ["http.method", "http.status", "http.received-at"],
  });
  const kept = readSections(core)
    .filter((s) => s.name !== MANIFEST_SECTION)
    .map((s) => core.subarray(s.start, s.end));
  return concatBytes([
    core.subarray(0, 8),
    ...kept,
    encodeCustomSection(MANIFEST_SECTION, new TextEncoder().encode(manifest)),
  ]);
}

test("an http import without its capability fails the hook with E_IMPORT_NOT_ALLOWED (the fast path refuses at load)", async () => {
  const bytes = await componentize(await withoutRouteCapability());
  const tracing = memoryTracing();
  const probe = await JcoProbe.load(bytes, await transpileInMemory(bytes), {
    insecureAllowUnsigned: true,
    tracerProvider: tracing.provider,
    clock: manualClock(),
  });
  const request = probe.begin({ parent, method: "GET", route: "/secret" });
  request.response(200);
  request.end();
  assert.equal(
    request.failures.map((f) => f.code),
    ["E_IMPORT_NOT_ALLOWED"],
  );
  assert.is(tracing.spans().length, 0);
  // The fast path never lets it load.
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
  try {
    await runtime.load(extractCoreModule(bytes).core);
    assert.unreachable("loaded");
  } catch (error) {
    assert.is((error as { code?: string }).code, "E_IMPORT_NOT_ALLOWED");
  }
});

test("a component without a manifest is refused by the jco path with E_MANIFEST", async () => {
  const core = new Uint8Array(await readFile(join("build/probes/examples", "latency.wasm")));
  const bare = concatBytes([
    core.subarray(0, 8),
    ...readSections(core)
      .filter((s) => s.name !== MANIFEST_SECTION)
      .map((s) => core.subarray(s.start, s.end)),
  ]);
  const bytes = await componentize(bare);
  try {
    await JcoProbe.load(bytes, await transpileInMemory(bytes), {
      insecureAllowUnsigned: true,
      tracerProvider: memoryTracing().provider,
      clock: manualClock(),
    });
    assert.unreachable("loaded");
  } catch (error) {
    assert.is((error as { code?: string }).code, "E_MANIFEST");
  }
});

test("per-call cost: jco path vs fast path, same probe, same run (printed, not asserted)", async () => {
  const tracing = memoryTracing();
  const clock = manualClock();
  const jco = await JcoProbe.load(component, transpiled, {
    insecureAllowUnsigned: true,
    tracerProvider: tracing.provider,
    clock,
  });
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock });
  await runtime.load(extractCoreModule(component).core);
  const calls = 2000;
  const measure = (run: () => void) => {
    for (let i = 0; i < 200; i++) run();
    tracing.reset();
    const started = performance.now();
    for (let i = 0; i < calls; i++) run();
    const us = ((performance.now() - started) * 1000) / calls;
    tracing.reset();
    return us;
  };
  const info = { parent, method: "GET", route: "/users/:id", receivedAtNs: 1000 };
  const fast = measure(() => {
    const scope = runtime.begin(info);
    scope.response(200);
    scope.end();
  });
  const viaJco = measure(() => {
    const request = jco.begin(info);
    request.response(200);
    request.end();
  });
  console.log(
    `  latency probe, one request (1 span, 10 imports): fast path ${fast.toFixed(1)} us, jco path ${viaJco.toFixed(1)} us`,
  );
  assert.ok(fast > 0 && viaJco > 0);
});

test.run();
