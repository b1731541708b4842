/**
 * A host's bundle updates as metrics and status: every delivery counted by
 * outcome, refusals by code and failed deliveries by reason, so an operator
 * can alert on a fleet that stopped updating or keeps refusing.
 */
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { httpBundleSource } from "../../host/runtime/fleet/http-source.js";
import type { BundleOutcome } from "../../host/runtime/fleet/watch.js";
import { TrustedLoader } from "../../host/runtime/loader.js";
import { ProbeRuntime } from "../../host/runtime/runtime.js";
import { observeBundleWatch } from "../../host/telemetry/fleet-metrics.js";
import { bundleServer, serveBytes } from "../support/bundle-server.js";
import { edgeBundle, tampered, until } from "../support/fleet.js";
import { openPolicy, testKey } from "../support/signing.js";

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

test("sandprobe.bundle.updates counts accepted, refused (by code) and failed deliveries (by reason)", async () => {
  const key = await testKey(1);
  const runtime = new ProbeRuntime();
  const loader = new TrustedLoader({ runtime, policy: await openPolicy([key]) });
  const server = await bundleServer((_req, res) => {
    res.writeHead(503);
    res.end();
  });
  const outcomes: BundleOutcome[] = [];
  const watch = loader.watch(httpBundleSource(server.url, { pollMs: 10, maxBackoffMs: 20 }), {
    onOutcome: (o) => {
      outcomes.push(o);
      throw new Error("a throwing callback must not stop the watch");
    },
  });
  try {
    await until(() => outcomes.length >= 2, "two failed deliveries");
    server.serve(serveBytes(tampered(await edgeBundle("1.0.0", key)), '"t"'));
    await until(() => outcomes.some((o) => o.kind === "refused"), "the tampered bundle");
    server.serve(serveBytes(await edgeBundle("1.0.0", key), '"v1"'));
    await until(() => outcomes.some((o) => o.kind === "accepted"), "the valid bundle");
  } finally {
    await watch.stop();
    await server.close();
  }
  const status = watch.status();
  assert.is(status.running, false);
  assert.is(status.current?.version, "1.0.0");
  assert.equal(status.refusedBy, { E_SIGNATURE_INVALID: 1 });
  assert.ok((status.sourceErrorsBy.status ?? 0) >= 2);
  assert.equal(status.last, { kind: "accepted", version: "1.0.0" });

  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  observeBundleWatch(provider.getMeter("sandprobe"), watch);
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === "sandprobe.bundle.updates");
  const points = new Map(
    (metric?.dataPoints ?? []).map((p) => [`${p.attributes.outcome}/${p.attributes["error.type"] ?? ""}`, p.value]),
  );
  assert.is(points.get("accepted/"), 1);
  assert.is(points.get("refused/E_SIGNATURE_INVALID"), 1);
  assert.is(points.get("source-error/status"), status.sourceErrorsBy.status);
  assert.is(metric?.dataPoints[0]?.attributes["sandprobe.bundle.source"], server.url);
  await provider.shutdown();
});

test.run();
