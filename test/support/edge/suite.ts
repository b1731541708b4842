/**
 * One set of runtime assertions, run unchanged against workerd, Deno and
 * Node: the same signed bundle, the same packed app, the same requests, the
 * spans checked where they land, in an OTLP receiver on 127.0.0.1.
 */
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { parseTraceparent } from "../../../host/otel/tracecontext/index.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../otlp-receiver.js";
import { copyProject, type EdgeFixture, edgeFixture, flipByte, packExample } from "./fixture.js";
import type { Started } from "./processes.js";
import { type RuntimeName, START } from "./runtimes.js";

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const STATUS_ERROR = 2;

/** Spans of one trace, once at least `count` arrived (the receiver's wait is the guard, not an assertion). */
export async function traceSpans(receiver: OtlpReceiver, traceId: string, count: number): Promise<ReceivedSpan[]> {
  for (let round = 0; round < 100; round++) {
    const spans = receiver.spans().filter((s) => s.traceId === traceId);
    if (spans.length >= count) return spans;
    await receiver.waitForSpans(receiver.spans().length + 1);
  }
  throw new Error(`spans of trace ${traceId} never reached ${count}`);
}

/**
 * The spans without a slow-detector mark that only says "slow": its
 * threshold (250 ms) is wall time, which a loaded machine may cross on any
 * request, so no test counts on it being there or not. A mark for a 5xx is
 * kept: that one is decided by the status alone.
 */
function withoutSlowMarks(spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  return spans.filter(
    (s) =>
      !(
        s.scope.name === "slow-detector" &&
        s.attributes["sandprobe.slow"] === true &&
        Number(s.attributes["http.response.status_code"]) < 500
      ),
  );
}

function one(spans: readonly ReceivedSpan[], scope: string, name?: string): ReceivedSpan {
  const found = spans.filter((s) => s.scope.name === scope && (name === undefined || s.name === name));
  assert.is(found.length, 1, `one span of scope ${scope}${name ? ` named ${name}` : ""}, got ${found.length}`);
  return found[0] as ReceivedSpan;
}

interface Upstream {
  readonly url: string;
  readonly traceparents: string[];
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const traceparents: string[] = [];
  const server: Server = createServer((req, res) => {
    traceparents.push(String(req.headers.traceparent ?? ""));
    res.end("upstream ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/upstream`,
    traceparents,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface State {
  fixture: EdgeFixture;
  project: string;
  receiver: OtlpReceiver;
  upstream: Upstream;
  worker: Started;
}

/** Register and run the edge runtime suite for one runtime. */
export function runEdgeSuite(runtime: RuntimeName): void {
  const test = suite(`edge runtime: ${runtime}`);
  const state = {} as State;
  const coarse = runtime === "workerd";
  const started: Started[] = [];

  const start = async (project: string): Promise<Started> => {
    const worker = await START[runtime](project, {
      SANDPROBE_OTLP_URL: state.receiver.tracesUrl,
      UPSTREAM_URL: state.upstream.url,
    });
    started.push(worker);
    return worker;
  };

  // uvu swallows an error thrown by a `before` hook (the suite then "passes"
  // with 0 tests run): keep it, and fail every test with it instead.
  let setupError: unknown;
  test.before(async () => {
    try {
      state.fixture = await edgeFixture();
      state.receiver = await startOtlpReceiver();
      state.upstream = await startUpstream();
      state.project = (await packExample(state.fixture, "project")).outDir;
      state.worker = await start(state.project);
    } catch (error) {
      setupError = error;
    }
  });

  test.before.each(() => {
    if (setupError !== undefined) throw setupError;
  });

  test.after(async () => {
    await Promise.all(started.map((w) => w.stop()));
    await state.receiver?.close();
    await state.upstream?.close();
    await state.fixture?.remove();
  });

  test("the worker verified the bundle and runs its three probes, and reports its clock honestly", async () => {
    const status = await (await fetch(`${state.worker.url}/__sandprobe`)).json();
    assert.is(status.state, "running", JSON.stringify(status));
    assert.equal(
      status.probes.map((p: { name: string }) => p.name),
      ["latency", "sampler", "slow-detector"],
    );
    assert.is(status.bundle.name, "edge-demo");
    assert.is(status.runtime, runtime);
    assert.is(status.clock.coarse, coarse, `resolution ${status.clock.resolutionNs} ns`);
    if (coarse) assert.ok(status.clock.resolutionNs >= 1_000_000, `workerd's clock moves in 1 ms steps`);
    else assert.ok(status.clock.resolutionNs < 1_000_000);
  });

  test("without traceparent: a new trace whose root is the server span, probe spans its children", async () => {
    const response = await fetch(`${state.worker.url}/checkout`);
    assert.is(response.status, 200);
    assert.is(await response.text(), "ok /checkout\n");
    const sent = parseTraceparent(response.headers.get("traceparent"));
    assert.ok(sent, "the response carries the server span's traceparent");
    assert.is(sent.traceFlags & 1, 1, "sampled");
    const spans = withoutSlowMarks(await traceSpans(state.receiver, sent.traceId, 3));
    assert.is(spans.length, 3);

    const server = one(spans, "sandprobe");
    assert.is(server.kind, SERVER);
    assert.is(server.parentSpanId, "");
    assert.is(server.spanId, sent.spanId);
    assert.is(server.name, "GET /checkout");
    assert.is(server.attributes["http.request.method"], "GET");
    assert.is(server.attributes["url.path"], "/checkout");
    assert.is(server.attributes["http.route"], "/checkout");
    assert.is(server.attributes["http.response.status_code"], 200);

    const latency = one(spans, "latency");
    assert.is(latency.scope.version, "1.0.0");
    assert.is(latency.kind, INTERNAL);
    assert.is(latency.parentSpanId, server.spanId);
    assert.is(latency.name, "GET /checkout");
    assert.is(latency.attributes["http.request.method"], "GET");
    assert.is(latency.attributes["http.route"], "/checkout");
    assert.is(latency.attributes["http.response.status_code"], 200);
    assert.ok(latency.startTimeUnixNano >= server.startTimeUnixNano);
    assert.ok(latency.endTimeUnixNano <= server.endTimeUnixNano);

    const sampler = one(spans, "sampler", "sampling.decision");
    assert.is(sampler.scope.version, "1.0.0");
    assert.is(sampler.parentSpanId, server.spanId);
    assert.is(sampler.attributes["sampling.critical_path"], true);

    for (const span of spans) {
      assert.is(span.resource.attributes["service.name"], "edge-demo");
      assert.is(span.resource.attributes["sandprobe.runtime"], runtime);
      assert.is(span.resource.attributes["sandprobe.clock.coarse"], coarse);
      assert.is(span.attributes["sandprobe.clock.coarse"], coarse ? true : undefined, `${span.name}: coarse mark`);
    }
  });

  test("with traceparent: the caller's trace and span are the parents; random flag and tracestate kept", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const caller = "00f067aa0ba902b7";
    const response = await fetch(`${state.worker.url}/checkout`, {
      headers: { traceparent: `00-${traceId}-${caller}-03`, tracestate: "congo=t61rcWkgMzE" },
    });
    assert.is(response.status, 200);
    const sent = parseTraceparent(response.headers.get("traceparent"));
    assert.ok(sent);
    assert.is(sent.traceId, traceId);
    assert.is(sent.traceFlags, 0x03, "sampled and random, as the caller sent");
    assert.is(response.headers.get("tracestate"), "congo=t61rcWkgMzE");
    const spans = await traceSpans(state.receiver, traceId, 3);
    const server = one(spans, "sandprobe");
    assert.is(server.parentSpanId, caller);
    assert.is(server.spanId, sent.spanId);
    assert.is(server.traceState, "congo=t61rcWkgMzE");
    assert.is(one(spans, "latency").parentSpanId, server.spanId);
    assert.is(one(spans, "sampler").parentSpanId, server.spanId);
  });

  test("a failing request: the slow-detector probe marks it, the server span is an error", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const response = await fetch(`${state.worker.url}/payment/declined`, {
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    assert.is(response.status, 503);
    await response.arrayBuffer();
    const spans = await traceSpans(state.receiver, traceId, 4);
    const server = one(spans, "sandprobe");
    assert.is(server.status.code, STATUS_ERROR);
    assert.is(server.attributes["http.response.status_code"], 503);
    const anomaly = one(spans, "slow-detector", "request.anomaly");
    assert.is(anomaly.parentSpanId, server.spanId);
    assert.is(anomaly.status.code, STATUS_ERROR);
    assert.ok(anomaly.events.some((e) => e.name === "server_error"));
    assert.is(one(spans, "latency").attributes["http.response.status_code"], 503);
  });

  test("an outgoing fetch carries the trace: one CLIENT span per call, its id on the wire", async () => {
    const traceId = "11112222333344445555666677778888";
    const before = state.upstream.traceparents.length;
    const response = await fetch(`${state.worker.url}/checkout/upstream`, {
      headers: { traceparent: `00-${traceId}-1111222233334444-03` },
    });
    assert.is(response.status, 200);
    assert.is(await response.text(), "upstream said 200: upstream ok\n");
    const onWire = parseTraceparent(state.upstream.traceparents[before]);
    assert.ok(onWire, "the upstream got a traceparent");
    assert.is(onWire.traceId, traceId);
    assert.is(onWire.traceFlags, 0x03);
    const spans = await traceSpans(state.receiver, traceId, 4);
    const server = one(spans, "sandprobe", "GET /checkout/upstream");
    const client = one(spans, "sandprobe", "GET");
    assert.is(client.kind, CLIENT);
    assert.is(client.spanId, onWire.spanId);
    assert.is(client.parentSpanId, server.spanId);
    assert.is(client.attributes["http.response.status_code"], 200);
    assert.is(client.attributes["server.address"], "127.0.0.1");
  });

  test("a tampered bundle data module: the worker refuses its probes, still serves, and says why", async () => {
    const tampered = await copyProject(state.project, join(state.fixture.dir, "tampered-bundle"));
    await flipByte(join(tampered, "sandprobe", "bundle.bin"), -1);
    const worker = await start(tampered);
    try {
      const traceId = "99990000999900009999000099990000";
      const response = await fetch(`${worker.url}/checkout`, {
        headers: { traceparent: `00-${traceId}-9999000099990000-01` },
      });
      assert.is(response.status, 200);
      assert.is(await response.text(), "ok /checkout\n");
      assert.is(response.headers.get("sandprobe-probes"), "refused E_SIGNATURE_INVALID");
      const status = await (await fetch(`${worker.url}/__sandprobe`)).json();
      assert.is(status.state, "refused");
      assert.is(status.code, "E_SIGNATURE_INVALID");
      assert.equal(status.probes, []);
      assert.match(worker.output(), "sandprobe: probes refused, serving without them: E_SIGNATURE_INVALID");
      // The server span is exported (it is the host's, not a probe's); no probe span rides with it.
      const spans = await traceSpans(state.receiver, traceId, 1);
      assert.equal(
        spans.map((s) => s.scope.name),
        ["sandprobe"],
      );
    } finally {
      await worker.stop();
    }
  });

  if (runtime === "workerd") {
    test("a precompiled module swapped for another probe's: refused with E_MODULE_MISMATCH", async () => {
      const swapped = await copyProject(state.project, join(state.fixture.dir, "swapped-module"));
      const probes = join(swapped, "sandprobe", "probes");
      await writeFile(join(probes, "latency.wasm"), await readFile(join(probes, "sampler.wasm")));
      const worker = await start(swapped);
      try {
        const response = await fetch(`${worker.url}/checkout`);
        assert.is(response.status, 200);
        await response.arrayBuffer();
        assert.is(response.headers.get("sandprobe-probes"), "refused E_MODULE_MISMATCH");
        const status = await (await fetch(`${worker.url}/__sandprobe`)).json();
        assert.is(status.code, "E_MODULE_MISMATCH");
        assert.match(status.message, 'probe "latency"');
      } finally {
        await worker.stop();
      }
    });
  }

  test.run();
}
