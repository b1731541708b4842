// Malformed headers by the thousand: nothing throws, and what is accepted is
// exactly what an independent reading of the ABNF accepts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  extractTraceContext,
  formatTraceparent,
  headerGetter,
  parseTraceparent,
  parseTraceStateHeader,
} from "../../host/otel/tracecontext/index.js";

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRACEPARENT_ABNF = /^[ \t]*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?[ \t]*$/s;

/** The spec's rules, read independently of the implementation. */
function oracleTraceparent(header: string): boolean {
  const match = TRACEPARENT_ABNF.exec(header);
  if (!match) return false;
  const [, version, traceId, spanId, , rest] = match;
  if (version === "ff" || /^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return false;
  return version !== "00" || rest === undefined;
}

const MEMBER_ABNF = /^[a-z0-9][a-z0-9_\-*/@]{0,255}=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

function oracleTracestate(header: string): boolean {
  const members = header
    .split(",")
    .map((m) => m.replace(/^[ \t]+|[ \t]+$/g, ""))
    .filter((m) => m !== "");
  return members.length > 0 && members.length <= 32 && members.every((m) => MEMBER_ABNF.test(m));
}

const VALID_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const FUTURE_PARENT = "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03-xyz";
const PARENT_CHARS = "0123456789abcdefABF-. \t\n\u0000\u00e9";
const STATE_CHARS = 'abz09_-*/@=, \t=A.~"\u0000\u00e9\u007f';

function mutations(base: string, chars: string, random: () => number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = base;
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * (text.length + 1));
      const char = chars[Math.floor(random() * chars.length)]!;
      const kind = random();
      if (kind < 0.4) text = text.slice(0, at) + char + text.slice(at + 1);
      else if (kind < 0.7) text = text.slice(0, at) + char + text.slice(at);
      else text = text.slice(0, at) + text.slice(at + 1);
    }
    out.push(text);
  }
  return out;
}

test("mutated traceparent headers: accepted exactly when the ABNF says so, and re-formatted validly", () => {
  const random = prng(8);
  let accepted = 0;
  const inputs = [
    ...mutations(VALID_PARENT, PARENT_CHARS, random, 4000),
    ...mutations(FUTURE_PARENT, PARENT_CHARS, random, 2000),
  ];
  for (const header of inputs) {
    const parsed = parseTraceparent(header);
    assert.is(parsed !== undefined, oracleTraceparent(header), JSON.stringify(header));
    if (parsed === undefined) continue;
    accepted++;
    const formatted = formatTraceparent(parsed);
    assert.ok(formatted && formatted.length === 55, JSON.stringify(header));
    assert.equal(parseTraceparent(formatted), { ...parsed, version: 0 });
  }
  assert.ok(accepted > 100 && accepted < inputs.length, `accepted ${accepted} of ${inputs.length}`);
});

test("random traceparent strings never throw and agree with the ABNF reading", () => {
  const random = prng(9);
  for (let i = 0; i < 3000; i++) {
    const length = Math.floor(random() * 80);
    let header = "";
    for (let c = 0; c < length; c++) header += PARENT_CHARS[Math.floor(random() * PARENT_CHARS.length)]!;
    assert.is(parseTraceparent(header) !== undefined, oracleTraceparent(header), JSON.stringify(header));
  }
});

test("mutated tracestate headers: accepted exactly when the ABNF says so, and re-serialized stably", () => {
  const random = prng(10);
  const base = "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE,tenant@vendor= a b,x=1";
  let accepted = 0;
  for (const header of mutations(base, STATE_CHARS, random, 5000)) {
    const { state } = parseTraceStateHeader(header);
    assert.is(state !== undefined, oracleTracestate(header), JSON.stringify(header));
    if (state === undefined) continue;
    accepted++;
    const again = parseTraceStateHeader(state.serialize()).state;
    assert.is(again?.serialize(), state.serialize());
  }
  assert.ok(accepted > 100, `accepted ${accepted}`);
});

test("hostile header sources and values never throw", () => {
  const random = prng(11);
  const values: unknown[] = [
    undefined,
    null,
    "",
    0,
    Number.NaN,
    {},
    [],
    [null],
    [[VALID_PARENT]],
    "x".repeat(100_000),
    `${VALID_PARENT}${" ".repeat(10_000)}`,
    ",".repeat(50_000),
    "a=1,".repeat(5000),
    Object.create(null),
    {
      get length() {
        throw new Error("hostile");
      },
    },
  ];
  for (let i = 0; i < 500; i++) {
    const traceparent = values[Math.floor(random() * values.length)];
    const tracestate = values[Math.floor(random() * values.length)];
    const sources: unknown[] = [
      { traceparent, tracestate },
      [
        ["traceparent", traceparent],
        ["tracestate", tracestate],
      ],
      ["traceparent", traceparent, "tracestate", tracestate],
    ];
    for (const source of sources) extractTraceContext(headerGetter(source as never));
    extractTraceContext((name) => (name === "traceparent" ? traceparent : tracestate) as never);
  }
  const context = extractTraceContext(headerGetter({ traceparent: VALID_PARENT, tracestate: "a=1,".repeat(5000) }));
  assert.is(context?.traceState, undefined, "5000 members are discarded");
  assert.is(extractTraceContext(headerGetter({ traceparent: "x".repeat(100_000) })), undefined);
  const throwing = new Proxy(
    {},
    {
      get() {
        throw new Error("hostile");
      },
      ownKeys() {
        throw new Error("hostile");
      },
    },
  );
  for (const source of [throwing, null, undefined, 42, "traceparent"]) {
    assert.is(extractTraceContext(headerGetter(source as never)), undefined);
  }
});

test.run();
