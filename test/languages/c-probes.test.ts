// Probes written in C against probes/sdk-c/sandprobe.h, built by
// `npm run build:probes` with @yowasp/clang: signed, verified, metered and
// limited like the AssemblyScript ones, their UTF-8 strings read on the fast
// path, and field for field the same spans as the AssemblyScript examples.

import { readFile } from "node:fs/promises";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/clock/clock.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { memoryTracing } from "../support/otel.js";
import { codeOf, openPolicy, testKey } from "../support/signing.js";

/** A built probe (`group` under build/probes/) or, for "components/<group>", a built component. */
async function built(group: string, name: string): Promise<Uint8Array> {
  const dir = group.startsWith("components/") ? `build/${group}` : `build/probes/${group}`;
  return new Uint8Array(await readFile(`${dir}/${name}.wasm`));
}

const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: 1,
  isRemote: true,
});

/** A runtime with a trust policy, loading `bytes` signed by the trusted key (the default, secure path). */
async function signedRuntime(files: readonly Uint8Array[], limits = {}) {
  const key = await testKey(1);
  const tracing = memoryTracing();
  const clock = manualClock();
  const runtime = new ProbeRuntime({ trust: await openPolicy([key]), tracerProvider: tracing.provider, clock, limits });
  for (const bytes of files) await runtime.load((await signModule(bytes, key)).bytes);
  return { runtime, tracing, clock };
}

interface Request {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly durationNs: number;
}

const REQUESTS: readonly Request[] = [
  { method: "GET", route: "/users/:id", status: 200, durationNs: 1_234_567 },
  { method: "POST", route: "/orders", status: 503, durationNs: 12_000_000 },
  { method: "GET", route: "", status: 404, durationNs: 900 },
  { method: "PUT", route: "/café/ü/日本", status: 200, durationNs: 300_000_000 },
  { method: "GET", route: "/users/:id", status: 500, durationNs: 260_000_000 },
];

async function spansOf(group: string, name: string): Promise<ReadableSpan[]> {
  const { runtime, tracing, clock } = await signedRuntime([await built(group, name)]);
  for (const r of REQUESTS) {
    const scope = runtime.begin({ method: r.method, route: r.route, receivedAtNs: clock.nowNs(), parent });
    scope.request();
    clock.advance(r.durationNs);
    scope.response(r.status);
    scope.end();
  }
  assert.is(runtime.stats()[name]?.failures, 0, `${group}/${name} never failed`);
  assert.is(runtime.stats()[name]?.verified, true, `${group}/${name} was verified`);
  return tracing.spans();
}

/** Everything an exporter sends of a span, except the random span id. */
function fields(span: ReadableSpan) {
  return {
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    parent: span.parentSpanContext?.spanId,
    start: span.startTime,
    end: span.endTime,
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, time: e.time, attributes: e.attributes })),
    links: span.links,
    status: span.status,
    scope: span.instrumentationScope,
    droppedAttributes: span.droppedAttributesCount,
  };
}

for (const name of ["latency", "slow-detector"]) {
  test(`${name}: the C probe exports field for field the spans of the AssemblyScript one`, async () => {
    const fromC = await spansOf("c", name);
    const fromAs = await spansOf("examples", name);
    assert.ok(fromAs.length >= 2, "the requests produce spans");
    assert.equal(fromC.map(fields), fromAs.map(fields));
  });
}

test("the C latency probe as a UTF-8 component (jco new, canon utf8) runs on the fast path with the same spans", async () => {
  const fromComponent = await spansOf("components/c", "latency");
  const fromAs = await spansOf("examples", "latency");
  assert.equal(fromComponent.map(fields), fromAs.map(fields));
});

test("UTF-8 strings cross as they are: a non-ASCII route reaches the span name and attribute unchanged", async () => {
  const spans = await spansOf("c", "latency");
  const span = spans.find((s) => s.attributes["http.route"] === "/café/ü/日本");
  assert.ok(span, "the route arrived intact");
  assert.is(span.name, "PUT /café/ü/日本");
});

test("a C probe is refused unsigned by the default runtime, like any other (E_UNSIGNED)", async () => {
  const runtime = new ProbeRuntime({ trust: await openPolicy([await testKey(1)]) });
  assert.is(await codeOf(async () => runtime.load(await built("c", "latency"))), "E_UNSIGNED");
});

const HOSTILE: ReadonlyArray<readonly [name: string, code: string]> = [
  ["infinite-loop", "E_FUEL_EXHAUSTED"],
  ["memory-bomb", "E_PROBE_TRAP"],
  ["bad-pointer", "E_GUEST_MEMORY"],
];

for (const [name, code] of HOSTILE) {
  test(`C hostile ${name}: ${code} on every call until quarantined; the AssemblyScript neighbour loses no span`, async () => {
    const { runtime, tracing } = await signedRuntime([
      await built("c-hostile", name),
      await built("testing", "timing"),
    ]);
    const failures: string[] = [];
    for (let i = 0; i < 8; i++) {
      const scope = runtime.begin({ method: "GET", parent });
      scope.request();
      scope.response(200);
      scope.end();
      failures.push(...scope.failures.map((f) => `${f.probe}: ${f.error.code}`));
    }
    assert.ok(failures.length >= 2, `it failed: ${failures.join(", ")}`);
    assert.ok(
      failures.every((f) => f === `${name}: ${code}`),
      failures.join(", "),
    );
    assert.ok((runtime.stats()[name]?.quarantines ?? 0) >= 1, "quarantined");
    assert.is(tracing.byName("timed.parent").length, 8);
    assert.is(runtime.stats().timing?.failures, 0);
  });
}

test.run();
