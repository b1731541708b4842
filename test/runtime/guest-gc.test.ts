// AssemblyScript probes run on the incremental runtime (asconfig.json; docs/
// decisions/0002): a probe that makes garbage in every call keeps a bounded
// memory within its default fuel, and what it keeps survives every
// collection. (The minimal runtime, collected between calls, was measured
// and not taken: docs/benchmarks.md, "Issue 12: ninth session".)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { manualClock } from "../../host/index.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const REQUESTS = 3000;

test("garbage made in every call is collected; what the probe keeps survives", async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({ tracerProvider: tracing.provider, clock: manualClock() });
  await runtime.load(await probeBytes("testing", "garbage"));
  let largest = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const scope = runtime.begin({});
    scope.response(200 + (i % 300));
    scope.end();
    assert.equal(scope.failures, []);
    const [span] = tracing.spans();
    tracing.reset();
    assert.ok(span, `request ${i}`);
    assert.is(span.attributes["guest.kept.intact"], true, `request ${i}`);
    assert.ok((span.attributes["guest.text.length"] as number) > 200);
    largest = Math.max(largest, span.attributes["guest.memory.pages"] as number);
  }
  // ~4 KB of garbage a call: ~190 pages over these requests if nothing were collected.
  assert.ok(largest <= 8, `memory grew to ${largest} pages`);
  const stats = runtime.stats().garbage;
  assert.is(stats?.failures, 0);
  assert.is(stats?.reinstantiations, 0, "one instance served every request");
});

test("every example probe keeps one instance, without a failure, over thousands of requests with a new route each", async () => {
  for (const name of ["latency", "sampler", "slow-detector"]) {
    const runtime = unsignedRuntime({ tracerProvider: memoryTracing().provider, clock: manualClock() });
    await runtime.load(await probeBytes("examples", name));
    const probe = runtime.probes()[0];
    assert.ok(probe);
    for (let i = 0; i < REQUESTS; i++) {
      // A new route every request: strings the SDK cannot reuse become garbage.
      const scope = runtime.begin({ method: "GET", route: `/users/${i}` });
      scope.request();
      scope.response(i % 7 === 0 ? 503 : 200);
      scope.end();
      assert.equal(scope.failures, [], name);
    }
    assert.is(runtime.stats()[name]?.reinstantiations, 0, name);
  }
});

test.run();
