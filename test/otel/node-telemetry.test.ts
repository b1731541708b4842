// The Node adapter reads OTEL_* variables (here from a given environment,
// never the test process's own) and wires the OTLP exporters to them, or
// writes JSON Lines to a file when no exporter is configured; shutdown
// flushes once and loses nothing.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createNodeTelemetry } from "../../host/adapters/otel-node.js";
import type { ProbeRuntime } from "../../host/index.js";
import { startOtlpReceiver } from "../support/otlp-receiver.js";
import { probeBytes } from "../support/probes.js";
import { unsignedRuntime } from "../support/runtime.js";

const TRACE = "0af7651916cd43dd8448eb211c80319c";

async function drive(runtime: ProbeRuntime, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const scope = runtime.begin({
      method: "GET",
      route: "/users/:id",
      parent: trace.setSpanContext(ROOT_CONTEXT, {
        traceId: TRACE,
        spanId: "b7ad6b7169203331",
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      }),
    });
    scope.request();
    scope.response(200);
    scope.end();
  }
}

test("OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and the sampler variables", async () => {
  const receiver = await startOtlpReceiver();
  try {
    const telemetry = await createNodeTelemetry({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "edge-node",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod,cloud.region=us-east-1",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0",
      },
      resource: { serviceName: "set-in-code", serviceVersion: "9.9.9" },
    });
    assert.equal(telemetry.warnings, []);
    const runtime = unsignedRuntime({ ...telemetry.runtimeOptions });
    await runtime.load(await probeBytes("examples", "latency"));
    // A sampled caller: parent-based keeps it although the root ratio is 0.
    await drive(runtime, 3);
    const first = telemetry.shutdown(5000);
    assert.is(telemetry.shutdown(), first, "shutdown runs once");
    assert.ok((await first).ok);
    const spans = receiver.spans();
    assert.is(spans.length, 3);
    assert.ok(receiver.requests().every((r) => r.encoding === "json"));
    const resource = spans[0]!.resource.attributes;
    assert.is(resource["service.name"], "edge-node", "the operator's variable wins, as in the Node SDK");
    assert.is(resource["service.version"], "9.9.9");
    assert.is(resource["deployment.environment.name"], "prod");
    assert.is(resource["cloud.region"], "us-east-1");
    assert.is(resource["probe.runtime"], "wasi");
    assert.is(telemetry.sampler.policy.ratio, 0);
  } finally {
    await receiver.close();
  }
});

test("without an exporter configured, a JSON Lines file receives spans, logs and metric points", async () => {
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-jsonl-"));
  try {
    const file = join(dir, "telemetry.jsonl");
    const telemetry = await createNodeTelemetry({ env: {}, jsonlFile: file, resource: { serviceName: "local" } });
    const runtime = unsignedRuntime({ ...telemetry.runtimeOptions });
    await runtime.replaceAll([await probeBytes("testing", "fidelity"), await probeBytes("examples", "latency")]);
    await drive(runtime, 2);
    assert.ok((await telemetry.shutdown()).ok);
    const lines = (await readFile(file, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const spans = lines.filter((l) => l.signal === "span");
    assert.is(spans.length, 2 * 3 + 2);
    assert.ok(spans.every((s) => s.traceId === TRACE));
    const lookup = spans.find((s) => s.name === "GET" && s.scope.name === "fidelity");
    assert.is(lookup.links[0].spanId, "b7ad6b7169203331");
    assert.match(lookup.startTimeUnixNano, /^\d{19}$/);
    const logs = lines.filter((l) => l.signal === "log");
    assert.is(logs.length, 2);
    assert.is(logs[0].traceId, TRACE);
    const points = lines.filter((l) => l.signal === "metric" && l.name === "probe.cache.misses");
    assert.is(points.at(-1).value, 2);
    const exported = lines.filter((l) => l.signal === "metric" && l.name === "sandprobe.probe.spans.exported");
    assert.ok(exported.some((p) => p.attributes["probe.name"] === "fidelity" && p.value === 6));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
