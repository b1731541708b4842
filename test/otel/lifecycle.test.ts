// Flush and shutdown are bounded and run once: a stuck exporter cannot hang
// the host's exit, and the spans it holds are not counted as exported.
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createTelemetry } from "../../host/telemetry/setup.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

test("shutdown with a stuck exporter resolves at its time limit, once, and counts nothing as exported", async () => {
  const pending: ((result: ExportResult) => void)[] = [];
  const telemetry = await createTelemetry({
    export: {
      exporters: {
        traces: {
          export: (_spans: ReadableSpan[], done) => {
            pending.push(done);
          },
          shutdown: () => Promise.resolve(),
        },
      },
    },
    // The batch processor gives up on the stuck export after this long (its timer holds the process).
    batch: { exportTimeoutMillis: 200 },
  });
  const runtime = unsignedRuntime({ ...telemetry.runtimeOptions });
  await runtime.load(await probeBytes("examples", "latency"));
  const scope = runtime.begin({
    method: "GET",
    route: "/",
    parent: trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    }),
  });
  scope.response(200);
  scope.end();
  const first = telemetry.shutdown(50);
  assert.is(telemetry.shutdown(5000), first, "the same shutdown");
  assert.is(await telemetry.forceFlush(), await first, "a flush after shutdown is the shutdown");
  const result = await first;
  assert.is(result.timedOut, true);
  assert.is(result.ok, false);
  const account = telemetry.ledger.snapshot().latency!.spans;
  assert.equal([account.emitted, account.exported, account.inFlight], [1, 0, 1], "still in flight, not lost silently");
  // The exporter answers late: the span is accounted for then.
  for (const done of pending) done({ code: 0 });
  assert.equal(telemetry.ledger.snapshot().latency!.spans.exported, 1);
});

test('export "none": spans are accepted and counted, log lines are not turned into records', async () => {
  const telemetry = await createTelemetry({ export: "none" });
  assert.is(telemetry.runtimeOptions.loggerProvider, undefined);
  const lines: string[] = [];
  const runtime = unsignedRuntime({ ...telemetry.runtimeOptions, onLog: (r) => lines.push(r.message) });
  await runtime.load(await probeBytes("testing", "fidelity"));
  const scope = runtime.begin({ route: "/a" });
  scope.request();
  scope.end();
  assert.ok((await telemetry.shutdown()).ok);
  const account = telemetry.ledger.snapshot().fidelity!;
  assert.equal([account.spans.emitted, account.spans.exported, account.spans.inFlight], [3, 3, 0]);
  assert.equal([account.logs.emitted, account.logs.inFlight], [0, 0]);
  assert.equal(lines, ["cache miss on /a"]);
});

test.run();
