// Hostile modules beyond the AssemblyScript suite, each with its exact
// outcome and a well-behaved neighbour (the `timing` probe) that loses no
// span: a table bomb, a start function that never returns, a name-section
// bomb, an allowed import with the wrong signature, an exported mutable
// global, re-entrancy through an import, 10^6 attributes on one span, and
// spans left open on every request.
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/clock/clock.js";
import type { ProbeRuntime } from "../../host/runtime/runtime.js";
import { concatBytes, encodeCustomSection } from "../../host/wasm/encode.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";
import { codeOf } from "../support/signing.js";
import { build, i32, op, withManifest } from "./support/builder.js";

const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: 1,
  isRemote: true,
});

const HOOK = { params: [], results: [] } as const;
const TRACE = "sandprobe:probe/trace@0.1.0";
const HTTP = "sandprobe:probe/http@0.1.0";

async function withNeighbour(hostile?: Uint8Array) {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
  await runtime.load(await probeBytes("testing", "timing"));
  const loaded = hostile === undefined ? "skipped" : await codeOf(() => runtime.load(hostile));
  return { runtime, tracing, loaded };
}

function serve(runtime: ProbeRuntime, times = 1): string[] {
  const failures: string[] = [];
  for (let i = 0; i < times; i++) {
    const scope = runtime.begin({ parent, method: "GET" });
    scope.request();
    scope.response(200);
    scope.end();
    failures.push(...scope.failures.map((f) => `${f.probe}.${f.hook}: ${f.error.code}`));
  }
  return failures;
}

function neighbourIntact(runtime: ProbeRuntime, tracing: ReturnType<typeof memoryTracing>, requests: number) {
  assert.is(tracing.byName("timed.parent").length, requests, "the neighbour made one span per request");
  assert.is(runtime.stats().timing?.failures, 0);
}

test("a table bomb (a table of 10^7 elements) is refused at load: E_TABLE_LIMIT; the set is unchanged", async () => {
  const bomb = withManifest(
    build({ table: { min: 10_000_000 }, funcs: [{ type: HOOK, body: [], export: "request" }] }),
    { name: "table-bomb" },
  );
  const { runtime, tracing, loaded } = await withNeighbour(bomb);
  assert.is(loaded, "E_TABLE_LIMIT");
  assert.equal(serve(runtime, 3), []);
  neighbourIntact(runtime, tracing, 3);
});

test("table.grow in a loop: refused past the cap and stopped by fuel (E_FUEL_EXHAUSTED), then quarantined", async () => {
  // loop { table.grow(ref.null, 1000); br 0 }
  const body = [
    ...op("loop"),
    0x40,
    0xd0,
    0x70,
    ...i32(1000),
    ...op("table.grow"),
    0x00,
    0x1a,
    ...op("br"),
    0x00,
    ...op("end"),
  ];
  const grower = withManifest(build({ table: { min: 1 }, funcs: [{ type: HOOK, body, export: "request" }] }), {
    name: "table-grower",
  });
  const { runtime, tracing, loaded } = await withNeighbour(grower);
  assert.is(loaded, "resolved");
  assert.equal(serve(runtime, 4), ["table-grower.request: E_FUEL_EXHAUSTED", "table-grower.request: E_FUEL_EXHAUSTED"]);
  assert.is(runtime.stats()["table-grower"]?.quarantines, 1);
  neighbourIntact(runtime, tracing, 4);
});

test("a start function that never returns: the load fails with E_FUEL_EXHAUSTED (the init budget), the set is unchanged", async () => {
  const spin = [...op("loop"), 0x40, ...op("br"), 0x00, ...op("end")];
  const module = withManifest(
    build({
      funcs: [
        { type: HOOK, body: spin },
        { type: HOOK, body: [], export: "request" },
      ],
      start: 0,
    }),
    { name: "start-loop" },
  );
  const { runtime, tracing, loaded } = await withNeighbour(module);
  assert.is(loaded, "E_FUEL_EXHAUSTED");
  assert.equal(
    runtime.probes().map((p) => p.name),
    ["timing"],
  );
  assert.equal(serve(runtime, 2), []);
  neighbourIntact(runtime, tracing, 2);
});

test("a name-section bomb (4 MiB of names with huge counts) changes nothing: the probe loads and exports the same spans", async () => {
  const garbage = new Uint8Array(4 << 20).fill(0xff);
  const bytes = await probeBytes("testing", "timing");
  const bombed = concatBytes([bytes, encodeCustomSection("name", garbage)]);
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
  await runtime.load(bombed);
  assert.equal(serve(runtime, 3), []);
  neighbourIntact(runtime, tracing, 3);
});

test("an allowed import with the wrong signature is refused before it runs: E_IMPORT_SIGNATURE", async () => {
  const module = withManifest(
    build({
      imports: [{ module: TRACE, name: "end-span", type: { params: ["i64"], results: [] } }],
      memory: { min: 1 },
      funcs: [{ type: HOOK, body: [], export: "request" }],
      exports: [{ name: "memory", kind: "memory", index: 0 }],
    }),
    { name: "wrong-signature" },
  );
  const { runtime, tracing, loaded } = await withNeighbour(module);
  assert.is(loaded, "E_IMPORT_SIGNATURE");
  assert.equal(serve(runtime), []);
  neighbourIntact(runtime, tracing, 1);
});

test("an exported mutable global is inert: the host never reads or writes it, and the probe's fuel is not it", async () => {
  // The probe exports a mutable global named like a fuel counter; its hook loops forever.
  const spin = [...op("loop"), 0x40, ...op("br"), 0x00, ...op("end")];
  const module = withManifest(
    build({
      globals: [{ type: "i32", mutable: true, init: i32(0x7fffffff) }],
      funcs: [{ type: HOOK, body: spin, export: "request" }],
      exports: [{ name: "fuel", kind: "global", index: 0 }],
    }),
    { name: "global-export" },
  );
  const { runtime, tracing, loaded } = await withNeighbour(module);
  assert.is(loaded, "resolved");
  assert.equal(serve(runtime), ["global-export.request: E_FUEL_EXHAUSTED"]);
  neighbourIntact(runtime, tracing, 1);
});

test("re-entrancy through an import: cabi_realloc calling back into the host ends in a contained stack overflow, then quarantine", async () => {
  // response() asks for the method; the host calls cabi_realloc to return it,
  // and this cabi_realloc asks for the method again: host -> guest -> host ...
  const askMethod = [...i32(0), ...op("call"), 0x00];
  const module = withManifest(
    build({
      imports: [{ module: HTTP, name: "method", type: { params: ["i32"], results: [] } }],
      memory: { min: 1 },
      funcs: [
        {
          type: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
          body: [...askMethod, ...i32(64)],
          export: "cabi_realloc",
        },
        { type: HOOK, body: askMethod, export: "response" },
      ],
      exports: [{ name: "memory", kind: "memory", index: 0 }],
    }),
    { name: "reentrant", hooks: ["response"], capabilities: ["http.method"] },
  );
  const { runtime, tracing, loaded } = await withNeighbour(module);
  assert.is(loaded, "resolved");
  // The recursion runs through host frames until V8's stack is gone: a stack
  // overflow, which counts as an exhaustion, so the second one quarantines it.
  assert.equal(serve(runtime, 3), ["reentrant.response: E_PROBE_TRAP", "reentrant.response: E_PROBE_TRAP"]);
  const stats = runtime.stats().reentrant;
  assert.match(stats?.lastError ?? "", /stack overflow/);
  assert.is(stats?.quarantines, 1);
  neighbourIntact(runtime, tracing, 3);
});

test("10^6 attributes on one span: fuel stops the probe (E_FUEL_EXHAUSTED), its span is not exported half-built", async () => {
  const { runtime, tracing, loaded } = await withNeighbour(await probeBytes("hostile", "attribute-flood"));
  assert.is(loaded, "resolved");
  assert.equal(serve(runtime, 3), [
    "attribute-flood.request: E_FUEL_EXHAUSTED",
    "attribute-flood.request: E_FUEL_EXHAUSTED",
  ]);
  const flood = tracing.byName("attribute.flood");
  for (const span of flood) assert.ok(Object.keys(span.attributes).length <= 64, "never more than attributesPerSpan");
  neighbourIntact(runtime, tracing, 3);
});

test("spans left open on every request: the host ends them when the request ends, and counts them", async () => {
  const { runtime, tracing, loaded } = await withNeighbour(await probeBytes("hostile", "open-spans"));
  assert.is(loaded, "resolved");
  assert.equal(serve(runtime, 5), []);
  const left = [...tracing.byName("left.open.1"), ...tracing.byName("left.open.2")];
  assert.is(left.length, 10, "two spans per request, each ended by the host");
  assert.ok(left.every((s) => s.ended));
  neighbourIntact(runtime, tracing, 5);
});

test.run();
