// tracestate: the W3C test suite's cases (received through extractTraceContext
// as separate header lines) and the grammar, limits and mutation rules.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  extractTraceContext,
  headerGetter,
  isValidTraceStateKey,
  isValidTraceStateValue,
  parseTraceStateHeader,
  readTraceContext,
  W3CTraceState,
} from "../../host/otel/tracecontext/index.js";

const PARENT = "00-12345678901234567890123456789012-1234567890123456-00";

/** The tracestate received with a valid traceparent and these tracestate lines. */
function received(...lines: Array<string | [string, string]>) {
  const pairs: Array<[string, string]> = [["traceparent", PARENT]];
  for (const line of lines) pairs.push(typeof line === "string" ? ["tracestate", line] : line);
  const context = extractTraceContext(headerGetter(pairs));
  assert.ok(context, "a bad tracestate must never invalidate traceparent");
  return context.traceState;
}

test("tracestate without traceparent is discarded with it", () => {
  const reading = readTraceContext(headerGetter([["tracestate", "foo=1,bar=2"]]));
  assert.is(reading.context, undefined);
  assert.is(reading.tracestate, "ignored");
  const badParent = readTraceContext(headerGetter({ traceparent: PARENT.replace("00-", "ff-"), tracestate: "foo=1" }));
  assert.equal([badParent.context, badParent.traceparent, badParent.tracestate], [undefined, "invalid", "ignored"]);
});

test("tracestate is inherited with traceparent, under names in any case", () => {
  assert.is(received("foo=1,bar=2")?.serialize(), "foo=1,bar=2");
  for (const name of ["TraceState", "TrAcEsTaTe", "TRACESTATE"]) assert.is(received([name, "foo=1"])?.get("foo"), "1");
  for (const name of ["trace-state", "trace.state"]) assert.is(received([name, "foo=1"]), undefined);
});

test("empty headers are accepted and dropped; empty members are skipped", () => {
  assert.is(received(""), undefined);
  assert.is(received("foo=1", "")?.serialize(), "foo=1");
  assert.is(received("", "foo=1")?.serialize(), "foo=1");
  assert.is(received(" , ,\t,")?.size, undefined);
  assert.is(received(",foo=1,, ,bar=2,")?.serialize(), "foo=1,bar=2");
});

test("several tracestate lines combine in order", () => {
  assert.is(received("foo=1,bar=2", "rojo=1,congo=2", "baz=3")?.serialize(), "foo=1,bar=2,rojo=1,congo=2,baz=3");
  const headers = new Headers({ traceparent: PARENT });
  headers.append("tracestate", "foo=1");
  headers.append("tracestate", "bar=2");
  assert.is(extractTraceContext(headerGetter(headers))?.traceState?.serialize(), "foo=1,bar=2");
});

test("a repeated key keeps its first (left-most) value", () => {
  assert.is(received("foo=1,foo=1")?.serialize(), "foo=1");
  assert.is(received("foo=1,foo=2")?.serialize(), "foo=1");
  assert.is(received("foo=1", "foo=2")?.serialize(), "foo=1");
  const parsed = parseTraceStateHeader("a=1,b=2,a=3,b=4,c=5");
  assert.is(parsed.state?.serialize(), "a=1,b=2,c=5");
  assert.is(parsed.state !== undefined && parsed.duplicatesDropped, 2);
});

test("every allowed key and value character is accepted", () => {
  const key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
  let value = "";
  for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x2c && c !== 0x3d) value += String.fromCharCode(c);
  assert.is(received(`${key}=${value}`)?.get(key), value);
  assert.is(received(`${key}@a-z0-9_-*/=${value}`)?.get(`${key}@a-z0-9_-*/`), value);
});

test("optional whitespace around members is ignored; a value's leading spaces are kept", () => {
  for (const header of ["foo=1 \t , \t bar=2, \t baz=3", "foo=1\t \t,\t \tbar=2,\t \tbaz=3"]) {
    assert.is(received(header)?.serialize(), "foo=1,bar=2,baz=3");
  }
  for (const header of [" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"]) {
    assert.is(received(header)?.serialize(), "foo=1", JSON.stringify(header));
  }
  assert.is(received("foo=  1 ")?.get("foo"), "  1");
  assert.is(received("foo=a b")?.get("foo"), "a b");
});

test("an illegal key discards the whole header", () => {
  for (const header of ["foo =1", "FOO=1", "foo.bar=1", "@foo=1,bar=2", "_foo=1", "bar=2,=1", "fo\u00e9=1"]) {
    assert.is(received(header), undefined, header);
    assert.is(parseTraceStateHeader(header).state, undefined);
  }
});

test("keys with '@' follow the Level 2 grammar (multi-tenant keys included)", () => {
  assert.equal(received("foo@=1,bar=2")?.entries(), [
    ["foo@", "1"],
    ["bar", "2"],
  ]);
  assert.is(received("foo@@bar=1,bar=2")?.get("foo@@bar"), "1");
  assert.is(received("foo@bar@baz=1,bar=2")?.get("foo@bar@baz"), "1");
  assert.is(received("tenant@vendor=1,0day=2")?.get("tenant@vendor"), "1");
  assert.is(received("1tenant@vendor=x")?.get("1tenant@vendor"), "x");
});

test("keys are at most 256 characters in total, wherever '@' stands", () => {
  for (const key of [
    "z".repeat(256),
    `${"t".repeat(241)}@${"v".repeat(14)}`,
    `${"t".repeat(242)}@v`,
    `t@${"v".repeat(15)}`,
  ]) {
    const state = received("foo=1", `${key}=1`);
    assert.is(state?.get("foo"), "1");
    assert.is(state?.get(key), "1", `key of ${key.length}`);
  }
  assert.is(received("foo=1", `${"z".repeat(257)}=1`), undefined);
  assert.not.ok(isValidTraceStateKey(`${"t".repeat(250)}@${"v".repeat(6)}`));
});

test("32 members are inherited; 33 discard the whole header (not cut to 32)", () => {
  const members = Array.from({ length: 33 }, (_, i) => `bar${String(i + 1).padStart(2, "0")}=${i + 1}`);
  const lines = (list: string[]) => [list.slice(0, 10), list.slice(10, 20), list.slice(20, 30), list.slice(30)];
  const thirtyTwo = received(...lines(members.slice(0, 32)).map((l) => l.join(",")));
  assert.is(thirtyTwo?.size, 32);
  assert.is(thirtyTwo?.get("bar01"), "1");
  assert.is(received(...lines(members).map((l) => l.join(","))), undefined);
  const reading = readTraceContext(headerGetter({ traceparent: PARENT, tracestate: members.join(",") }));
  assert.is(reading.tracestate, "too-many-members");
  assert.is(reading.context?.traceId, "12345678901234567890123456789012");
  // Empty members do not count.
  assert.is(received(`${members.slice(0, 32).join(",,")},,`)?.size, 32);
});

test("an illegal value discards the whole header", () => {
  for (const header of [
    "foo=bar=baz",
    "foo=,bar=3",
    "foo",
    "foo=1,bar",
    "foo=\u00e9",
    "foo=a\tb",
    "foo= ",
    "foo=a\x7f",
  ]) {
    assert.is(received(header), undefined, JSON.stringify(header));
  }
  assert.is(received(`foo=${"v".repeat(256)}`)?.get("foo")?.length, 256);
  assert.is(received(`foo=${"v".repeat(257)}`), undefined);
  assert.ok(isValidTraceStateValue(" x"));
  assert.not.ok(isValidTraceStateValue("x "));
});

test("an absurdly long header is refused before parsing", () => {
  const reading = readTraceContext(headerGetter({ traceparent: PARENT, tracestate: `foo=1${" ".repeat(40_000)}` }));
  assert.is(reading.tracestate, "too-long");
  assert.is(reading.context?.traceState, undefined);
});

test("set puts the vendor's key first, replacing its old value; the rest keep their order", () => {
  const incoming = W3CTraceState.parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")!;
  const updated = incoming.set("congo", "ucfJifl5GOE");
  assert.is(updated.serialize(), "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
  assert.is(incoming.serialize(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "states are immutable");
  assert.is(updated.set("new", "1").serialize(), "new=1,congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
  assert.is(updated.unset("rojo").serialize(), "congo=ucfJifl5GOE");
  assert.is(updated.unset("absent"), updated);
  assert.is(W3CTraceState.EMPTY.set("a", "1").serialize(), "a=1");
});

test("set refuses invalid keys and values by leaving the state unchanged", () => {
  const state = W3CTraceState.parse("a=1")!;
  for (const [key, value] of [
    ["A", "1"],
    ["a", ""],
    ["a", "x,y"],
    ["a", "x=y"],
    ["@a", "1"],
    ["a", "1 "],
  ] as const) {
    assert.is(state.set(key, value), state, `${key}=${value}`);
  }
});

test("adding a 33rd member drops the right-most one", () => {
  const full = W3CTraceState.from(Array.from({ length: 32 }, (_, i) => [`k${i}`, `${i}`] as [string, string]))!;
  const next = full.set("mine", "x");
  assert.is(next.size, 32);
  assert.equal(next.entries()[0], ["mine", "x"]);
  assert.is(next.get("k31"), undefined);
  assert.is(next.get("k30"), "30");
  assert.is(
    W3CTraceState.from([
      ["a", "1"],
      ["a", "2"],
    ]),
    undefined,
  );
  assert.is(W3CTraceState.from(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"] as [string, string])), undefined);
});

test("truncation cuts whole members: over 128 characters first, then from the right", () => {
  const long = `big=${"x".repeat(150)}`;
  const small = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, "0")}=${"v".repeat(8)}`).slice(0, 30);
  const state = W3CTraceState.parse([small[0], long, ...small.slice(1)].join(","))!;
  assert.ok(state.serializedLength > 512);
  const cut = state.truncate(512);
  assert.is(cut.get("big"), undefined, "the long member goes first");
  assert.is(cut.size, 30, "and then nothing else is needed");
  assert.ok(cut.serialize().length <= 512);

  const many = W3CTraceState.parse(Array.from({ length: 32 }, (_, i) => `key${i}=${"v".repeat(20)}`).join(","))!;
  const fitted = many.truncate(512);
  assert.ok(fitted.serialize().length <= 512 && fitted.serialize().length > 512 - 27);
  assert.equal(
    fitted.entries().map(([k]) => k),
    many
      .entries()
      .slice(0, fitted.size)
      .map(([k]) => k),
    "members are removed from the end",
  );
  assert.is(fitted.serializedLength, fitted.serialize().length);
  assert.is(many.truncate(10_000), many);
  assert.is(W3CTraceState.parse("a=1")!.truncate(2).size, 0);
});

test("another TraceState implementation is re-read under these rules", () => {
  assert.is(W3CTraceState.of({ serialize: () => "a=1, b=2" })?.serialize(), "a=1,b=2");
  assert.is(W3CTraceState.of({ serialize: () => "A=1" }), undefined);
  assert.is(
    W3CTraceState.of({
      serialize: () => {
        throw new Error("broken");
      },
    }),
    undefined,
  );
  assert.is(W3CTraceState.of(undefined), undefined);
});

test.run();
