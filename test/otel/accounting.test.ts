// Every span and log record a probe emits ends in exactly one place:
// exported, or dropped for one reason (sampled out, quota, queue full,
// export failure). Under load, and with the collector down then up again,
// the ledger adds up exactly, and what it says was exported is exactly what
// the OTLP receiver decoded.
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ProbeRuntime } from "../../host/index.js";
import type { SignalAccountSnapshot } from "../../host/otel/ledger.js";
import { createTelemetry } from "../../host/telemetry/setup.js";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver.js";
import { probeBytes, seededBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function dropped(account: SignalAccountSnapshot): number {
  return Object.values(account.dropped).reduce((a, b) => a + b, 0);
}

function assertBalanced(account: SignalAccountSnapshot, what: string): void {
  assert.is(account.inFlight, 0, `${what}: nothing in flight after shutdown`);
  assert.is(account.emitted, account.exported + dropped(account), `${what}: emitted = exported + dropped`);
}

async function pipeline(receiver: OtlpReceiver, options: { maxQueueSize: number; ratio: number }) {
  const telemetry = await createTelemetry({
    export: { otlp: { endpoint: receiver.url, timeoutMillis: 800 } },
    sampling: { ratio: options.ratio },
    batch: { maxQueueSize: options.maxQueueSize, maxExportBatchSize: 64, scheduledDelayMillis: 20 },
  });
  // Two of the fidelity probe's three spans fit its quota: one quota drop per request.
  const runtime = unsignedRuntime({ ...telemetry.runtimeOptions, limits: { spansPerInvocation: 2 } });
  await runtime.replaceAll([await probeBytes("testing", "fidelity"), await probeBytes("examples", "latency")]);
  return { telemetry, runtime };
}

function drive(runtime: ProbeRuntime, count: number, seed: number): void {
  for (let i = 0; i < count; i++) {
    const scope = runtime.begin({
      method: "GET",
      route: "/users/:id",
      parent: trace.setSpanContext(ROOT_CONTEXT, {
        traceId: hex(seededBytes(seed + i, 16)),
        spanId: "00f067aa0ba902b7",
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      }),
    });
    scope.request();
    scope.response(200);
    scope.end();
  }
}

function receivedFrom(receiver: OtlpReceiver, probe: string): { spans: number; logs: number } {
  return {
    spans: receiver.spans().filter((s) => s.scope.name === probe).length,
    logs: receiver.logs().filter((l) => l.scope.name === probe).length,
  };
}

test("under load: sampled out, over quota and over the queue bound, and still every span accounted for", async () => {
  const receiver = await startOtlpReceiver();
  try {
    // No parent: the ratio decides for every request's root.
    const { telemetry, runtime } = await pipeline(receiver, { maxQueueSize: 100, ratio: 0.5 });
    for (let round = 0; round < 6; round++) {
      // Each round ends spans far faster than one export completes: the queue fills.
      for (let i = 0; i < 150; i++) {
        const scope = runtime.begin({ method: "GET", route: "/users/:id", parent: ROOT_CONTEXT });
        scope.request();
        scope.response(200);
        scope.end();
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    assert.ok((await telemetry.shutdown()).ok);
    const ledger = telemetry.ledger.snapshot();
    const fidelity = ledger.fidelity!;
    const latency = ledger.latency!;
    assertBalanced(fidelity.spans, "fidelity spans");
    assertBalanced(latency.spans, "latency spans");
    assertBalanced(fidelity.logs, "fidelity logs");
    assert.is(fidelity.spans.emitted, 900 * 3);
    assert.is(fidelity.spans.dropped.quota, 900, "the third span of every request");
    assert.ok(fidelity.spans.dropped["sampled-out"] > 0, "ratio 0.5 drops roots");
    assert.ok(fidelity.spans.dropped["queue-full"] + latency.spans.dropped["queue-full"] > 0, "the bound was hit");
    assert.is(fidelity.spans.dropped["export-failure"], 0);
    // Exported means decoded by the receiver: exactly.
    assert.equal(receivedFrom(receiver, "fidelity"), { spans: fidelity.spans.exported, logs: fidelity.logs.exported });
    assert.is(receivedFrom(receiver, "latency").spans, latency.spans.exported);
    assert.is(fidelity.logs.emitted, 900);
  } finally {
    await receiver.close();
  }
});

test("collector down, then up: failed exports are counted, later ones arrive, the sums hold", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const { telemetry, runtime } = await pipeline(receiver, { maxQueueSize: 2048, ratio: 1 });
    receiver.setDown(true);
    drive(runtime, 40, 1);
    // Each export is answered 503 and gives up within its 800 ms budget.
    await telemetry.forceFlush();
    const down = telemetry.ledger.snapshot();
    assert.is(down.fidelity!.spans.dropped["export-failure"], 40 * 2);
    assert.is(down.latency!.spans.dropped["export-failure"], 40);
    assert.is(down.fidelity!.spans.exported, 0);
    assert.ok(receiver.requests().every((r) => r.status === 503));

    receiver.setDown(false);
    drive(runtime, 25, 100);
    assert.ok((await telemetry.shutdown()).ok);
    const up = telemetry.ledger.snapshot();
    for (const probe of ["fidelity", "latency"] as const) {
      assertBalanced(up[probe]!.spans, `${probe} spans`);
      assert.equal(up[probe]!.spans.dropped["export-failure"], probe === "fidelity" ? 80 : 40);
      assert.is(receivedFrom(receiver, probe).spans, up[probe]!.spans.exported);
    }
    assert.is(up.fidelity!.spans.exported, 25 * 2);
    assert.is(up.latency!.spans.exported, 25);
    assert.is(up.fidelity!.spans.emitted, 65 * 3);
    assertBalanced(up.fidelity!.logs, "fidelity logs");
    assert.is(up.fidelity!.logs.dropped["export-failure"], 40);
    assert.is(up.fidelity!.logs.exported, 25);
    assert.is(receivedFrom(receiver, "fidelity").logs, 25);
  } finally {
    await receiver.close();
  }
});

test.run();
