// Load test, bounded and loopback only: the Node HTTP adapter on 127.0.0.1
// serving with the example probes plus two hostile ones (an infinite loop and
// a trap on every second call). Every request is answered 200, every span of
// the well-behaved probe is delivered, and every failure is counted.
import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { withProbes } from "../../host/adapters/node-http.js";
import { DEFAULT_LIMITS } from "../../host/world/limits.js";
import { memoryTracing } from "../support/otel.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const REQUESTS = 3000;
const CONCURRENCY = 32;

function get(port: number, agent: Agent, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

test(`${REQUESTS} requests over loopback with hostile probes loaded: all 200, no good span lost, every failure counted`, async () => {
  const tracing = memoryTracing();
  const runtime = unsignedRuntime({
    tracerProvider: tracing.provider,
    // The real clock: quarantine lengths pass in real time here (1 s, then 2 s, ...).
    limits: { fuelPerHook: 1_000_000 },
  });
  await runtime.replaceAll([
    await probeBytes("examples", "latency"),
    await probeBytes("examples", "slow-detector"),
    await probeBytes("hostile", "infinite-loop"),
    await probeBytes("hostile", "trap-every-second"),
  ]);
  const server = createServer(
    withProbes(
      runtime,
      (_req, res) => {
        res.statusCode = 200;
        res.end("ok");
      },
      { route: () => "/load" },
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  try {
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        next++;
        const status = await get(port, agent, "/load");
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await tracing.provider.forceFlush();

  assert.equal([...statuses], [[200, REQUESTS]], "every request answered 200");

  const stats = runtime.stats();
  // The well-behaved probes: every call ran, none failed, nothing dropped.
  for (const name of ["latency", "slow-detector"]) {
    assert.is(stats[name]?.invocations, REQUESTS, name);
    assert.is(stats[name]?.failures, 0, name);
    assert.equal(stats[name]?.drops, {}, name);
  }
  const latencySpans = tracing.spans().filter((s) => s.instrumentationScope.name === "latency");
  assert.is(latencySpans.length, REQUESTS, "one latency span per request, none lost");
  assert.ok(latencySpans.every((s) => s.name === "GET /load"));

  // The infinite loop: each call it got failed with E_FUEL_EXHAUSTED; the rest were skipped in quarantine.
  const loop = stats["infinite-loop"];
  assert.ok(loop);
  assert.is(loop.failures + loop.skippedWhileQuarantined, REQUESTS);
  assert.is(loop.invocations, loop.failures);
  assert.equal(loop.errors, { E_FUEL_EXHAUSTED: loop.failures });
  assert.ok(loop.quarantines >= 1);
  // Quarantined after quarantineAfterExhaustion fuel exhaustions in a row, not quarantineAfter failures.
  assert.is(loop.failures, DEFAULT_LIMITS.quarantineAfterExhaustion * loop.quarantines + loop.consecutiveFailures);

  // The trap on every second call: never quarantined, exactly half its calls failed.
  const trap = stats["trap-every-second"];
  assert.ok(trap);
  assert.is(trap.invocations, REQUESTS);
  assert.equal(trap.errors, { E_PROBE_TRAP: REQUESTS / 2 });
  assert.is(trap.quarantines, 0);
  assert.is(tracing.byName("second.ok").length, REQUESTS / 2);
  console.log(
    `  load: ${REQUESTS} requests, infinite-loop failures ${loop.failures} skipped ${loop.skippedWhileQuarantined} quarantines ${loop.quarantines}; latency fuel p50 ${stats.latency?.fuel.p50} p99 ${stats.latency?.fuel.p99}`,
  );
});

test.run();
