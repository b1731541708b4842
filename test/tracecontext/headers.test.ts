// Reading and writing trace context through every header source the adapters have.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  childTraceContext,
  extractTraceContext,
  headerGetter,
  injectTraceContext,
  newTraceContext,
  parseTraceparent,
  readTraceContext,
  TRACE_FLAG_RANDOM,
  TRACE_FLAG_SAMPLED,
  W3CTraceState,
} from "../../host/otel/tracecontext/index.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const PARENT = `00-${TRACE}-${SPAN}-03`;

function collect(): { headers: Record<string, string>; set: (name: string, value: string) => void } {
  const headers: Record<string, string> = {};
  const set = (name: string, value: string): void => {
    headers[name] = value;
  };
  return { headers, set };
}

test("fetch Headers, Node header objects, pairs and rawHeaders all read the same", () => {
  const sources = [
    new Headers({ TraceParent: PARENT, TRACESTATE: "congo=t61rcWkgMzE" }),
    { traceparent: PARENT, tracestate: "congo=t61rcWkgMzE" },
    { TraceParent: PARENT, "x-other": "1", TraceState: ["congo=t61rcWkgMzE"] },
    [
      ["TRACEPARENT", PARENT],
      ["tracestate", "congo=t61rcWkgMzE"],
    ] as Array<[string, string]>,
    ["Host", "example.com", "traceparent", PARENT, "Tracestate", "congo=t61rcWkgMzE"],
  ];
  for (const source of sources) {
    const context = extractTraceContext(headerGetter(source));
    assert.is(context?.traceId, TRACE);
    assert.is(context?.spanId, SPAN);
    assert.is(context?.traceFlags, 0x03);
    assert.is(context?.isRemote, true);
    assert.is(context?.traceState?.get("congo"), "t61rcWkgMzE");
  }
});

test("the reading says why a header was ignored", () => {
  const read = (headers: Record<string, unknown>) => {
    const { traceparent, tracestate } = readTraceContext(headerGetter(headers));
    return [traceparent, tracestate];
  };
  assert.equal(read({}), ["absent", "ignored"]);
  assert.equal(read({ traceparent: [] }), ["absent", "ignored"]);
  assert.equal(read({ traceparent: "garbage", tracestate: "a=1" }), ["invalid", "ignored"]);
  assert.equal(read({ traceparent: [PARENT, PARENT] }), ["duplicated", "ignored"]);
  assert.equal(read({ traceparent: PARENT }), ["valid", "absent"]);
  assert.equal(read({ traceparent: PARENT, tracestate: "" }), ["valid", "absent"]);
  assert.equal(read({ traceparent: PARENT, tracestate: "a=1" }), ["valid", "valid"]);
  assert.equal(read({ traceparent: PARENT, tracestate: "A=1" }), ["valid", "invalid-member"]);
});

test("a getter that throws or returns junk gives no context instead of an exception", () => {
  const throwing = () => {
    throw new Error("adapter bug");
  };
  assert.is(extractTraceContext(throwing), undefined);
  const junk = [42, {}, [42], [PARENT, 1], Symbol("x"), () => PARENT, true];
  for (const value of junk) {
    assert.is(
      extractTraceContext(() => value as never),
      undefined,
      String(typeof value),
    );
  }
  // tracestate junk never takes the valid traceparent down with it.
  const context = extractTraceContext((name) => (name === "traceparent" ? PARENT : ([1, 2] as never)));
  assert.is(context?.traceId, TRACE);
  assert.is(context?.traceState, undefined);
  assert.is(extractTraceContext(headerGetter({ traceparent: 5, tracestate: null })), undefined);
  assert.is(extractTraceContext(headerGetter([["traceparent"], 7] as never)), undefined);
});

test("inject writes traceparent and tracestate; a child span id replaces the parent's", () => {
  const context = extractTraceContext(headerGetter({ traceparent: PARENT, tracestate: "rojo=1,congo=2" }))!;
  const out = collect();
  assert.ok(injectTraceContext(context, out.set));
  assert.equal(out.headers, { traceparent: PARENT, tracestate: "rojo=1,congo=2" });

  const child = collect();
  assert.ok(injectTraceContext(context, child.set, { spanId: "b7ad6b7169203331", sampled: false }));
  assert.is(child.headers.traceparent, `00-${TRACE}-b7ad6b7169203331-02`);

  const vendor = collect();
  injectTraceContext({ ...context, traceState: context.traceState!.set("sandprobe", "on") }, vendor.set);
  assert.is(vendor.headers.tracestate, "sandprobe=on,rojo=1,congo=2");
});

test("inject writes nothing for an invalid context and no tracestate when it would be empty or invalid", () => {
  const none = collect();
  assert.not.ok(injectTraceContext({ traceId: "0".repeat(32), spanId: SPAN, traceFlags: 1 }, none.set));
  assert.not.ok(injectTraceContext({ traceId: TRACE, spanId: SPAN, traceFlags: 1 }, none.set, { spanId: "zz" }));
  assert.equal(none.headers, {});
  const bare = collect();
  injectTraceContext({ traceId: TRACE, spanId: SPAN, traceFlags: 1, traceState: W3CTraceState.EMPTY }, bare.set);
  injectTraceContext(
    { traceId: TRACE, spanId: SPAN, traceFlags: 1, traceState: { serialize: () => "Bad Key=1" } },
    bare.set,
  );
  assert.equal(Object.keys(bare.headers), ["traceparent"]);
});

test("inject cuts tracestate to 512 characters by the spec's rule", () => {
  const members = Array.from({ length: 32 }, (_, i) => `vendor${i}=${"x".repeat(30)}`);
  const state = W3CTraceState.parse(members.join(","))!;
  const out = collect();
  injectTraceContext({ traceId: TRACE, spanId: SPAN, traceFlags: 1, traceState: state }, out.set);
  assert.ok(out.headers.tracestate!.length <= 512);
  assert.ok(out.headers.tracestate!.startsWith("vendor0=") && !out.headers.tracestate!.includes("vendor31="));
  const wide = collect();
  injectTraceContext({ traceId: TRACE, spanId: SPAN, traceFlags: 1, traceState: state }, wide.set, {
    maxTraceStateLength: 4096,
  });
  assert.is(wide.headers.tracestate, members.join(","));
});

test("a remote context forwarded under its own parent id keeps all of tracestate: spec says tracestate MUST NOT be modified when traceparent is not", () => {
  const members = Array.from({ length: 32 }, (_, i) => `vendor${i}=${"x".repeat(30)}`).join(",");
  const remote = extractTraceContext(headerGetter({ traceparent: PARENT, tracestate: members }))!;
  const forwarded = collect();
  injectTraceContext(remote, forwarded.set);
  assert.equal(forwarded.headers, { traceparent: PARENT, tracestate: members });
  // With a new parent id the traceparent changes, so the tracestate may be cut.
  const child = collect();
  injectTraceContext(remote, child.set, { spanId: "b7ad6b7169203331" });
  assert.ok(child.headers.tracestate!.length <= 512);
  const local = collect();
  injectTraceContext(childTraceContext(remote), local.set);
  assert.ok(local.headers.tracestate!.length <= 512);
});

test("a new trace sets the random flag; children keep trace id, flags and tracestate", () => {
  const sampled = newTraceContext({ sampled: true });
  assert.is(sampled.traceFlags, TRACE_FLAG_RANDOM | TRACE_FLAG_SAMPLED);
  assert.is(newTraceContext({ sampled: false }).traceFlags, TRACE_FLAG_RANDOM);
  const incoming = extractTraceContext(headerGetter({ traceparent: PARENT, tracestate: "a=1" }))!;
  const children = [childTraceContext(incoming), childTraceContext(incoming), childTraceContext(incoming)];
  assert.is(new Set(children.map((c) => c.spanId)).size, 3, "a new span id per outgoing call");
  for (const child of children) {
    assert.is(child.traceId, TRACE);
    assert.is(child.traceFlags, 0x03);
    assert.is(child.isRemote, false);
    assert.is(child.traceState, incoming.traceState);
    const out = collect();
    injectTraceContext(child, out.set);
    assert.equal(parseTraceparent(out.headers.traceparent), {
      version: 0,
      traceId: TRACE,
      spanId: child.spanId,
      traceFlags: 3,
    });
  }
});

test.run();
