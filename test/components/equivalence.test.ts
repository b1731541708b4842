import { type Context, ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock, type ProbeLogRecord, type RequestInfo } from "../../host/index.js";
import { extractCoreModule } from "../../host/load/component/index.js";
import { JcoProbe } from "../../host/runtime/jco-probe.js";
import { componentize } from "../../scripts/build-components.js";
import { transpileInMemory } from "../support/jco.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const PARENT_ID = "00f067aa0ba902b7";
const EPOCH = 1_700_000_000;

function remoteParent(traceId: string, tracestate = ""): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: PARENT_ID,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    ...(tracestate
      ? {
          traceState: {
            serialize: () => tracestate,
            get: () => undefined,
            set: (() => {}) as never,
            unset: (() => {}) as never,
          },
        }
      : {}),
  });
}

/** Every field an exporter sees, with span ids replaced by their position (they are random). */
function shape(spans: readonly ReadableSpan[]) {
  const index = new Map(spans.map((s, i) => [s.spanContext().spanId, i]));
  return spans.map((s) => {
    const parentId = s.parentSpanContext?.spanId;
    return {
      name: s.name,
      kind: s.kind,
      traceId: s.spanContext().traceId,
      traceFlags: s.spanContext().traceFlags,
      parent:
        parentId === undefined ? "none" : index.has(parentId) ? `span#${index.get(parentId)}` : `remote:${parentId}`,
      start: s.startTime,
      end: s.endTime,
      attributes: s.attributes,
      events: s.events.map((e) => ({ name: e.name, time: e.time, attributes: e.attributes })),
      status: s.status,
      links: s.links,
      dropped: [s.droppedAttributesCount, s.droppedEventsCount, s.droppedLinksCount],
      scope: [s.instrumentationScope.name, s.instrumentationScope.version],
    };
  });
}

/** A reader the test collects from on demand. */
class CollectingReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** Every metric point a probe recorded (scope, name, attributes, value), without timestamps. */
async function metricPoints(reader: CollectingReader) {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.flatMap((metric) =>
      metric.dataPoints.map((point) => ({
        scope: [scope.scope.name, scope.scope.version],
        name: metric.descriptor.name,
        attributes: point.attributes,
        value: point.value,
      })),
    ),
  );
}

interface Step {
  readonly clockNs: number;
  readonly action: "request" | "response" | "end";
  readonly status?: number;
}

interface Run {
  spans: ReturnType<typeof shape>;
  logs: Omit<ProbeLogRecord, "probe">[];
  failures: string[];
  sampled: boolean | undefined;
  drops: Record<string, number | undefined>;
  metrics: Awaited<ReturnType<typeof metricPoints>>;
}

/** Run one probe on both paths through the same steps with identical clocks. */
async function bothPaths(group: "examples" | "testing", name: string) {
  const core = await probeBytes(group, name);
  const component = await componentize(core);
  const transpiled = await transpileInMemory(component);

  const fastTracing = memoryTracing();
  const fastClock = manualClock({ epochSeconds: EPOCH });
  const fastLogs: ProbeLogRecord[] = [];
  const fastMetrics = new CollectingReader();
  const runtime = unsignedRuntime({
    tracerProvider: fastTracing.provider,
    meterProvider: new MeterProvider({ readers: [fastMetrics] }),
    clock: fastClock,
    onLog: (r) => fastLogs.push(r),
  });
  // The fast path runs the core module extracted from the component, not the original file.
  await runtime.load(extractCoreModule(component).core);

  const jcoTracing = memoryTracing();
  const jcoClock = manualClock({ epochSeconds: EPOCH });
  const jcoLogs: ProbeLogRecord[] = [];
  const jcoMetrics = new CollectingReader();
  const jco = await JcoProbe.load(component, transpiled, {
    insecureAllowUnsigned: true,
    tracerProvider: jcoTracing.provider,
    meterProvider: new MeterProvider({ readers: [jcoMetrics] }),
    clock: jcoClock,
    onLog: (r) => jcoLogs.push(r),
  });

  const strip = (logs: ProbeLogRecord[]) => logs.splice(0).map(({ probe: _probe, ...rest }) => rest);

  return {
    jco,
    async run(info: RequestInfo, steps: readonly Step[]): Promise<{ fast: Run; jco: Run }> {
      fastTracing.reset();
      jcoTracing.reset();
      const fastScope = runtime.begin(info);
      const jcoRequest = jco.begin(info);
      for (const step of steps) {
        fastClock.set(step.clockNs);
        jcoClock.set(step.clockNs);
        if (step.action === "request") {
          fastScope.request();
          jcoRequest.request();
        } else if (step.action === "response") {
          fastScope.response(step.status ?? 200);
          jcoRequest.response(step.status ?? 200);
        } else {
          fastScope.end();
          jcoRequest.end();
        }
      }
      await jco.ready();
      return {
        fast: {
          spans: shape(fastTracing.spans()),
          logs: strip(fastLogs),
          failures: fastScope.failures.map((f) => f.error.code),
          sampled: fastScope.sampled,
          drops: { ...Object.values(runtime.stats())[0]?.drops },
          metrics: await metricPoints(fastMetrics),
        },
        jco: {
          spans: shape(jcoTracing.spans()),
          logs: strip(jcoLogs),
          failures: jcoRequest.failures.map((f) => f.code),
          sampled: jcoRequest.scope.sampled,
          drops: { ...jco.stats.drops },
          metrics: await metricPoints(jcoMetrics),
        },
      };
    },
  };
}

const T0 = 9_000_000_000;

test("timing: kinds, every attribute type, event, status, child by handle, tracestate, headers, an unended span", async () => {
  const paths = await bothPaths("testing", "timing");
  const { fast, jco } = await paths.run(
    {
      parent: remoteParent("4bf92f3577b34da6a3ce929d0e0e4736", "vendor=abc"),
      headers: new Headers({ "User-Agent": "curl/8", authorization: "secret" }),
      method: "GET",
      receivedAtNs: T0,
    },
    [
      { clockNs: T0 + 10, action: "request" },
      { clockNs: T0 + 20, action: "response", status: 200 },
      { clockNs: T0 + 30, action: "end" },
    ],
  );
  assert.is(fast.spans.length, 3);
  assert.equal(jco.spans, fast.spans);
  assert.ok(fast.logs.some((l) => l.message === "ua=curl/8"));
  assert.equal(jco.logs, fast.logs);
  assert.equal(jco.failures, []);
  assert.equal(fast.failures, []);
});

test("latency and slow-detector: request facts, start-at/end-at, error status, events", async () => {
  for (const name of ["latency", "slow-detector"]) {
    const paths = await bothPaths("examples", name);
    for (const [elapsed, status] of [
      [12_000_000, 200],
      [12_000_000, 503],
      [400_000_000, 200],
    ] as const) {
      const { fast, jco } = await paths.run(
        {
          parent: remoteParent("0af7651916cd43dd8448eb211c80319c"),
          method: "POST",
          route: "/users/:id",
          receivedAtNs: T0,
        },
        [
          { clockNs: T0 + 1, action: "request" },
          { clockNs: T0 + elapsed, action: "response", status },
          { clockNs: T0 + elapsed + 5, action: "end" },
        ],
      );
      assert.equal(jco.spans, fast.spans, `${name} ${elapsed} ${status}`);
      assert.equal(jco.failures, fast.failures);
    }
  }
});

test("sampler: the same keep/drop decision from the same trace ids, and the same spans", async () => {
  const paths = await bothPaths("examples", "sampler");
  const decisions: (boolean | undefined)[] = [];
  for (const [traceId, route] of [
    ["00000000000000000000000000000001", "/home"],
    ["ffffffffffffffff0000000000000000", "/home"],
    ["4bf92f3577b34da6a3ce929d0e0e4736", "/checkout/cart"],
    ["0af7651916cd43dd8448eb211c80319c", "/other"],
  ] as const) {
    const { fast, jco } = await paths.run({ parent: remoteParent(traceId), route, receivedAtNs: T0 }, [
      { clockNs: T0 + 100, action: "request" },
      { clockNs: T0 + 200, action: "end" },
    ]);
    assert.is(jco.sampled, fast.sampled, traceId);
    assert.equal(jco.spans, fast.spans, traceId);
    decisions.push(fast.sampled);
  }
  // Both outcomes were exercised.
  assert.ok(decisions.includes(true) && decisions.includes(false), String(decisions));
});

test("trap: the span before a trap, the failure code, and recovery with a fresh instance", async () => {
  const paths = await bothPaths("testing", "trap");
  for (let i = 0; i < 3; i++) {
    const { fast, jco } = await paths.run({ parent: remoteParent("4bf92f3577b34da6a3ce929d0e0e4736") }, [
      { clockNs: T0 + i * 1000, action: "request" },
      { clockNs: T0 + i * 1000 + 1, action: "response", status: 200 },
      { clockNs: T0 + i * 1000 + 2, action: "end" },
    ]);
    assert.is(fast.spans.length, 1, `call ${i}`);
    assert.equal(jco.spans, fast.spans, `call ${i}`);
    // The request hook aborts (an AssemblyScript throw), the response hook loads out of bounds.
    // After five consecutive failures the probe is quarantined: its third response hook is skipped.
    assert.equal(fast.failures, i < 2 ? ["E_PROBE_TRAP", "E_PROBE_TRAP"] : ["E_PROBE_TRAP"], `call ${i}`);
    assert.equal(jco.failures, fast.failures, `call ${i}`);
  }
  assert.is(paths.jco.stats.failures, 5);
  assert.is(paths.jco.stats.quarantines, 1);
});

test("links-metrics: add-link (valid and invalid), an event with an attribute, counters and histograms", async () => {
  const paths = await bothPaths("testing", "links-metrics");
  for (let i = 0; i < 2; i++) {
    const { fast, jco } = await paths.run({ parent: remoteParent("4bf92f3577b34da6a3ce929d0e0e4736") }, [
      { clockNs: T0 + i * 1000, action: "request" },
      { clockNs: T0 + i * 1000 + 1, action: "response", status: 200 },
      { clockNs: T0 + i * 1000 + 2, action: "end" },
    ]);
    assert.is(fast.spans.length, 1);
    const span = fast.spans[0];
    // The request's context and the explicit one; the all-zero context is refused.
    assert.equal(
      span?.links.map((l) => l.context.spanId),
      [PARENT_ID, "1122334455667788"],
    );
    assert.is(span?.links[1]?.context.traceId, "0102030405060708f0e0d0c0b0a09080");
    assert.equal(span?.events[0]?.attributes, { "exception.message": "ünïcode ✓ message" });
    assert.equal(jco.spans, fast.spans, `call ${i}`);
    assert.equal(jco.failures, fast.failures);
    assert.equal(fast.failures, []);
    // invalid-link, metric-invalid (name, negative) and invalid-handle (the event and link on handle 99), per call.
    assert.equal(fast.drops, {
      "invalid-link": i + 1,
      "metric-invalid": 2 * (i + 1),
      "invalid-handle": 2 * (i + 1),
    });
    assert.equal(jco.drops, fast.drops);
    const requests = fast.metrics.filter((p) => p.name === "probe.requests");
    assert.equal(
      requests.map((p) => [p.attributes, p.value]),
      [
        [{}, i + 1],
        [{ route: "/a" }, 2 * (i + 1)],
      ],
    );
    assert.ok(fast.metrics.some((p) => p.name === "probe.latency"));
    assert.ok(fast.metrics.some((p) => p.name === "probe.status"));
    assert.equal(jco.metrics, fast.metrics, `call ${i}`);
  }
});

test.run();
