// A component from another toolchain (JavaScript, componentize-js) that targets
// wasi:otel/tracing: its spans must arrive through @opentelemetry/api.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { componentize } from "@bytecodealliance/componentize-js";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/errors.js";
import { extractCoreModule } from "../../host/load/component/index.js";
import { instantiateTranspiled } from "../../host/runtime/host/lifted/instantiate.js";
import { createOtelTracingHost, type SpanData } from "../../host/runtime/host/wasi-otel/index.js";
import { preview2Imports, transpileInMemory } from "../support/jco.js";
import { memoryTracing } from "../support/otel.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const BASE = 1_700_000_000n;

const WORLD = `package sandprobe:otel-test@0.1.0;

world otel-probe {
  import wasi:otel/tracing@0.2.0-rc.2;
  export run: func(route: string, base-seconds: u64);
}
`;

// The guest builds whole span records, as an OpenTelemetry SDK compiled to a
// component would: a SERVER span parented to the host's context, and a
// CLIENT child that ends first.
const SOURCE = `
import { onStart, onEnd, currentSpanContext } from "wasi:otel/tracing@0.2.0-rc.2";

function randomHex(bytes) {
  const data = new Uint8Array(bytes);
  crypto.getRandomValues(data);
  return Array.from(data, (b) => b.toString(16).padStart(2, "0")).join("");
}

const scope = { name: "js-probe", version: "1.2.3", schemaUrl: undefined, attributes: [] };

export function run(route, baseSeconds) {
  const outer = currentSpanContext();
  const root = { traceId: outer.traceId, spanId: randomHex(8), traceFlags: { sampled: true }, isRemote: false, traceState: outer.traceState };
  onStart(root);
  const child = { ...root, spanId: randomHex(8) };
  onStart(child);
  onEnd({
    spanContext: child, parentSpanId: root.spanId, spanKind: "client", name: "db.query",
    startTime: { seconds: baseSeconds, nanoseconds: 1000 }, endTime: { seconds: baseSeconds, nanoseconds: 5000 },
    attributes: [{ key: "db.system", value: JSON.stringify("postgresql") }],
    events: [], links: [], status: { tag: "unset" }, instrumentationScope: scope,
    droppedAttributes: 0, droppedEvents: 0, droppedLinks: 0,
  });
  onEnd({
    spanContext: root, parentSpanId: outer.spanId, spanKind: "server", name: "GET " + route,
    startTime: { seconds: baseSeconds, nanoseconds: 0 }, endTime: { seconds: baseSeconds + 1n, nanoseconds: 250 },
    attributes: [
      { key: "http.route", value: JSON.stringify(route) },
      { key: "http.response.status_code", value: "200" },
      { key: "cache.hit", value: "true" },
      { key: "tags", value: JSON.stringify(["a", "b"]) },
      { key: "trace.state", value: JSON.stringify(outer.traceState.map(([k, v]) => k + "=" + v).join(",")) },
    ],
    events: [{ name: "checkpoint", time: { seconds: baseSeconds, nanoseconds: 2000 }, attributes: [{ key: "n", value: "3" }] }],
    links: [{ spanContext: { ...outer, isRemote: true }, attributes: [] }],
    status: { tag: "error", val: "upstream failed" }, instrumentationScope: scope,
    droppedAttributes: 0, droppedEvents: 0, droppedLinks: 0,
  });
}
`;

/** Componentize the JavaScript probe once for this file (5-15 s), in a temp dir. */
async function buildComponent(): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-otel-"));
  try {
    const wit = join(dir, "wit");
    await mkdir(join(wit, "deps", "wasi-otel"), { recursive: true });
    await writeFile(join(wit, "world.wit"), WORLD);
    for (const file of ["types", "tracing", "metrics", "logs", "world"]) {
      await cp(resolve("wit/wasi-otel", `${file}.wit`), join(wit, "deps", "wasi-otel", `${file}.wit`));
    }
    await cp(resolve("wit/wasi-otel/deps"), join(wit, "deps"), { recursive: true });
    await writeFile(join(dir, "probe.js"), SOURCE);
    // Keep the default features: without `random` span ids repeat, without `clocks` time stands still.
    const { component } = await componentize({
      sourcePath: join(dir, "probe.js"),
      witPath: wit,
      worldName: "otel-probe",
    });
    return component;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const component = await buildComponent();
const transpiled = await transpileInMemory(component, "otel");
const tracing = memoryTracing();
const host = createOtelTracingHost({ tracerProvider: tracing.provider });
const guest = await instantiateTranspiled<{ run(route: string, baseSeconds: bigint): void }>(transpiled, {
  ...preview2Imports(transpiled.imports),
  ...host.imports,
});

function hostParent() {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: PARENT_ID,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

test("a componentize-js guest's spans arrive through @opentelemetry/api with ids, parents, names, attributes and times", () => {
  tracing.reset();
  host.begin(hostParent());
  guest.run("/users/:id", BASE);
  const summary = host.end();
  assert.equal(summary, { forwarded: 2, orphans: 0, drops: {} });

  const [server] = tracing.byName("GET /users/:id");
  const [client] = tracing.byName("db.query");
  assert.ok(server && client);
  // Same trace as the host's request; the root hangs from the host's span, the child from the root.
  assert.is(server.spanContext().traceId, TRACE_ID);
  assert.is(client.spanContext().traceId, TRACE_ID);
  assert.is(server.parentSpanContext?.spanId, PARENT_ID);
  assert.is(client.parentSpanContext?.spanId, server.spanContext().spanId);
  assert.is(server.kind, SpanKind.SERVER);
  assert.is(client.kind, SpanKind.CLIENT);
  assert.equal(server.startTime, [1_700_000_000, 0]);
  assert.equal(server.endTime, [1_700_000_001, 250]);
  assert.equal(client.startTime, [1_700_000_000, 1000]);
  assert.equal(client.endTime, [1_700_000_000, 5000]);
  // AnyValue JSON decoded to attribute values.
  assert.equal(server.attributes, {
    "http.route": "/users/:id",
    "http.response.status_code": 200,
    "cache.hit": true,
    tags: ["a", "b"],
    "trace.state": "",
  });
  assert.equal(client.attributes, { "db.system": "postgresql" });
  assert.equal(
    server.events.map((e) => [e.name, e.time, e.attributes]),
    [["checkpoint", [1_700_000_000, 2000], { n: 3 }]],
  );
  assert.equal(server.status, { code: SpanStatusCode.ERROR, message: "upstream failed" });
  assert.equal(client.status, { code: SpanStatusCode.UNSET });
  assert.equal(
    server.links.map((l) => [l.context.traceId, l.context.spanId]),
    [[TRACE_ID, PARENT_ID]],
  );
  assert.is(server.instrumentationScope.name, "js-probe");
  assert.is(server.instrumentationScope.version, "1.2.3");
});

test("without a host span the all-zero context the guest reuses is refused; tracestate reaches the guest", () => {
  tracing.reset();
  host.begin(ROOT_CONTEXT);
  guest.run("/", BASE);
  // The guest saw an invalid (all-zero) context and used it: its records are refused, not forwarded half-valid.
  const summary = host.end();
  assert.is(summary.forwarded, 0);
  // on-start and on-end of both spans.
  assert.is(summary.drops["invalid-span"], 4);

  tracing.reset();
  const withState = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: PARENT_ID,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: {
      serialize: () => "vendor=abc",
      get: () => undefined,
      set: (() => {}) as never,
      unset: (() => {}) as never,
    },
  });
  host.begin(withState);
  guest.run("/", BASE);
  host.end();
  assert.is(tracing.byName("GET /")[0]?.attributes["trace.state"], "vendor=abc");
});

test("the componentize-js component is refused by the fast path, naming the adapter it needs", () => {
  try {
    extractCoreModule(component);
    assert.unreachable("accepted");
  } catch (error) {
    assert.ok(isSandprobeError(error, "E_COMPONENT_UNSUPPORTED"), String(error));
    assert.match(error.message, /core modules.*wasi_snapshot_preview1/);
  }
});

test("per-call cost of the jco path (printed, not asserted)", () => {
  const calls = 200;
  host.begin(hostParent());
  const started = performance.now();
  for (let i = 0; i < calls; i++) guest.run("/users/:id", BASE);
  const perCallUs = ((performance.now() - started) * 1000) / calls;
  host.end();
  console.log(`  wasi:otel guest via jco: ${perCallUs.toFixed(0)} us per run() (2 spans, 5 host calls)`);
  assert.ok(tracing.spans().length > 0);
});

// --- the host on its own, with records a hostile or buggy guest could send ---

function record(overrides: Partial<SpanData> & { spanId: string; parentSpanId?: string }): SpanData {
  const { spanId, parentSpanId = "", ...rest } = overrides;
  return {
    spanContext: { traceId: TRACE_ID, spanId, traceFlags: { sampled: true }, isRemote: false, traceState: [] },
    parentSpanId,
    spanKind: "internal",
    name: `span-${spanId}`,
    startTime: { seconds: BASE, nanoseconds: 0 },
    endTime: { seconds: BASE, nanoseconds: 10 },
    attributes: [],
    events: [],
    links: [],
    status: { tag: "unset" },
    instrumentationScope: { name: "unit", attributes: [] },
    droppedAttributes: 0,
    droppedEvents: 0,
    droppedLinks: 0,
    ...rest,
  };
}

test("invalid ids, duplicate ends, bad JSON values and quotas are contained and counted", () => {
  tracing.reset();
  const limited = createOtelTracingHost({
    tracerProvider: tracing.provider,
    limits: { spansPerInvocation: 3, attributesPerSpan: 2, maxStringUnits: 8 },
  });
  limited.begin(hostParent());
  const t = limited.tracing;
  t.onEnd(record({ spanId: "not-hex" }));
  t.onEnd({
    ...record({ spanId: "1111111111111111" }),
    spanContext: { ...record({ spanId: "1" }).spanContext, traceId: "0".repeat(32), spanId: "1111111111111111" },
  });
  t.onEnd(
    record({
      spanId: "2222222222222222",
      name: "a-very-long-span-name",
      attributes: [
        { key: "raw", value: "not json {" },
        { key: "map", value: '{"a":1}' },
        { key: "over", value: "1" },
      ],
    }),
  );
  t.onEnd(record({ spanId: "2222222222222222" }));
  t.onEnd(record({ spanId: "3333333333333333" }));
  t.onEnd(record({ spanId: "4444444444444444" }));
  t.onEnd(record({ spanId: "5555555555555555" }));
  const summary = limited.end();
  assert.is(summary.forwarded, 3);
  // Three names longer than 8 units and one value were cut.
  assert.equal(summary.drops, { "invalid-span": 3, "attribute-quota": 1, "string-truncated": 4, "span-quota": 1 });
  const [first] = tracing.byName("a-very-l");
  assert.equal(first?.attributes, { raw: "not json", map: '{"a":1}' });
});

test("a child whose parent never ends is forwarded at the end under a remote parent; the alias name works", () => {
  tracing.reset();
  const h = createOtelTracingHost({ tracerProvider: tracing.provider });
  h.begin(hostParent());
  assert.equal(h.tracing.outerSpanContext(), h.tracing.currentSpanContext());
  assert.is(h.tracing.currentSpanContext().spanId, PARENT_ID);
  h.tracing.onStart(record({ spanId: "aaaaaaaaaaaaaaaa" }).spanContext);
  h.tracing.onEnd(record({ spanId: "bbbbbbbbbbbbbbbb", parentSpanId: "aaaaaaaaaaaaaaaa" }));
  assert.is(tracing.spans().length, 0, "the child waits for its parent");
  assert.equal(h.end(), { forwarded: 1, orphans: 1, drops: {} });
  const [orphan] = tracing.spans();
  assert.is(orphan?.parentSpanContext?.spanId, "aaaaaaaaaaaaaaaa");
  assert.is(orphan?.spanContext().traceId, TRACE_ID);
});

test.run();
