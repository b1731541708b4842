// The hostile CPU and memory probes, loaded into the runtime beside a
// well-behaved probe: each fails with the exact error code expected, the host
// keeps answering, and the well-behaved probe loses no span.
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/clock/clock.js";
import { isSandprobeError } from "../../host/errors.js";
import type { ProbeRuntime } from "../../host/runtime/runtime.js";
import type { HostLimits } from "../../host/world/limits.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: 1,
  isRemote: true,
});

async function runtimeWith(hostile: string, limits: Partial<HostLimits> = {}) {
  const tracing = memoryTracing();
  const clock = manualClock();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock, limits });
  await runtime.replaceAll([await probeBytes("hostile", hostile), await probeBytes("testing", "timing")]);
  return { runtime, tracing, clock };
}

/** One request through both hooks; returns the failures (never throws). */
function serve(runtime: ProbeRuntime) {
  const scope = runtime.begin({ parent });
  scope.request();
  scope.response(200);
  scope.end();
  return scope.failures.map((f) => `${f.probe}.${f.hook}: ${f.error.code}`);
}

test("an infinite loop in a hook: E_FUEL_EXHAUSTED, quarantined after 2 in a row (before quarantineAfter); the other probe loses nothing", async () => {
  const { runtime, tracing } = await runtimeWith("infinite-loop", { fuelPerHook: 200_000, quarantineAfter: 3 });
  for (let i = 0; i < 2; i++) assert.equal(serve(runtime), ["infinite-loop.request: E_FUEL_EXHAUSTED"]);
  // Quarantined now (quarantineAfterExhaustion 2): skipped, and the host serves on.
  for (let i = 0; i < 20; i++) assert.equal(serve(runtime), []);
  const stats = runtime.stats();
  assert.is(stats["infinite-loop"]?.errors.E_FUEL_EXHAUSTED, 2);
  assert.is(stats["infinite-loop"]?.quarantines, 1);
  assert.is(stats["infinite-loop"]?.skippedWhileQuarantined, 20);
  assert.is(tracing.byName("timed.parent").length, 22, "one span per request from the well-behaved probe");
  assert.is(stats.timing?.failures, 0);
});

test("an infinite loop in init: loading fails with E_FUEL_EXHAUSTED and the loaded set is unchanged", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, limits: { fuelForInit: 1_000_000 } });
  await runtime.load(await probeBytes("testing", "timing"));
  try {
    await runtime.load(await probeBytes("hostile", "infinite-loop-init"));
    assert.unreachable("a probe whose init never returns was loaded");
  } catch (error) {
    assert.ok(isSandprobeError(error, "E_FUEL_EXHAUSTED"), String(error));
    assert.is(error.detail.budget, 1_000_000);
  }
  assert.equal(
    runtime.probes().map((p) => p.name),
    ["timing"],
  );
  assert.equal(serve(runtime), []);
});

test("deep recursion: a stack overflow with a large budget, fuel exhaustion with a small one; both contained", async () => {
  const large = await runtimeWith("deep-recursion", { fuelPerHook: 2_000_000_000 });
  assert.equal(serve(large.runtime), ["deep-recursion.request: E_PROBE_TRAP"]);
  // The call depth limit stops it (cost model 5), long before V8's own stack would.
  assert.match(
    large.runtime.stats()["deep-recursion"]?.lastError ?? "",
    /stack overflow \(more than 4096 nested calls\)/,
  );
  const small = await runtimeWith("deep-recursion", { fuelPerHook: 20_000 });
  assert.equal(serve(small.runtime), ["deep-recursion.request: E_FUEL_EXHAUSTED"]);
  for (const { tracing } of [large, small]) assert.is(tracing.byName("timed.parent").length, 1);
});

test("a memory bomb: growth stops at the manifest's 16 pages (memory.grow says -1), the allocator's trap is contained", async () => {
  const { runtime, tracing } = await runtimeWith("memory-bomb");
  // request: grows page by page until memory.grow refuses, then returns normally.
  // response: allocates 1 MiB buffers until the allocator gives up: a trap, not a host crash.
  for (let i = 0; i < 3; i++) assert.equal(serve(runtime), ["memory-bomb.response: E_PROBE_TRAP"]);
  assert.match(runtime.stats()["memory-bomb"]?.lastError ?? "", "memory-bomb");
  assert.is(tracing.byName("timed.parent").length, 3);
});

test("fuel statistics: completed hook calls are counted, and the same requests cost the same fuel", async () => {
  const fuelOf = async () => {
    const runtime = unsignedRuntime({ tracerProvider: memoryTracing().provider, clock: manualClock() });
    await runtime.load(await probeBytes("testing", "timing"));
    for (let i = 0; i < 50; i++) serve(runtime);
    return runtime.stats().timing?.fuel;
  };
  const fuel = await fuelOf();
  assert.ok(fuel);
  assert.is(fuel.calls, 100, "request and response of 50 requests");
  assert.ok(fuel.p50 > 0 && fuel.p99 >= fuel.p50 && fuel.max >= fuel.p99, JSON.stringify(fuel));
  // The garbage collector makes some calls dearer than others, but the same sequence costs the same.
  assert.equal(await fuelOf(), fuel);
});

test("a precompiled module that skipped sandboxing is refused: E_MODULE_MISMATCH", async () => {
  const bytes = await probeBytes("testing", "timing");
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const runtime = unsignedRuntime({ tracerProvider: memoryTracing().provider });
  try {
    await runtime.load({ probe: bytes, module });
    assert.unreachable("an unmetered module was loaded");
  } catch (error) {
    assert.ok(isSandprobeError(error, "E_MODULE_MISMATCH"), String(error));
  }
});

test("thousands of requests with hostile probes loaded: every request answered, every good span delivered", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({
    tracerProvider: tracing.provider,
    clock: manualClock(),
    // Enough for the well-behaved probe's garbage-collection spikes (~200 000), never for a loop without end.
    limits: { fuelPerHook: 1_000_000, quarantineAfter: 1_000_000, quarantineAfterExhaustion: 1_000_000 },
  });
  await runtime.replaceAll([
    await probeBytes("hostile", "infinite-loop"),
    await probeBytes("hostile", "memory-bomb"),
    await probeBytes("testing", "timing"),
  ]);
  const REQUESTS = 1000;
  let failures = 0;
  for (let i = 0; i < REQUESTS; i++) failures += serve(runtime).length;
  assert.is(failures, 2 * REQUESTS, "each hostile probe fails once per request, every time");
  assert.is(tracing.byName("timed.parent").length, REQUESTS);
  const stats = runtime.stats();
  assert.is(stats["infinite-loop"]?.errors.E_FUEL_EXHAUSTED, REQUESTS);
  assert.is(stats["memory-bomb"]?.errors.E_PROBE_TRAP, REQUESTS);
});

test.run();
