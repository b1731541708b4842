// Outgoing fetches continue the request's trace: a new child span id per
// call (also without a recording SDK), the caller's random flag kept, and a
// CLIENT span that ends when the response arrives.
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tracingFetch } from "../../host/adapters/edge/index.js";
import { manualClock } from "../../host/clock/clock.js";
import { parseTraceparent } from "../../host/otel/tracecontext/index.js";
import { memoryTracing } from "../support/otel.js";

const PARENT = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: 1,
  isRemote: true,
};
const parent = trace.setSpanContext(ROOT_CONTEXT, PARENT);

function capture() {
  const seen: Request[] = [];
  const fetch = async (input: RequestInfo | URL) => {
    seen.push(input as Request);
    return new Response("ok", { status: 201 });
  };
  return { seen, fetch };
}

test("with an SDK: each call is a CLIENT span whose id goes on the wire, random flag added back", async () => {
  const tracing = memoryTracing();
  const { seen, fetch } = capture();
  const send = tracingFetch({
    context: parent,
    tracer: tracing.provider.getTracer("sandprobe"),
    clock: manualClock(),
    extraFlags: 0x02,
    fetch,
  });
  await send("http://127.0.0.1:9/a", { headers: { "x-keep": "1" } });
  await send("http://127.0.0.1:9/b");
  const spans = tracing.spans();
  assert.is(spans.length, 2);
  for (const [i, request] of seen.entries()) {
    const sent = parseTraceparent(request.headers.get("traceparent"));
    assert.ok(sent);
    assert.is(sent.traceId, PARENT.traceId);
    assert.is(sent.spanId, spans[i]?.spanContext().spanId);
    assert.is(sent.traceFlags, 0x03);
    assert.is(spans[i]?.parentSpanContext?.spanId, PARENT.spanId);
    assert.is(spans[i]?.attributes["http.response.status_code"], 201);
  }
  assert.is(seen[0]?.headers.get("x-keep"), "1");
  assert.is.not(spans[0]?.spanContext().spanId, spans[1]?.spanContext().spanId);
});

test("without a recording SDK: still a fresh child span id per call, never the parent's", async () => {
  const { seen, fetch } = capture();
  const send = tracingFetch({ context: parent, tracer: trace.getTracer("noop"), clock: manualClock(), fetch });
  await send("http://127.0.0.1:9/a");
  await send("http://127.0.0.1:9/b");
  const ids = seen.map((r) => parseTraceparent(r.headers.get("traceparent"))?.spanId);
  assert.ok(ids.every((id) => id !== undefined && id !== PARENT.spanId));
  assert.is.not(ids[0], ids[1]);
});

test.run();
