// traceparent parsing and formatting, with the cases of the W3C trace-context
// test suite (test/test.py) plus Level 2's random flag and flag formatting.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  childTraceparent,
  extractTraceContext,
  formatTraceparent,
  headerGetter,
  isValidSpanId,
  isValidTraceId,
  parseTraceparent,
  randomSpanId,
  randomTraceId,
} from "../../host/otel/tracecontext/index.js";

const TRACE = "12345678901234567890123456789012";
const PARENT = "1234567890123456";
const VALID = `00-${TRACE}-${PARENT}-01`;

function extract(pairs: Array<[string, string]>) {
  return extractTraceContext(headerGetter(pairs));
}

function refused(header: string) {
  assert.is(parseTraceparent(header), undefined, `accepted ${JSON.stringify(header)}`);
  assert.is(extract([["traceparent", header]]), undefined);
}

test("a valid version-00 header gives the trace id, parent id and the defined flags", () => {
  assert.equal(parseTraceparent(VALID), { version: 0, traceId: TRACE, spanId: PARENT, traceFlags: 1 });
  assert.equal(extract([["traceparent", VALID]]), { traceId: TRACE, spanId: PARENT, traceFlags: 1, isRemote: true });
  // Level 2 random flag (0x02) is kept; undefined bits are zeroed (see below).
  assert.is(parseTraceparent(`00-${TRACE}-${PARENT}-02`)?.traceFlags, 0x02);
  assert.is(parseTraceparent(`00-${TRACE}-${PARENT}-03`)?.traceFlags, 0x03);
});

test("undefined flag bits (0x04-0x80) are zeroed when read: the spec says vendors MUST set them to zero", () => {
  // "The behavior of other flags, such as (00000100) is not defined ... Vendors MUST set those to zero."
  assert.is(parseTraceparent(`00-${TRACE}-${PARENT}-ff`)?.traceFlags, 0x03);
  assert.is(parseTraceparent(`00-${TRACE}-${PARENT}-04`)?.traceFlags, 0x00);
  assert.is(parseTraceparent(`00-${TRACE}-${PARENT}-81`)?.traceFlags, 0x01);
  assert.is(extract([["traceparent", `00-${TRACE}-${PARENT}-fe`]])?.traceFlags, 0x02);
});

test("undefined flag bits are zeroed when written: the spec says vendors MUST set them to zero", () => {
  assert.is(formatTraceparent({ traceId: TRACE, spanId: PARENT, traceFlags: 0xff }), `00-${TRACE}-${PARENT}-03`);
  assert.is(formatTraceparent({ traceId: TRACE, spanId: PARENT, traceFlags: 0x10 }), `00-${TRACE}-${PARENT}-00`);
  assert.is(childTraceparent({ traceId: TRACE, spanId: PARENT, traceFlags: 0x85 }, randomSpanId())?.slice(-3), "-01");
});

test("sampled changes only together with a new parent id: the spec says parent-id MUST be set to a new value with it", () => {
  const parent = parseTraceparent(`00-${TRACE}-${PARENT}-03`)!;
  assert.is(childTraceparent(parent, PARENT, { sampled: false }), `00-${TRACE}-${PARENT}-03`);
  const unsampled = parseTraceparent(`00-${TRACE}-${PARENT}-02`)!;
  assert.is(childTraceparent(unsampled, PARENT, { sampled: true }), `00-${TRACE}-${PARENT}-02`);
  const spanId = randomSpanId();
  assert.is(childTraceparent(parent, spanId, { sampled: false }), `00-${TRACE}-${spanId}-02`);
});

test("header names match in any case; other spellings are not traceparent", () => {
  for (const name of ["TraceParent", "TrAcEpArEnT", "TRACEPARENT"]) {
    assert.is(extract([[name, VALID]])?.traceId, TRACE, name);
  }
  for (const name of ["trace-parent", "trace.parent"]) assert.is(extract([[name, VALID]]), undefined, name);
});

test("traceparent sent twice starts a new trace, in every header source", () => {
  const other = `00-${TRACE.replace(/2$/, "1")}-${PARENT}-01`;
  assert.is(
    extract([
      ["traceparent", other],
      ["traceparent", VALID],
    ]),
    undefined,
  );
  assert.is(
    extract([
      ["traceparent", VALID],
      ["TraceParent", VALID],
    ]),
    undefined,
  );
  assert.is(extractTraceContext(headerGetter({ traceparent: [other, VALID] })), undefined);
  // fetch Headers joins repeated lines with ", "; Node's headers object does the same.
  const headers = new Headers([["traceparent", other]]);
  headers.append("traceparent", VALID);
  assert.is(extractTraceContext(headerGetter(headers)), undefined);
  assert.is(extractTraceContext(headerGetter({ traceparent: `${other}, ${VALID}` })), undefined);
  // A future-version header repeated the same way is refused too.
  assert.is(extractTraceContext(headerGetter({ traceparent: `cc-${TRACE}-${PARENT}-01, ${VALID}` })), undefined);
});

test("version 00 must be exactly 55 characters", () => {
  refused(`${VALID}.`);
  refused(`${VALID}-what-the-future-will-be-like`);
  refused(VALID.slice(0, 54));
});

test("a future version is read at the version-00 positions; extra fields only after '-'", () => {
  assert.is(parseTraceparent(`cc-${TRACE}-${PARENT}-01`)?.traceId, TRACE);
  const future = parseTraceparent(`cc-${TRACE}-${PARENT}-01-what-the-future-will-be-like`);
  assert.equal(future, { version: 0xcc, traceId: TRACE, spanId: PARENT, traceFlags: 1 });
  refused(`cc-${TRACE}-${PARENT}-01.what-the-future-will-be-like`);
  refused(`01-${TRACE}-${PARENT}-0`);
  // Unknown flags of a future version are set to 0 (only sampled and random survive).
  assert.is(parseTraceparent(`01-${TRACE}-${PARENT}-ff`)?.traceFlags, 0x03);
  assert.is(parseTraceparent(`fe-${TRACE}-${PARENT}-02-x`)?.traceFlags, 0x02);
  // ... and it is written back as version 00 (the "downgrade" mutation).
  assert.is(formatTraceparent(future!), `00-${TRACE}-${PARENT}-01`);
});

test("version ff, and versions that are not two lower-case hex digits, are refused", () => {
  refused(`ff-${TRACE}-${PARENT}-01`);
  for (const version of [".0", "0.", "000", "0000", "0", "0A", "Cc", "g0", ""])
    refused(`${version}-${TRACE}-${PARENT}-01`);
});

test("trace id: all zero, wrong characters, upper case, wrong length are refused", () => {
  refused(`00-00000000000000000000000000000000-${PARENT}-01`);
  refused(`00-.2345678901234567890123456789012-${PARENT}-01`);
  refused(`00-1234567890123456789012345678901.-${PARENT}-01`);
  refused(`00-123456789012345678901234567890123-${PARENT}-01`);
  refused(`00-1234567890123456789012345678901-${PARENT}-01`);
  refused(`00-4BF92F3577B34DA6A3CE929D0E0E4736-${PARENT}-01`);
  refused(`cc-00000000000000000000000000000000-${PARENT}-01`);
});

test("parent id: all zero, wrong characters, upper case, wrong length are refused", () => {
  refused(`00-${TRACE}-0000000000000000-01`);
  refused(`00-${TRACE}-.234567890123456-01`);
  refused(`00-${TRACE}-123456789012345.-01`);
  refused(`00-${TRACE}-12345678901234567-01`);
  refused(`00-${TRACE}-123456789012345-01`);
  refused(`00-${TRACE}-00F067AA0BA902B7-01`);
});

test("flags: wrong characters, upper case, wrong length are refused", () => {
  for (const flags of [".0", "0.", "001", "1", "0F", "", "-1"]) refused(`00-${TRACE}-${PARENT}-${flags}`);
});

test("optional whitespace around the value is allowed; inside it is not", () => {
  for (const header of [` ${VALID}`, `\t${VALID}`, `${VALID} `, `${VALID}\t`, `\t ${VALID} \t`]) {
    assert.is(extract([["traceparent", header]])?.traceId, TRACE, JSON.stringify(header));
  }
  refused(`00 -${TRACE}-${PARENT}-01`);
  refused(`\n${VALID}`);
  refused(`00-${TRACE}-${PARENT}-01\r\n`);
});

test("absent, empty and blank headers start a new trace", () => {
  assert.is(extract([]), undefined);
  for (const header of ["", " ", "\t", "-", "00", "00---"]) refused(header);
});

test("formatting writes version 00 and the flags byte as exactly two hex digits", () => {
  assert.is(formatTraceparent({ traceId: TRACE, spanId: PARENT, traceFlags: 0x03 }), `00-${TRACE}-${PARENT}-03`);
  assert.is(formatTraceparent({ traceId: TRACE, spanId: PARENT, traceFlags: 0 }), `00-${TRACE}-${PARENT}-00`);
  for (let flags = 0; flags <= 0xff; flags++) {
    const header = formatTraceparent({ traceId: TRACE, spanId: PARENT, traceFlags: flags });
    assert.is(header?.length, 55);
    assert.is(parseTraceparent(header)?.traceFlags, flags & 0x03);
  }
});

test("formatting refuses, without throwing, ids and flags that would make an invalid header", () => {
  const bad = [
    { traceId: "0".repeat(32), spanId: PARENT, traceFlags: 1 },
    { traceId: TRACE, spanId: "0".repeat(16), traceFlags: 1 },
    { traceId: TRACE.toUpperCase().replace(/1/, "A"), spanId: PARENT, traceFlags: 1 },
    { traceId: TRACE.slice(1), spanId: PARENT, traceFlags: 1 },
    { traceId: TRACE, spanId: `${PARENT}0`, traceFlags: 1 },
    { traceId: TRACE, spanId: PARENT, traceFlags: 0x100 },
    { traceId: TRACE, spanId: PARENT, traceFlags: -1 },
    { traceId: TRACE, spanId: PARENT, traceFlags: 1.5 },
    { traceId: TRACE, spanId: PARENT, traceFlags: Number.NaN },
  ];
  for (const fields of bad) assert.is(formatTraceparent(fields), undefined, JSON.stringify(fields));
});

test("a child keeps the trace id and the flags (random included) under a new parent id", () => {
  const parent = parseTraceparent(`00-${TRACE}-${PARENT}-02`)!;
  const spanId = randomSpanId();
  assert.is(childTraceparent(parent, spanId), `00-${TRACE}-${spanId}-02`);
  assert.is(childTraceparent(parent, spanId, { sampled: true }), `00-${TRACE}-${spanId}-03`);
  const sampled = parseTraceparent(`00-${TRACE}-${PARENT}-13`)!;
  assert.is(childTraceparent(sampled, spanId, { sampled: false }), `00-${TRACE}-${spanId}-02`);
  assert.is(childTraceparent(parent, "not-a-span-id"), undefined);
});

test("random ids are valid, lower-case hex and distinct", () => {
  const traces = new Set<string>();
  const spans = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const traceId = randomTraceId();
    const spanId = randomSpanId();
    assert.ok(isValidTraceId(traceId) && isValidSpanId(spanId), `${traceId} ${spanId}`);
    traces.add(traceId);
    spans.add(spanId);
  }
  assert.is(traces.size, 200);
  assert.is(spans.size, 200);
});

test.run();
