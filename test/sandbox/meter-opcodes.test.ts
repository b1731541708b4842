// Every instruction the metering pass accepts is exercised here, metered and
// unmetered, with the same results; every other opcode is refused with
// E_UNSUPPORTED_OPCODE before any code is produced.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isSandprobeError } from "../../host/errors.js";
import { meterModule } from "../../host/load/index.js";
import {
  ByteReader,
  InstructionReader,
  OPCODES,
  Op,
  parseModule,
  readSections,
  SectionId,
} from "../../host/wasm/index.js";
import { build, type FuncSpec, f32, f64, i32, i64, type ModuleSpec, op, type V } from "./support/builder.js";
import { instantiate } from "./support/instance.js";

const BUDGET = 1_000_000;

/** Operand and result types of a numeric instruction, from its name. */
function numericSignature(name: string): { params: V[]; result: V } {
  const [type, rest] = name.split(".") as [V, string];
  const conversion = /^[a-z]+(?:_sat)?_(i32|i64|f32|f64)(?:_[su])?$/.exec(rest);
  if (conversion) return { params: [conversion[1] as V], result: type };
  if (rest === "eqz") return { params: [type], result: "i32" };
  if (/^(eq|ne|lt|gt|le|ge)(_[su])?$/.test(rest)) return { params: [type, type], result: "i32" };
  if (/^(clz|ctz|popcnt|abs|neg|ceil|floor|trunc|nearest|sqrt|extend(8|16|32)_s)$/.test(rest)) {
    return { params: [type], result: type };
  }
  return { params: [type, type], result: type };
}

const operand: Record<string, number[]> = {
  i32: i32(7),
  i64: i64(-9n),
  f32: f32(2.5),
  f64: f64(1.75),
};
const second: Record<string, number[]> = { i32: i32(3), i64: i64(4n), f32: f32(0.5), f64: f64(3.25) };

const numeric = OPCODES.filter(
  (info) => (info.op >= 0x45 && info.op <= 0xc4) || (info.op >= 0xfc00 && info.op <= 0xfc07),
);

/** Hand-written functions for the instructions that are not plain numeric ones. Each returns an i32 or i64. */
function structural(): ModuleSpec {
  const L = (n: number) => [...op("local.get"), n];
  const funcs: FuncSpec[] = [
    {
      // control flow: block, loop, if/else, br, br_if, br_table, return, nop, drop, select, unreachable (not taken)
      export: "control",
      type: { params: ["i32"], results: ["i32"] },
      locals: ["i32"],
      body: [
        ...op("nop"),
        ...[...op("block"), 0x40, ...op("loop"), 0x40],
        ...[...L(1), ...i32(3), ...op("i32.add"), ...op("local.set"), 1],
        ...[...L(0), ...i32(1), ...op("i32.sub"), ...op("local.tee"), 0, ...op("br_if"), 0],
        ...op("end"),
        ...op("end"),
        ...[...op("block"), 0x40, ...op("block"), 0x40, ...L(0), ...op("br_table"), 2, 0, 1, 1],
        ...op("end"),
        ...[...L(1), ...i32(100), ...op("i32.add"), ...op("local.set"), 1],
        ...op("end"),
        ...[...op("block"), 0x40, ...op("br"), 0, ...op("unreachable"), ...op("end")],
        ...[...L(1), ...op("if"), 0x7f, ...i32(5), ...op("else"), ...op("unreachable"), ...op("end")],
        ...[...i32(11), ...op("drop"), ...L(1), ...i32(1), ...op("select"), ...L(1), ...op("i32.add")],
        ...[...i64(1n), ...i64(2n), ...L(0), ...op("select_t"), 1, 0x7e, ...op("i32.wrap_i64"), ...op("i32.add")],
        ...op("return"),
      ],
    },
    {
      // calls: direct and indirect (type 1 = (i32) -> i32), globals
      export: "calls",
      type: { params: ["i32"], results: ["i32"] },
      body: [
        ...[...L(0), ...op("call"), 0],
        ...[...L(0), ...i32(0), ...op("call_indirect"), 0, 0],
        ...op("i32.add"),
        ...[...op("global.get"), 0, ...op("i32.add"), ...op("global.set"), 0, ...op("global.get"), 0],
      ],
    },
    {
      // every load and store, memory.size, memory.grow
      export: "memory",
      type: { params: [], results: ["i64"] },
      locals: ["i64"],
      body: [
        ...[...i32(16), ...i32(0x12345678), ...op("i32.store"), 2, 0],
        ...[...i32(24), ...i64(0x1122334455667788n), ...op("i64.store"), 3, 0],
        ...[...i32(32), ...f32(1.5), ...op("f32.store"), 2, 0],
        ...[...i32(40), ...f64(2.25), ...op("f64.store"), 3, 0],
        ...[...i32(48), ...i32(0x1ff), ...op("i32.store8"), 0, 0],
        ...[...i32(50), ...i32(0x1ffff), ...op("i32.store16"), 1, 0],
        ...[...i32(52), ...i64(-2n), ...op("i64.store8"), 0, 0],
        ...[...i32(54), ...i64(-3n), ...op("i64.store16"), 1, 0],
        ...[...i32(56), ...i64(-4n), ...op("i64.store32"), 2, 0],
        ...[...i32(16), ...op("i32.load"), 2, 0, ...op("i64.extend_i32_u")],
        ...[...i32(24), ...op("i64.load"), 3, 0, ...op("i64.add")],
        ...[...i32(32), ...op("f32.load"), 2, 0, ...op("i64.trunc_f32_s"), ...op("i64.add")],
        ...[...i32(40), ...op("f64.load"), 3, 0, ...op("i64.trunc_f64_s"), ...op("i64.add")],
        ...["i32.load8_s", "i32.load8_u", "i32.load16_s", "i32.load16_u"].flatMap((name) => [
          ...i32(48),
          ...op(name),
          0,
          1,
          ...op("i64.extend_i32_s"),
          ...op("i64.add"),
        ]),
        ...["i64.load8_s", "i64.load8_u", "i64.load16_s", "i64.load16_u", "i64.load32_s", "i64.load32_u"].flatMap(
          (name) => [...i32(52), ...op(name), 0, 2, ...op("i64.add")],
        ),
        ...[...i32(1), ...op("memory.grow"), 0, ...op("memory.size"), 0, ...op("i32.add")],
        ...[...op("i64.extend_i32_u"), ...op("i64.add")],
      ],
    },
    {
      // bulk memory and tables: memory.init/copy/fill, data.drop, table.*, elem.drop, ref.*
      export: "bulk",
      type: { params: [], results: ["i32"] },
      body: [
        ...[...i32(100), ...i32(0), ...i32(4), ...op("memory.init"), 0, 0, ...op("data.drop"), 0],
        ...[...i32(200), ...i32(100), ...i32(4), ...op("memory.copy"), 0, 0],
        ...[...i32(202), ...i32(0x55), ...i32(1), ...op("memory.fill"), 0],
        ...[...i32(2), ...i32(0), ...i32(1), ...op("table.init"), 1, 0, ...op("elem.drop"), 1],
        ...[...i32(3), ...i32(2), ...i32(1), ...op("table.copy"), 0, 0],
        ...[...op("ref.func"), 0, ...i32(2), ...op("table.grow"), 0, ...op("drop")],
        ...[...i32(5), ...op("ref.null"), 0x70, ...i32(1), ...op("table.fill"), 0],
        ...[...i32(4), ...op("table.get"), 0, ...op("ref.is_null")],
        ...[...i32(5), ...op("ref.null"), 0x70, ...op("table.set"), 0],
        ...[...op("table.size"), 0, ...op("i32.add")],
        ...[...i32(200), ...op("i32.load"), 2, 0, ...op("i32.add")],
      ],
    },
  ];
  return {
    funcs: [{ type: { params: ["i32"], results: ["i32"] }, body: [...L(0), ...i32(1), ...op("i32.shl")] }, ...funcs],
    memory: { min: 1, max: 2 },
    table: { min: 4, max: 10 },
    globals: [{ type: "i32", mutable: true, init: i32(40) }],
    elements: [{ offset: 0, funcs: [0] }],
    passiveElements: [[0]],
    passiveData: [[1, 2, 3, 4]],
    exports: [],
  };
}

function numericModule(): ModuleSpec {
  return {
    funcs: numeric.map((info) => {
      const sig = numericSignature(info.name);
      const args = sig.params.flatMap((t, i) => (i === 0 ? (operand[t] as number[]) : (second[t] as number[])));
      return {
        export: info.name,
        type: { params: [], results: [sig.result] },
        body: [...args, ...op(info.name)],
      };
    }),
  };
}

function opcodesIn(bytes: Uint8Array): Set<number> {
  const module = parseModule(bytes);
  const code = module.sections.find((s) => s.id === SectionId.code);
  const seen = new Set<number>();
  if (!code) return seen;
  const r = new ByteReader(bytes, code.payloadStart, code.end);
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const end = r.u32() + r.pos;
    const groups = r.u32();
    for (let g = 0; g < groups; g++) {
      r.u32();
      r.u8();
    }
    const ins = new InstructionReader(r);
    while (r.pos < end) seen.add(ins.next().op);
  }
  return seen;
}

async function sameResults(bytes: Uint8Array, names: readonly string[]): Promise<void> {
  const plain = await instantiate(bytes);
  const metered = await instantiate(meterModule(bytes, { entries: names }).bytes);
  for (const name of names) {
    const expected = plain.fn(name)();
    const [actual, left] = metered.fn(name)(BUDGET) as [unknown, number];
    assert.is(Object.is(actual, expected) || actual === expected, true, `${name}: ${actual} vs ${expected}`);
    assert.ok(left > 0 && left < BUDGET, `${name} was charged`);
  }
}

test("numeric instructions (MVP, sign extension, saturating truncation): same results metered", async () => {
  const bytes = build(numericModule());
  await sameResults(
    bytes,
    numeric.map((info) => info.name),
  );
});

test("control, calls, memory, bulk memory and table instructions: same results metered", async () => {
  const spec = structural();
  const bytes = build(spec);
  const plain = await instantiate(bytes);
  const metered = await instantiate(meterModule(bytes, { entries: ["control", "calls", "memory", "bulk"] }).bytes);
  for (const [name, args] of [
    ["control", [4]],
    ["control", [1]],
    ["calls", [5]],
    ["memory", []],
    ["bulk", []],
  ] as const) {
    const expected = plain.fn(name)(...args);
    const [actual] = metered.fn(name)(...args, BUDGET) as [unknown, number];
    assert.is(actual, expected, `${name}(${args})`);
  }
});

test("the tests above exercise every instruction in the accepted table", () => {
  const seen = new Set([...opcodesIn(build(numericModule())), ...opcodesIn(build(structural()))]);
  const missing = OPCODES.filter((info) => !seen.has(info.op)).map((info) => info.name);
  assert.equal(missing, []);
});

function refused(body: number[]): unknown {
  const bytes = build({ funcs: [{ type: { params: [], results: [] }, body }] });
  try {
    meterModule(bytes, { entries: [] });
    return "accepted";
  } catch (error) {
    return isSandprobeError(error) ? error.code : error;
  }
}

test("every opcode outside the table is refused with E_UNSUPPORTED_OPCODE", () => {
  const known = new Set(OPCODES.map((info) => info.op));
  for (let byte = 0; byte < 0x100; byte++) {
    if (known.has(byte) || byte === 0xfc) continue;
    assert.is(refused([byte, 0, 0, 0, 0]), "E_UNSUPPORTED_OPCODE", `opcode 0x${byte.toString(16)}`);
  }
  for (let sub = 18; sub < 40; sub++) {
    assert.is(refused([0xfc, sub, 0, 0, 0]), "E_UNSUPPORTED_OPCODE", `0xfc ${sub}`);
  }
  assert.is(refused([0xfc, 0x80, 0x01]), "E_UNSUPPORTED_OPCODE", "0xfc 128");
});

test("features hidden in immediates are refused too: SIMD, multi-memory, GC types", () => {
  const cases: Array<[string, number[]]> = [
    ["v128.const", [0xfd, 0x0c, ...new Array(16).fill(0), 0x1a]],
    ["memory.size of memory 1", [0x3f, 0x01, 0x1a]],
    ["memory.grow of memory 1", [...i32(0), 0x40, 0x01, 0x1a]],
    ["memory.fill of memory 1", [...i32(0), ...i32(0), ...i32(0), 0xfc, 0x0b, 0x01]],
    ["memory.copy between memories", [...i32(0), ...i32(0), ...i32(0), 0xfc, 0x0a, 0x00, 0x01]],
    ["multi-memory load", [...i32(0), 0x28, 0x42, 0x01, 0x00, 0x1a]],
    ["ref.null of a GC heap type", [0xd0, 0x6e, 0x1a]],
    ["block of a GC reference type", [0x02, 0x63, 0x6f, 0x0b]],
    ["atomic.fence", [0xfe, 0x03, 0x00]],
    ["return_call", [0x12, 0x00]],
    ["try", [0x06, 0x40, 0x0b]],
  ];
  for (const [what, body] of cases) assert.is(refused(body), "E_UNSUPPORTED_OPCODE", what);
});

test("the instruction decoder agrees with the engine on instruction boundaries (i32.const of every width)", async () => {
  // Constants of 1 to 5 LEB bytes, including non-minimal encodings, must be skipped exactly.
  const wide = [
    [0x41, 0x7f],
    [0x41, 0xff, 0x7f],
    [0x41, 0x80, 0x80, 0x80, 0x80, 0x00],
    [0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
  ];
  for (const body of wide) {
    const dropIt = [...body, ...op("drop")];
    const bytes = build({
      funcs: [{ type: { params: [], results: ["i32"] }, export: "f", body: [...dropIt, ...i32(1)] }],
    });
    const metered = await instantiate(meterModule(bytes, { entries: ["f"] }).bytes);
    assert.equal(metered.fn("f")(100), [1, 100 - 4]);
  }
  assert.is(Op.end, 0x0b);
});

test("non-minimal LEB encodings in local declarations are copied exactly", async () => {
  const bytes = build({
    funcs: [
      {
        type: { params: ["i32"], results: ["i32"] },
        export: "f",
        body: [...op("local.get"), 0, ...i32(2), ...op("i32.add")],
      },
    ],
  });
  // Replace the body: 1 group written as 0x81 0x00, of 0x81 0x80 0x00 (= 1) i32 local; f(x) = x + local 1 + 2.
  const body = [0x81, 0x00, 0x81, 0x80, 0x00, 0x7f, 0x20, 0x00, 0x20, 0x01, 0x6a, ...i32(2), 0x6a, 0x0b];
  const code = readSections(bytes).find((sec) => sec.id === SectionId.code);
  assert.ok(code);
  const payload = [0x01, body.length, ...body];
  const patched = Uint8Array.from([...bytes.subarray(0, code.start), 0x0a, payload.length, ...payload]);
  const plain = await instantiate(patched);
  const metered = await instantiate(meterModule(patched, { entries: ["f"] }).bytes);
  assert.is(plain.fn("f")(5), 7);
  assert.equal(metered.fn("f")(5, 100), [7, 100 - 6]);
});

test.run();
