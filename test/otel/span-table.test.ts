// A probe's spans in one request, by handle. Handle 1 is kept in fields and
// later handles in lists (most tables hold one span): every handle must
// behave the same whichever storage holds it.
import { ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SpanTable } from "../../host/otel/span-table.js";
import { memoryTracing } from "../support/otel.js";

const T0: [number, number] = [1_700_000_000, 0];
const T1: [number, number] = [1_700_000_001, 0];

function table() {
  const tracing = memoryTracing();
  const tracer = tracing.provider.getTracer("test");
  const spans = new SpanTable();
  const start = (name: string) => spans.start(tracer, name, SpanKind.INTERNAL, T0, ROOT_CONTEXT);
  return { tracing, spans, start };
}

test("handles count from 1 in start order; 0 and unknown handles name nothing", () => {
  const { spans, start } = table();
  assert.is(spans.get(1), undefined);
  assert.equal([start("a"), start("b"), start("c")], [1, 2, 3]);
  assert.is(spans.started, 3);
  assert.is(spans.openSpans, 3);
  for (const handle of [0, 4, 2 ** 32 - 1]) assert.is(spans.get(handle), undefined, `handle ${handle}`);
  assert.ok(spans.get(1) && spans.get(2) && spans.get(3));
  assert.is.not(spans.get(1), spans.get(2));
});

test("an ended handle is gone for good, first or later, and is never handed out again", () => {
  const { tracing, spans, start } = table();
  start("a");
  start("b");
  assert.ok(spans.end(1, T1));
  assert.ok(spans.end(2, T1));
  assert.not.ok(spans.end(1, T1), "ending twice");
  assert.not.ok(spans.end(2, T1));
  assert.is(spans.get(1), undefined);
  assert.is(spans.get(2), undefined);
  assert.is(start("c"), 3);
  assert.is(spans.openSpans, 1);
  assert.equal(
    tracing.spans().map((s) => s.name),
    ["a", "b"],
  );
});

test("the attribute quota counts per handle, for the first span as for later ones", () => {
  const { spans, start } = table();
  assert.not.ok(spans.takeAttribute(1, 2), "no span yet");
  start("a");
  start("b");
  for (const handle of [1, 2]) {
    assert.ok(spans.takeAttribute(handle, 2));
    assert.ok(spans.takeAttribute(handle, 2));
    assert.not.ok(spans.takeAttribute(handle, 2), `handle ${handle} is full`);
  }
  assert.not.ok(spans.takeAttribute(0, 2));
  assert.not.ok(spans.takeAttribute(3, 2));
});

test("endAll ends and marks what was left open, and counts it", () => {
  const { tracing, spans, start } = table();
  start("a");
  start("b");
  start("c");
  spans.end(2, T1);
  assert.is(spans.endAll(T1), 2);
  assert.is(spans.openSpans, 0);
  assert.is(spans.endAll(T1), 0);
  const unended = tracing
    .spans()
    .filter((s) => s.attributes["sandprobe.span.unended"] === true)
    .map((s) => s.name);
  assert.equal(unended.sort(), ["a", "c"]);
});

test("a child's context is its parent span's, by handle", () => {
  const { spans, start } = table();
  start("a");
  start("b");
  for (const handle of [1, 2]) {
    const context = spans.contextOf(handle, ROOT_CONTEXT);
    assert.is(trace.getSpan(context ?? ROOT_CONTEXT), spans.get(handle));
  }
  assert.is(spans.contextOf(3, ROOT_CONTEXT), undefined);
});

test.run();
