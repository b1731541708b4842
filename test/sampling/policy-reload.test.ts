// A sampling policy is a probe: replacing it changes the decisions of the
// next requests in a running host, without a restart, and the spans of
// other probes follow whichever policy was loaded when their request began.
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/index.js";
import { createTelemetry } from "../../host/telemetry/setup.js";
import { probeBytes, seededBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

test("loading sampler@2.0.0 over sampler@1.0.0 switches the policy for the next requests", async () => {
  const telemetry = await createTelemetry({ export: "memory" });
  const runtime = unsignedRuntime({ ...telemetry.runtimeOptions, clock: manualClock() });
  await runtime.replaceAll([await probeBytes("examples", "sampler"), await probeBytes("examples", "latency")]);
  const run = (seed: number, route: string) => {
    const scope = runtime.begin({
      method: "GET",
      route,
      parent: trace.setSpanContext(ROOT_CONTEXT, {
        traceId: hex(seededBytes(seed, 16)),
        spanId: "00f067aa0ba902b7",
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      }),
    });
    scope.request();
    scope.response(200);
    scope.end();
    return scope.sampled;
  };
  let keptV1 = 0;
  for (let i = 1; i <= 200; i++) if (run(i, "/users/:id")) keptV1++;
  assert.ok(keptV1 > 20 && keptV1 < 90, `v1 keeps about a quarter: ${keptV1}`);

  const info = await runtime.load(await probeBytes("testing", "sampler-v2"));
  assert.equal([info.name, info.version], ["sampler", "2.0.0"]);
  // The sampler decides in the request hook, latency spans start in the response hook: order is moot.
  assert.equal(
    runtime.probes().map((p) => `${p.name}@${p.version}`),
    ["latency@1.0.0", "sampler@2.0.0"],
  );
  let keptV2 = 0;
  for (let i = 1; i <= 200; i++) if (run(i, "/users/:id")) keptV2++;
  assert.is(keptV2, 200, "v2 keeps every trace");
  assert.is(run(999, "/health"), false);

  await telemetry.forceFlush();
  const latency = telemetry.memory!.spans.getFinishedSpans().filter((s) => s.instrumentationScope.name === "latency");
  assert.is(latency.length, keptV1 + keptV2);
  await telemetry.shutdown();
});

test.run();
