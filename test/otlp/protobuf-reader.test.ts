// The receiver's own protobuf wire reader: exact scalars at the edges, packed
// and unpacked repeats, unknown fields skipped, and every malformed input
// ending in OtlpDecodeError (never another exception, never a hang).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProtoReader } from "../support/otlp/protobuf.js";
import { decodeProtobuf, OtlpDecodeError } from "../support/otlp-receiver.js";

// A tiny encoder, for the tests only.
function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const len = (field: number, body: number[]) => [...tag(field, 2), ...varint(body.length), ...body];
const utf8 = (text: string) => [...new TextEncoder().encode(text)];
const str = (field: number, text: string) => len(field, utf8(text));
function fixed64(field: number, value: bigint): number[] {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return [...tag(field, 1), ...bytes];
}
function fixed32(field: number, value: number): number[] {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return [...tag(field, 5), ...bytes];
}
function double(field: number, value: number): number[] {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return [...tag(field, 1), ...bytes];
}
const hex = (text: string) => text.match(/../g)!.map((b) => Number.parseInt(b, 16));
const reader = (bytes: number[]) => new ProtoReader(new Uint8Array(bytes));

function throwsDecode(fn: () => unknown, why: string): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, OtlpDecodeError, `${why}: ${String(error)}`);
    return;
  }
  assert.unreachable(`${why}: no error`);
}

test("varints decode exactly up to 64 bits, and int64 / sint keep their sign", () => {
  for (const value of [0n, 1n, 127n, 128n, 300n, 2n ** 32n, 2n ** 63n - 1n, 2n ** 64n - 1n]) {
    assert.is(reader(varint(value)).varint(), value);
  }
  assert.is(reader(varint(-1n)).int64(), -1n);
  assert.is(reader(varint(-1n)).int32(), -1);
  assert.is(reader(varint(-(2n ** 63n))).int64(), -(2n ** 63n));
  // zigzag: 0 -> 0, -1 -> 1, 1 -> 2, -2 -> 3
  assert.equal(
    [0, 1, 2, 3, 4294967295].map((n) => reader(varint(n)).sint()),
    [0n, -1n, 1n, -2n, -2147483648n],
  );
});

test("over-long varints, truncation and lengths past the end are decode errors", () => {
  throwsDecode(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]).varint(), "65-bit varint");
  throwsDecode(() => reader([...Array(10).fill(0x80), 0x00]).varint(), "11-byte varint");
  throwsDecode(() => reader([0x80]).varint(), "truncated varint");
  throwsDecode(() => reader([1, 2, 3]).fixed64(), "truncated fixed64");
  throwsDecode(() => reader([1, 2]).fixed32(), "truncated fixed32");
  throwsDecode(() => reader([0x05, 1, 2]).bytes(), "length past the end");
  throwsDecode(() => reader([...varint(2n ** 40n), 1]).bytes(), "huge length");
  throwsDecode(() => reader([0x02, 0xc3, 0x28]).string(), "invalid UTF-8");
  throwsDecode(() => reader([0x00]).tag(), "field number 0");
  for (const wire of [3, 4, 6, 7]) throwsDecode(() => reader([]).skip(wire), `wire type ${wire}`);
});

test("repeated scalars decode packed and unpacked", () => {
  const packedFixed = reader(varint(16).concat(...[1n, 2n].map((v) => fixed64(1, v).slice(1))));
  assert.equal(
    packedFixed.repeated(2, 1, (r) => r.fixed64()),
    [1n, 2n],
  );
  const unpacked = reader(fixed64(1, 7n).slice(1));
  assert.equal(
    unpacked.repeated(1, 1, (r) => r.fixed64()),
    [7n],
  );
  const packedVarints = reader([3, ...varint(1), ...varint(300)]);
  assert.equal(
    packedVarints.repeated(2, 0, (r) => r.uint64()),
    [1n, 300n],
  );
  throwsDecode(() => reader([1]).repeated(0, 1, (r) => r.fixed64()), "varint where fixed64 was expected");
});

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

/** ExportTraceServiceRequest with one span, sprinkled with unknown fields of every wire type. */
function request(): number[] {
  const unknown = [...tag(999, 0), ...varint(5), ...fixed32(998, 1), ...fixed64(997, 1n), ...str(996, "future")];
  const attribute = (key: string, value: number[]) => len(9, [...str(1, key), ...len(2, value)]);
  const span = [
    ...len(1, hex(TRACE)),
    ...len(2, hex(SPAN)),
    ...str(3, "congo=t61rcWkgMzE"),
    ...len(4, hex("b7ad6b7169203331")),
    ...fixed32(16, 0x301),
    ...str(5, "GET /"),
    ...tag(6, 0),
    ...varint(2),
    ...fixed64(7, 1_700_000_000_123_456_789n),
    ...fixed64(8, 2n ** 64n - 1n),
    ...attribute("s", str(1, "v")),
    ...attribute("neg", [...tag(3, 0), ...varint(-5n)]),
    ...attribute("big", [...tag(3, 0), ...varint(2n ** 62n)]),
    ...attribute("d", double(4, -0.5)),
    ...attribute("b", [...tag(2, 0), 1]),
    ...attribute("raw", len(7, [0, 255])),
    ...attribute("arr", len(5, [...len(1, str(1, "x")), ...len(1, [...tag(3, 0), 7])])),
    ...attribute("kv", len(6, len(1, [...str(1, "inner"), ...len(2, [...tag(2, 0), 0])]))),
    ...attribute("empty", []),
    ...len(11, [...fixed64(1, 5n), ...str(2, "evt"), ...unknown]),
    ...len(15, [...str(2, "boom"), ...tag(3, 0), 2]),
    ...unknown,
  ];
  const scopeSpans = [...len(1, [...str(1, "probe"), ...str(2, "1.0")]), ...len(2, span), ...str(3, "https://schema")];
  const resource = len(1, [...len(1, [...str(1, "service.name"), ...len(2, str(1, "svc"))]), ...unknown]);
  return len(1, [...resource, ...len(2, scopeSpans), ...unknown]);
}

test("a hand-encoded ExportTraceServiceRequest decodes field by field; unknown fields are skipped", () => {
  const payload = decodeProtobuf("traces", new Uint8Array(request()));
  assert.is(payload.signal, "traces");
  if (payload.signal !== "traces") return;
  const [rs] = payload.resourceSpans;
  assert.equal(rs!.resource.attributes, { "service.name": "svc" });
  const [ss] = rs!.scopeSpans;
  assert.equal([ss!.scope.name, ss!.scope.version, ss!.schemaUrl], ["probe", "1.0", "https://schema"]);
  const span = ss!.spans[0]!;
  assert.equal(
    [span.traceId, span.spanId, span.parentSpanId, span.traceState, span.flags, span.name, span.kind],
    [TRACE, SPAN, "b7ad6b7169203331", "congo=t61rcWkgMzE", 0x301, "GET /", 2],
  );
  assert.is(span.startTimeUnixNano, 1_700_000_000_123_456_789n);
  assert.is(span.endTimeUnixNano, 2n ** 64n - 1n);
  assert.equal(span.attributes, {
    s: "v",
    neg: -5,
    big: 2n ** 62n,
    d: -0.5,
    b: true,
    raw: new Uint8Array([0, 255]),
    arr: ["x", 7],
    kv: { inner: false },
    empty: null,
  });
  assert.equal(span.events, [{ timeUnixNano: 5n, name: "evt", attributes: {}, droppedAttributesCount: 0 }]);
  assert.equal(span.status, { code: 2, message: "boom" });
});

test("ids of the wrong length and fields of the wrong wire type are decode errors", () => {
  const spanWith = (fields: number[]) => new Uint8Array(len(1, len(2, len(2, fields))));
  throwsDecode(() => decodeProtobuf("traces", spanWith(len(1, [1, 2, 3]))), "3-byte trace id");
  throwsDecode(() => decodeProtobuf("traces", spanWith(len(2, hex(TRACE)))), "16-byte span id");
  throwsDecode(() => decodeProtobuf("traces", spanWith([...tag(7, 0), 1])), "varint start time");
  throwsDecode(() => decodeProtobuf("traces", spanWith([...tag(5, 0), 1])), "varint name");
  assert.equal(decodeProtobuf("traces", spanWith([])), {
    signal: "traces",
    resourceSpans: [
      {
        resource: { attributes: {}, droppedAttributesCount: 0 },
        schemaUrl: "",
        scopeSpans: [
          {
            scope: { name: "", version: "", attributes: {}, droppedAttributesCount: 0 },
            schemaUrl: "",
            spans: [decodeOne(spanWith([]))],
          },
        ],
      },
    ],
  });
});

function decodeOne(bytes: Uint8Array) {
  const payload = decodeProtobuf("traces", bytes);
  if (payload.signal !== "traces") throw new Error("not traces");
  return payload.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

test("every truncation and thousands of byte flips end in a result or an OtlpDecodeError", () => {
  const bytes = new Uint8Array(request());
  const signals = ["traces", "logs", "metrics"] as const;
  const tryDecode = (input: Uint8Array, why: string) => {
    for (const signal of signals) {
      try {
        decodeProtobuf(signal, input);
      } catch (error) {
        assert.instance(error, OtlpDecodeError, `${why} as ${signal}: ${String(error)}`);
      }
    }
  };
  for (let length = 0; length < bytes.length; length++) tryDecode(bytes.subarray(0, length), `prefix ${length}`);
  let seed = 1;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed;
  };
  for (let i = 0; i < 3000; i++) {
    const copy = bytes.slice();
    copy[next() % copy.length] = next() & 0xff;
    tryDecode(copy, `flip ${i}`);
  }
});

test.run();
