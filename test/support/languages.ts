// Shared by the language tests: built probes, a signed runtime, the same
// requests through any probe, and the span fields an exporter sends.

import { readFile } from "node:fs/promises";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/clock/clock.js";
import type { HostLimitOverrides } from "../../host/index.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { signModule } from "../../host/trust/signature/sign.js";
import { memoryTracing } from "./otel.js";
import { openPolicy, testKey } from "./signing.js";

/** A built probe (`group` under build/probes/) or, for "components/<group>", a built component. */
export async function built(group: string, name: string): Promise<Uint8Array> {
  const dir = group.startsWith("components/") ? `build/${group}` : `build/probes/${group}`;
  return new Uint8Array(await readFile(`${dir}/${name}.wasm`));
}

export const parent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: 1,
  isRemote: true,
});

/** A runtime with a trust policy, loading `bytes` signed by the trusted key (the default, secure path). */
export async function signedRuntime(files: readonly Uint8Array[], limits: HostLimitOverrides = {}) {
  const key = await testKey(1);
  const tracing = memoryTracing();
  const clock = manualClock();
  const runtime = new ProbeRuntime({ trust: await openPolicy([key]), tracerProvider: tracing.provider, clock, limits });
  for (const bytes of files) await runtime.load((await signModule(bytes, key)).bytes);
  return { runtime, tracing, clock };
}

export interface Request {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly durationNs: number;
}

export const REQUESTS: readonly Request[] = [
  { method: "GET", route: "/users/:id", status: 200, durationNs: 1_234_567 },
  { method: "POST", route: "/orders", status: 503, durationNs: 12_000_000 },
  { method: "GET", route: "", status: 404, durationNs: 900 },
  { method: "PUT", route: "/café/ü/日本", status: 200, durationNs: 300_000_000 },
  { method: "GET", route: "/users/:id", status: 500, durationNs: 260_000_000 },
];

export async function spansOf(group: string, name: string, limits: HostLimitOverrides = {}): Promise<ReadableSpan[]> {
  const { runtime, tracing, clock } = await signedRuntime([await built(group, name)], limits);
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
export function fields(span: ReadableSpan) {
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

/** Run `n` bare requests (GET, no route) through `runtime`; every failure as "probe: CODE". */
export function failuresOver(runtime: ProbeRuntime, n: number): string[] {
  const failures: string[] = [];
  for (let i = 0; i < n; i++) {
    const scope = runtime.begin({ method: "GET", parent });
    scope.request();
    scope.response(200);
    scope.end();
    failures.push(...scope.failures.map((f) => `${f.probe}: ${f.error.code}`));
  }
  return failures;
}
