// The JS twin the workerd bench compares the probes with (issue 12) must
// really do the probes' work: under the real workerd, with the same
// requests, it exports over OTLP the same spans as the packed worker with
// the signed example bundle (names, kinds, scopes, attributes, status,
// events, parents, resource), so "probes+otlp vs js-twin+otlp" measures the
// sandbox and nothing else.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type EdgeFixture, edgeFixture, packExample } from "../support/edge/fixture.js";
import { twinProject } from "../support/edge/plain-project.js";
import type { Started } from "../support/edge/processes.js";
import { startWorkerd } from "../support/edge/runtimes.js";
import { traceSpans } from "../support/edge/suite.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../support/otlp-receiver.js";

/** Depends on wall time on a loaded machine (the slow-detector's 250 ms threshold), not on the instrumentation. */
const TIMING_ATTRIBUTES = new Set(["http.server.request.duration", "sandprobe.slow"]);

/** What must match, per span, with parents named by span name instead of random ids. */
function shape(spans: readonly ReceivedSpan[], caller: string) {
  const nameOf = new Map(spans.map((s) => [s.spanId, `${s.scope.name}/${s.name}`]));
  return spans
    .map((s) => ({
      scope: `${s.scope.name}@${s.scope.version}`,
      name: s.name,
      kind: s.kind,
      parent: s.parentSpanId === caller ? "caller" : (nameOf.get(s.parentSpanId) ?? s.parentSpanId),
      attributes: Object.fromEntries(Object.entries(s.attributes).filter(([k]) => !TIMING_ATTRIBUTES.has(k))),
      status: s.status,
      events: s.events.map((e) => e.name).filter((n) => n !== "slow_request"),
      resource: s.resource.attributes,
    }))
    .sort((a, b) => `${a.scope}/${a.name}`.localeCompare(`${b.scope}/${b.name}`));
}

const CALLER = "00f067aa0ba902b7";

async function spansFor(worker: Started, receiver: OtlpReceiver, path: string, traceId: string, count: number) {
  const response = await fetch(`${worker.url}${path}`, { headers: { traceparent: `00-${traceId}-${CALLER}-01` } });
  await response.text();
  assert.ok(response.headers.get("traceparent")?.includes(traceId), "the response carries the trace");
  return shape(await traceSpans(receiver, traceId, count), CALLER);
}

let fixture: EdgeFixture | undefined;
let receiver: OtlpReceiver | undefined;
const workers: Started[] = [];

test.after(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await receiver?.close();
  await fixture?.remove();
});

test("under workerd the JS twin exports over OTLP the spans the probed worker exports", async () => {
  fixture = await edgeFixture();
  receiver = await startOtlpReceiver();
  const env = { SANDPROBE_OTLP_URL: receiver.tracesUrl };
  const probed = await startWorkerd((await packExample(fixture, "probed")).outDir, env);
  workers.push(probed);
  const twin = await startWorkerd(await twinProject(`${fixture.dir}/js-twin`), env);
  workers.push(twin);
  // Trace ids by their first byte: 0x0_ hashes below the sampler's 0.25 bound (kept), 0xf_ above it (not kept).
  const cases = [
    // server, sampler (a critical path), latency
    { path: "/checkout", lead: "0", count: 3 },
    // server, sampler, latency, slow-detector (a 5xx): status ERROR on three of them
    { path: "/payment/declined", lead: "0", count: 4 },
    // not critical: server, sampler (kept by the trace id's hash), latency
    { path: "/elsewhere", lead: "0", count: 3 },
    // not critical and not kept: the server span only (a dropped trace exports no probe span)
    { path: "/elsewhere", lead: "f", count: 1 },
  ];
  for (const [i, { path, lead, count }] of cases.entries()) {
    const id = (side: number) => `${lead}${i}${side}`.padEnd(32, "0");
    const fromProbes = await spansFor(probed, receiver, path, id(1), count);
    const fromTwin = await spansFor(twin, receiver, path, id(2), count);
    assert.is(fromProbes.length, count, `${path}: ${JSON.stringify(fromProbes.map((s) => s.name))}`);
    assert.equal(fromTwin, fromProbes, path);
  }
});

test.run();
