// The test receiver's HTTP behaviour: hostile and malformed requests get
// typed 4xx answers without taking it down, "down" mode makes a real exporter
// fail and recover, and waits and close behave.
import { gzipSync } from "node:zlib";
import { ExportResultCode } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver.js";

async function withReceiver(body: (receiver: OtlpReceiver) => Promise<void>, maxBodyBytes?: number): Promise<void> {
  const receiver = await startOtlpReceiver(maxBodyBytes === undefined ? {} : { maxBodyBytes });
  try {
    await body(receiver);
  } finally {
    await receiver.close();
  }
}

function post(url: string, body: BodyInit, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: "POST", body, headers });
}

function gzip(data: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(gzipSync(data));
}

const PROTO = { "content-type": "application/x-protobuf" };
const JSON_TYPE = { "content-type": "application/json" };

/** A minimal valid ExportTraceServiceRequest: one span named "x" with ids. */
const ONE_SPAN = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [
            {
              traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
              spanId: "00f067aa0ba902b7",
              name: "x",
              kind: 2,
              startTimeUnixNano: "1700000000000000001",
              endTimeUnixNano: 1700000000000000,
            },
          ],
        },
      ],
    },
  ],
});

test("it listens on 127.0.0.1 only", async () => {
  await withReceiver(async (receiver) => {
    assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

test("wrong paths, methods, types and encodings are refused with 4xx and recorded", async () => {
  await withReceiver(async (receiver) => {
    assert.is((await post(`${receiver.url}/v1/nope`, ONE_SPAN, JSON_TYPE)).status, 404);
    assert.is((await fetch(receiver.tracesUrl)).status, 405);
    assert.is((await post(receiver.tracesUrl, ONE_SPAN, { "content-type": "text/plain" })).status, 415);
    assert.is((await post(receiver.tracesUrl, ONE_SPAN, { ...JSON_TYPE, "content-encoding": "br" })).status, 400);
    const statuses = receiver.requests().map((r) => r.status);
    assert.equal(statuses, [404, 405, 415, 400]);
    assert.ok(receiver.requests().every((r) => typeof r.error === "string" && r.error.length > 0));
    assert.is(receiver.spans().length, 0);
  });
});

test("malformed protobuf, JSON and gzip get 400 with a reason; the receiver keeps serving", async () => {
  await withReceiver(async (receiver) => {
    const bad: Array<[BodyInit, Record<string, string>]> = [
      [new Uint8Array([0x0a, 0x05, 0x01]), PROTO], // length past the end
      [new Uint8Array([0x0a, 0x02, 0x0b, 0x00]), PROTO], // a group inside ResourceSpans
      [new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), PROTO], // 11-byte varint
      ["{not json", JSON_TYPE],
      ["null", JSON_TYPE],
      [JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "xyz" }] }] }] }), JSON_TYPE],
      [JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: "1.5" }] }] }] }), JSON_TYPE],
      [JSON.stringify({ resourceSpans: {} }), JSON_TYPE],
      [new Uint8Array([1, 2, 3]), { ...PROTO, "content-encoding": "gzip" }],
    ];
    for (const [body, headers] of bad) {
      const response = await post(receiver.tracesUrl, body, headers);
      assert.is(response.status, 400, String(body));
      await response.arrayBuffer();
    }
    assert.is(receiver.spans().length, 0);
    assert.is((await post(receiver.tracesUrl, ONE_SPAN, JSON_TYPE)).status, 200);
    assert.is(
      (await post(receiver.tracesUrl, gzip(ONE_SPAN), { ...JSON_TYPE, "content-encoding": "gzip" })).status,
      200,
    );
    const spans = receiver.spans();
    assert.is(spans.length, 2);
    assert.is(spans[0]!.startTimeUnixNano, 1_700_000_000_000_000_001n);
    assert.is(spans[0]!.endTimeUnixNano, 1_700_000_000_000_000n);
  });
});

test("bodies over the limit are refused with 413", async () => {
  await withReceiver(async (receiver) => {
    const response = await post(receiver.tracesUrl, "x".repeat(3000), JSON_TYPE);
    assert.is(response.status, 413);
    const bomb = gzip(new Uint8Array(1 << 20));
    assert.ok(bomb.length < 2048, "small on the wire, 1 MiB inflated");
    assert.is((await post(receiver.tracesUrl, bomb, { ...PROTO, "content-encoding": "gzip" })).status, 400);
  }, 2048);
});

test("while down the exporter's export fails; once up again it succeeds", async () => {
  await withReceiver(async (receiver) => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    provider.getTracer("t").startSpan("kept").end();
    const spans = memory.getFinishedSpans();
    const exporter = new OTLPTraceExporter({ url: receiver.tracesUrl, timeoutMillis: 300 });
    const exportOnce = () => new Promise<ExportResultCode>((resolve) => exporter.export(spans, (r) => resolve(r.code)));

    receiver.setDown(true);
    assert.is(await exportOnce(), ExportResultCode.FAILED);
    const refused = receiver.requests();
    assert.ok(refused.length >= 1 && refused.every((r) => r.status === 503));
    assert.is(receiver.spans().length, 0);

    receiver.setDown(false);
    assert.is(await exportOnce(), ExportResultCode.SUCCESS);
    assert.equal(
      receiver.spans().map((s) => s.name),
      ["kept"],
    );
    await exporter.shutdown();
    await provider.shutdown();
  });
});

test("waits resolve on arrival, reject on timeout and on close; close is idempotent", async () => {
  const receiver = await startOtlpReceiver();
  const arriving = receiver.waitForSpans(1);
  assert.is((await post(receiver.tracesUrl, ONE_SPAN, JSON_TYPE)).status, 200);
  assert.is((await arriving).length, 1);
  assert.is((await receiver.waitForRequests(1)).length, 1, "already satisfied");

  await receiver.waitForSpans(2, 20).then(
    () => assert.unreachable("resolved without a second span"),
    (error: Error) => assert.match(error.message, /1\/2 spans/),
  );
  const pending = receiver.waitForLogs(1);
  const url = receiver.tracesUrl;
  await Promise.all([receiver.close(), receiver.close()]);
  await pending.then(
    () => assert.unreachable("resolved after close"),
    (error: Error) => assert.match(error.message, /closed/),
  );
  await fetch(url, { method: "POST", body: ONE_SPAN, headers: JSON_TYPE }).then(
    () => assert.unreachable("still listening after close"),
    (error: Error) => assert.instance(error, TypeError),
  );
  receiver.clear();
  assert.is(receiver.spans().length, 0);
});

test.run();
