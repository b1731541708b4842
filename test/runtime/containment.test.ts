import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError, manualClock } from "../../host/index.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: 1,
  isRemote: true,
});

test("a forbidden import is refused before instantiation, naming the import", async () => {
  const runtime = unsignedRuntime();
  const bytes = await probeBytes("hostile", "forbidden-import");
  try {
    await runtime.load(bytes);
    assert.unreachable("path_open was accepted");
  } catch (error) {
    assert.ok(isSandprobeError(error, "E_IMPORT_NOT_ALLOWED"), String(error));
    assert.match(error.message, "wasi_snapshot_preview1.path_open");
    assert.is(error.detail.import, "wasi_snapshot_preview1.path_open");
  }
  assert.equal(runtime.probes(), []);
});

test("an http import without the manifest capability is refused", async () => {
  const { admitProbe, MANIFEST_SECTION } = await import("../../host/cli/tooling.js");
  const { customSections, readSections } = await import("../../host/wasm/index.js");
  const bytes = await probeBytes("examples", "latency");
  // Rewrite the manifest in place to drop the http.method capability (same length, padded with spaces).
  const sections = readSections(bytes);
  const [content] = customSections(bytes, sections, MANIFEST_SECTION);
  assert.ok(content);
  const text = new TextDecoder().decode(content);
  const stripped = text.replace('"http.method",', "");
  const patched = bytes.slice();
  const start = content.byteOffset - bytes.byteOffset;
  patched.set(new TextEncoder().encode(stripped.padEnd(text.length, " ")), start);
  assert.throws(
    () => admitProbe(patched),
    (e: unknown) => isSandprobeError(e, "E_IMPORT_NOT_ALLOWED") && e.message.includes("http.method"),
  );
});

test("a trap is contained: typed error with the abort message, other probes and spans unharmed", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
  await runtime.replaceAll([await probeBytes("testing", "trap"), await probeBytes("testing", "timing")]);
  const scope = runtime.begin({ parent });
  assert.not.throws(() => scope.request());
  const [failure] = scope.failures;
  assert.ok(failure);
  assert.is(failure.probe, "trap");
  assert.is(failure.error.code, "E_PROBE_TRAP");
  assert.match(failure.error.message, "boom on odd call");
  assert.match(String(failure.error.detail.abort), "probes/testing/trap.ts");
  // The probe beside it delivered its spans in the same request.
  assert.is(tracing.byName("timed.parent").length, 1);
  // The span the trapping probe ended before it failed is not lost.
  assert.is(tracing.byName("before.trap").length, 1);
});

test("after a trap the probe runs again from a fresh instance", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
  await runtime.load(await probeBytes("testing", "trap"));
  runtime.begin({ parent }).request(); // call 1 traps (odd)
  const second = runtime.begin({ parent });
  second.request(); // fresh instance: its counter restarted, so this is call 1 again and traps
  assert.is(second.failures.length, 1);
  const stats = runtime.stats().trap;
  assert.ok(stats);
  assert.is(stats.reinstantiations, 1);
  assert.is(stats.errors.E_PROBE_TRAP, 2);
});

test("an out-of-bounds memory access is a trap, not a host crash", async () => {
  const runtime = unsignedRuntime({ clock: manualClock() });
  await runtime.load(await probeBytes("testing", "trap"));
  const scope = runtime.begin({ parent });
  scope.response(200);
  assert.is(scope.failures[0]?.error.code, "E_PROBE_TRAP");
  assert.match(String(scope.failures[0]?.error.detail.trap), /out of bounds/i);
});

test("pointers outside the probe's memory are refused with E_GUEST_MEMORY", async () => {
  const runtime = unsignedRuntime({ clock: manualClock() });
  await runtime.load(await probeBytes("hostile", "bad-pointer"));
  const scope = runtime.begin({ parent });
  scope.request();
  scope.response(200);
  assert.equal(
    scope.failures.map((f) => f.error.code),
    ["E_GUEST_MEMORY", "E_GUEST_MEMORY"],
  );
});

test("repeated failures quarantine the probe with backoff, then it runs again", async () => {
  const clock = manualClock();
  const runtime = unsignedRuntime({ clock, limits: { quarantineAfter: 3, quarantineBaseNs: 1_000_000_000 } });
  await runtime.load(await probeBytes("hostile", "bad-pointer"));
  for (let i = 0; i < 3; i++) runtime.begin({ parent }).request();
  assert.is(runtime.probes()[0]?.quarantined, true);
  const skipped = runtime.begin({ parent });
  skipped.request();
  assert.is(skipped.failures.length, 0, "a quarantined probe is not called");
  assert.is(runtime.stats()["bad-pointer"]?.skippedWhileQuarantined, 1);
  clock.advance(1_000_000_001);
  assert.is(runtime.probes()[0]?.quarantined, false);
  const after = runtime.begin({ parent });
  after.request();
  assert.is(after.failures.length, 1, "runs (and fails) again after the backoff");
  for (let i = 0; i < 2; i++) runtime.begin({ parent }).request();
  // Second quarantine lasts twice as long.
  clock.advance(1_000_000_001);
  assert.is(runtime.probes()[0]?.quarantined, true);
  clock.advance(1_000_000_000);
  assert.is(runtime.probes()[0]?.quarantined, false);
});

test.run();
