// The LEB128 helpers the metering pass writes and reads instructions with:
// every value round-trips, and out-of-range encodings are refused like the engine refuses them.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/errors.js";
import { ByteReader, ByteWriter, encodeS32, encodeS64, encodeU32 } from "../../host/wasm/index.js";

const edges32 = [0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, -8192, 2 ** 27, -(2 ** 27), 0x7fffffff, -0x80000000];

test("s32 values round-trip through encodeS32 and ByteReader.s32, minimally encoded", () => {
  const values = [...edges32];
  for (let i = 0; i < 2000; i++) values.push(((i * 2654435761) | 0) >> (i % 31));
  for (const value of values) {
    const bytes = Uint8Array.from(encodeS32(value));
    const reader = new ByteReader(bytes);
    assert.is(reader.s32(), value);
    assert.is(reader.pos, bytes.length);
    assert.is(new ByteReader(bytes).sleb(32), BigInt(value), "agrees with the bigint decoder");
    let minimal = 1;
    while (!(value >= -(2 ** (7 * minimal - 1)) && value < 2 ** (7 * minimal - 1))) minimal++;
    assert.is(bytes.length, minimal, `minimal length for ${value}`);
  }
});

test("s32 refuses a fifth byte that is not a sign extension, and six-byte encodings", () => {
  for (const bytes of [
    [0x80, 0x80, 0x80, 0x80, 0x08],
    [0xff, 0xff, 0xff, 0xff, 0x77],
    [0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
    [0x80, 0x80],
  ]) {
    assert.throws(
      () => new ByteReader(Uint8Array.from(bytes)).s32(),
      (e: unknown) => isSandprobeError(e, "E_MALFORMED"),
    );
  }
  // Non-minimal but in range: accepted, as engines accept it.
  assert.is(new ByteReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x7f)).s32(), -1);
  assert.is(new ByteReader(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x00)).s32(), 0);
});

test("s64 values round-trip through encodeS64 and ByteReader.sleb(64)", () => {
  for (const value of [0n, 1n, -1n, 63n, -64n, 2n ** 63n - 1n, -(2n ** 63n), 123456789012345n, -98765432109876n]) {
    assert.is(new ByteReader(Uint8Array.from(encodeS64(value))).sleb(64), value);
  }
  assert.throws(() => encodeS64(2n ** 63n), RangeError);
  assert.throws(() => encodeS32(2 ** 31), RangeError);
});

test("ByteWriter grows as needed and returns exactly what was written", () => {
  const writer = new ByteWriter(1);
  for (let i = 0; i < 1000; i++)
    writer
      .u8(i)
      .u32(i * 1000)
      .s32(-i);
  const bytes = writer.finish();
  assert.is(bytes.length, writer.length);
  const reader = new ByteReader(bytes);
  for (let i = 0; i < 1000; i++) {
    assert.is(reader.u8(), i & 0xff);
    assert.is(reader.u32(), i * 1000);
    assert.is(reader.s32(), -i);
  }
  assert.is(reader.remaining, 0);
});

test("ByteWriter.s32 writes what encodeS32 encodes, for every edge and a spread of values", () => {
  const values = [...edges32];
  for (let i = 0; i < 2000; i++) values.push(((i * 2654435761) | 0) >> (i % 31));
  for (const value of values) {
    assert.equal([...new ByteWriter(1).s32(value).finish()], encodeS32(value), String(value));
  }
  assert.throws(() => new ByteWriter().s32(2 ** 31), RangeError);
  assert.throws(() => new ByteWriter().s32(1.5), RangeError);
});

test("ByteWriter size-prefixed runs: the size is minimal whether the guess was right, long or short", () => {
  // (guessed size, real size): prefix widths 1/1, 1/2, 2/1, 1/3, 3/1, 2/3 bytes.
  const cases = [
    [10, 20],
    [10, 200],
    [200, 10],
    [5, 20_000],
    [20_000, 5],
    [300, 17_000],
  ];
  for (const [expected, length] of cases as [number, number][]) {
    const writer = new ByteWriter(4).u8(0xaa);
    const mark = writer.beginSized(expected);
    for (let i = 0; i < length; i++) writer.u8(i);
    writer.endSized(mark, expected).u8(0xbb);
    const bytes = writer.finish();
    const reader = new ByteReader(bytes);
    assert.is(reader.u8(), 0xaa);
    const prefixStart = reader.pos;
    assert.is(reader.u32(), length, `guess ${expected}, real ${length}`);
    assert.is(reader.pos - prefixStart, Uint8Array.from(encodeU32(length)).length, "minimal prefix");
    for (let i = 0; i < length; i++) assert.is(reader.u8(), i & 0xff, `byte ${i} moved intact`);
    assert.is(reader.u8(), 0xbb);
    assert.is(reader.remaining, 0);
  }
});

test.run();
