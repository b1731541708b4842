import { SandprobeError } from "../errors.js";
import { readValType } from "./module.js";
import type { ByteReader } from "./reader.js";

/**
 * The instruction set sandprobe accepts in function bodies, and a decoder for
 * it. The set is WebAssembly 1.0 (MVP) plus sign-extension, non-trapping
 * float-to-int, bulk memory, multi-value block types and the basic reference
 * types instructions: what AssemblyScript emits with its default features.
 * Everything else (SIMD, threads, exceptions, tail calls, GC, multi-memory,
 * memory64) is refused with E_UNSUPPORTED_OPCODE, so a pass that rewrites code
 * never has to guess the length of an instruction it does not know.
 */

/** The shape of an instruction's immediates. */
export const Imm = {
  none: 0,
  /** block, loop, if: 0x40, a value type, or an s33 type index. */
  blockType: 1,
  /** br, br_if: a label depth. */
  label: 2,
  /** br_table: a vector of depths and a default. */
  brTable: 3,
  /** call, ref.func: a function index. */
  func: 4,
  /** call_indirect: a type index, then a table index. */
  callIndirect: 5,
  local: 6,
  global: 7,
  /** table.get/set/grow/size/fill: a table index. */
  table: 8,
  /** loads and stores: alignment exponent and offset (memory 0 only). */
  memarg: 9,
  /** memory.size, memory.grow, memory.fill: the byte 0x00 (memory 0). */
  memory: 10,
  i32: 11,
  i64: 12,
  f32: 13,
  f64: 14,
  /** typed select: a vector of value types. */
  selectTypes: 15,
  /** ref.null: a reference type byte. */
  refType: 16,
  /** memory.init: a data index, then 0x00. */
  dataMemory: 17,
  /** data.drop: a data index. */
  data: 18,
  /** memory.copy: 0x00 0x00. */
  memoryMemory: 19,
  /** table.init: an element index, then a table index. */
  elemTable: 20,
  /** elem.drop: an element index. */
  elem: 21,
  /** table.copy: destination and source table indices. */
  tableTable: 22,
} as const;
export type ImmKind = (typeof Imm)[keyof typeof Imm];

export interface OpcodeInfo {
  /** The opcode: the byte, or 0xfc00 | sub-opcode for the 0xfc prefix. */
  readonly op: number;
  readonly name: string;
  readonly imm: ImmKind;
}

/** The prefix byte of the "misc" instructions (saturating truncation, bulk memory, tables). */
export const MISC_PREFIX = 0xfc;

export const Op = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  memorySize: 0x3f,
  memoryGrow: 0x40,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32LeU: 0x4d,
  i32Shl: 0x74,
  select: 0x1b,
  i32ShrU: 0x76,
  refFunc: 0xd2,
  memoryInit: 0xfc08,
  memoryCopy: 0xfc0a,
  memoryFill: 0xfc0b,
  tableInit: 0xfc0c,
  tableCopy: 0xfc0e,
  tableGrow: 0xfc0f,
  tableFill: 0xfc11,
} as const;

const N = Imm.none;
const SINGLE_BYTE: ReadonlyArray<readonly [number, string, ImmKind]> = [
  [0x00, "unreachable", N],
  [0x01, "nop", N],
  [0x02, "block", Imm.blockType],
  [0x03, "loop", Imm.blockType],
  [0x04, "if", Imm.blockType],
  [0x05, "else", N],
  [0x0b, "end", N],
  [0x0c, "br", Imm.label],
  [0x0d, "br_if", Imm.label],
  [0x0e, "br_table", Imm.brTable],
  [0x0f, "return", N],
  [0x10, "call", Imm.func],
  [0x11, "call_indirect", Imm.callIndirect],
  [0x1a, "drop", N],
  [0x1b, "select", N],
  [0x1c, "select_t", Imm.selectTypes],
  [0x20, "local.get", Imm.local],
  [0x21, "local.set", Imm.local],
  [0x22, "local.tee", Imm.local],
  [0x23, "global.get", Imm.global],
  [0x24, "global.set", Imm.global],
  [0x25, "table.get", Imm.table],
  [0x26, "table.set", Imm.table],
  ...named(0x28, Imm.memarg, [
    "i32.load",
    "i64.load",
    "f32.load",
    "f64.load",
    "i32.load8_s",
    "i32.load8_u",
    "i32.load16_s",
    "i32.load16_u",
    "i64.load8_s",
    "i64.load8_u",
    "i64.load16_s",
    "i64.load16_u",
    "i64.load32_s",
    "i64.load32_u",
    "i32.store",
    "i64.store",
    "f32.store",
    "f64.store",
    "i32.store8",
    "i32.store16",
    "i64.store8",
    "i64.store16",
    "i64.store32",
  ]),
  [0x3f, "memory.size", Imm.memory],
  [0x40, "memory.grow", Imm.memory],
  [0x41, "i32.const", Imm.i32],
  [0x42, "i64.const", Imm.i64],
  [0x43, "f32.const", Imm.f32],
  [0x44, "f64.const", Imm.f64],
  ...named(0x45, N, [
    "i32.eqz",
    "i32.eq",
    "i32.ne",
    "i32.lt_s",
    "i32.lt_u",
    "i32.gt_s",
    "i32.gt_u",
    "i32.le_s",
    "i32.le_u",
    "i32.ge_s",
    "i32.ge_u",
    "i64.eqz",
    "i64.eq",
    "i64.ne",
    "i64.lt_s",
    "i64.lt_u",
    "i64.gt_s",
    "i64.gt_u",
    "i64.le_s",
    "i64.le_u",
    "i64.ge_s",
    "i64.ge_u",
    "f32.eq",
    "f32.ne",
    "f32.lt",
    "f32.gt",
    "f32.le",
    "f32.ge",
    "f64.eq",
    "f64.ne",
    "f64.lt",
    "f64.gt",
    "f64.le",
    "f64.ge",
    "i32.clz",
    "i32.ctz",
    "i32.popcnt",
    "i32.add",
    "i32.sub",
    "i32.mul",
    "i32.div_s",
    "i32.div_u",
    "i32.rem_s",
    "i32.rem_u",
    "i32.and",
    "i32.or",
    "i32.xor",
    "i32.shl",
    "i32.shr_s",
    "i32.shr_u",
    "i32.rotl",
    "i32.rotr",
    "i64.clz",
    "i64.ctz",
    "i64.popcnt",
    "i64.add",
    "i64.sub",
    "i64.mul",
    "i64.div_s",
    "i64.div_u",
    "i64.rem_s",
    "i64.rem_u",
    "i64.and",
    "i64.or",
    "i64.xor",
    "i64.shl",
    "i64.shr_s",
    "i64.shr_u",
    "i64.rotl",
    "i64.rotr",
    "f32.abs",
    "f32.neg",
    "f32.ceil",
    "f32.floor",
    "f32.trunc",
    "f32.nearest",
    "f32.sqrt",
    "f32.add",
    "f32.sub",
    "f32.mul",
    "f32.div",
    "f32.min",
    "f32.max",
    "f32.copysign",
    "f64.abs",
    "f64.neg",
    "f64.ceil",
    "f64.floor",
    "f64.trunc",
    "f64.nearest",
    "f64.sqrt",
    "f64.add",
    "f64.sub",
    "f64.mul",
    "f64.div",
    "f64.min",
    "f64.max",
    "f64.copysign",
    "i32.wrap_i64",
    "i32.trunc_f32_s",
    "i32.trunc_f32_u",
    "i32.trunc_f64_s",
    "i32.trunc_f64_u",
    "i64.extend_i32_s",
    "i64.extend_i32_u",
    "i64.trunc_f32_s",
    "i64.trunc_f32_u",
    "i64.trunc_f64_s",
    "i64.trunc_f64_u",
    "f32.convert_i32_s",
    "f32.convert_i32_u",
    "f32.convert_i64_s",
    "f32.convert_i64_u",
    "f32.demote_f64",
    "f64.convert_i32_s",
    "f64.convert_i32_u",
    "f64.convert_i64_s",
    "f64.convert_i64_u",
    "f64.promote_f32",
    "i32.reinterpret_f32",
    "i64.reinterpret_f64",
    "f32.reinterpret_i32",
    "f64.reinterpret_i64",
    "i32.extend8_s",
    "i32.extend16_s",
    "i64.extend8_s",
    "i64.extend16_s",
    "i64.extend32_s",
  ]),
  [0xd0, "ref.null", Imm.refType],
  [0xd1, "ref.is_null", N],
  [0xd2, "ref.func", Imm.func],
];

const MISC: ReadonlyArray<readonly [number, string, ImmKind]> = [
  ...named(0, N, [
    "i32.trunc_sat_f32_s",
    "i32.trunc_sat_f32_u",
    "i32.trunc_sat_f64_s",
    "i32.trunc_sat_f64_u",
    "i64.trunc_sat_f32_s",
    "i64.trunc_sat_f32_u",
    "i64.trunc_sat_f64_s",
    "i64.trunc_sat_f64_u",
  ]),
  [8, "memory.init", Imm.dataMemory],
  [9, "data.drop", Imm.data],
  [10, "memory.copy", Imm.memoryMemory],
  [11, "memory.fill", Imm.memory],
  [12, "table.init", Imm.elemTable],
  [13, "elem.drop", Imm.elem],
  [14, "table.copy", Imm.tableTable],
  [15, "table.grow", Imm.table],
  [16, "table.size", Imm.table],
  [17, "table.fill", Imm.table],
];

/** Names of well-known instructions we refuse, for clearer errors. */
const REFUSED: Readonly<Record<number, string>> = {
  6: "try (exception handling)",
  7: "catch (exception handling)",
  8: "throw (exception handling)",
  9: "rethrow (exception handling)",
  10: "throw_ref (exception handling)",
  18: "return_call (tail calls)",
  19: "return_call_indirect (tail calls)",
  20: "call_ref (function references)",
  21: "return_call_ref (function references)",
  24: "delegate (exception handling)",
  25: "catch_all (exception handling)",
  31: "try_table (exception handling)",
  211: "ref.eq (GC)",
  212: "ref.as_non_null (function references)",
  213: "br_on_null (function references)",
  214: "br_on_non_null (function references)",
  251: "GC instructions",
  253: "SIMD instructions",
  254: "threads/atomics instructions",
};

function named(first: number, imm: ImmKind, names: readonly string[]): Array<readonly [number, string, ImmKind]> {
  return names.map((name, i) => [first + i, name, imm] as const);
}

const singleTable: Array<OpcodeInfo | undefined> = new Array(256).fill(undefined);
for (const [op, name, imm] of SINGLE_BYTE) singleTable[op] = { op, name, imm };
const miscTable: Array<OpcodeInfo | undefined> = MISC.map(([sub, name, imm]) => ({
  op: (MISC_PREFIX << 8) | sub,
  name,
  imm,
}));

/** Every accepted instruction, in opcode order. */
export const OPCODES: readonly OpcodeInfo[] = [
  ...singleTable.filter((info): info is OpcodeInfo => info !== undefined),
  ...miscTable.filter((info): info is OpcodeInfo => info !== undefined),
];

/** The accepted instruction with this opcode (0xfc00 | sub for the 0xfc prefix), if any. */
export function opcodeInfo(op: number): OpcodeInfo | undefined {
  if (op >> 8 === MISC_PREFIX) return miscTable[op & 0xff];
  return op < 0x100 ? singleTable[op] : undefined;
}

/** Block type of an instruction with no block type, and of `0x40` (no params, no results). */
export const EMPTY_BLOCK_TYPE = -64;

const VALTYPE_BYTES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

function refuse(message: string, at: number, opcode: number): never {
  throw new SandprobeError("E_UNSUPPORTED_OPCODE", `${message} at byte ${at}`, { offset: at, opcode });
}

/**
 * Decodes one instruction at a time from a function body or constant
 * expression. The fields describe the instruction last read by `next()`;
 * they are overwritten by the next call, so nothing is allocated per
 * instruction (except br_table's target list, reused).
 */
export class InstructionReader {
  readonly reader: ByteReader;
  /** Offset of the opcode byte. */
  start = 0;
  /** The opcode: the byte, or 0xfc00 | sub-opcode for the 0xfc prefix. */
  op = 0;
  /** Label depth, function, local, global, table, type, data or element index, per the immediate shape. */
  index = 0;
  /** call_indirect's table, table.init's table, table.copy's source table. */
  index2 = 0;
  /** block/loop/if: EMPTY_BLOCK_TYPE, a negative value type code (-1 = i32, ...), or a type index. */
  blockType = EMPTY_BLOCK_TYPE;
  /** i32.const: the constant. */
  value = 0;
  /** br_table: every target depth, the default last. */
  readonly targets: number[] = [];

  constructor(reader: ByteReader) {
    this.reader = reader;
  }

  /** Read the next instruction; returns its description. Throws E_MALFORMED or E_UNSUPPORTED_OPCODE. */
  next(): OpcodeInfo {
    const r = this.reader;
    const start = r.pos;
    this.start = start;
    const byte = r.u8();
    let info: OpcodeInfo | undefined;
    if (byte === MISC_PREFIX) {
      const sub = r.u32();
      info = sub < miscTable.length ? miscTable[sub] : undefined;
      if (info === undefined) refuse(`instruction 0xfc ${sub} is not in the accepted feature set`, start, 0xfc00 | sub);
    } else {
      info = singleTable[byte];
      if (info === undefined) {
        const known = REFUSED[byte];
        const what = known ? `opcode 0x${hex(byte)} (${known})` : `unknown opcode 0x${hex(byte)}`;
        refuse(`${what} is not in the accepted feature set`, start, byte);
      }
    }
    this.op = info.op;
    switch (info.imm) {
      case Imm.none:
        break;
      case Imm.blockType:
        this.blockType = this.readBlockType();
        break;
      case Imm.label:
      case Imm.func:
      case Imm.local:
      case Imm.global:
      case Imm.table:
      case Imm.data:
      case Imm.elem:
        this.index = r.u32();
        break;
      case Imm.brTable: {
        const count = r.u32();
        // Each depth takes at least one byte: refuse counts the body cannot hold before allocating.
        if (count >= r.remaining) r.fail(`br_table with ${count} targets runs past the end`, start);
        const targets = this.targets;
        targets.length = 0;
        for (let i = 0; i <= count; i++) targets.push(r.u32());
        break;
      }
      case Imm.callIndirect:
        this.index = r.u32();
        this.index2 = r.u32();
        break;
      case Imm.memarg: {
        const align = r.u32();
        if (align >= 0x40) refuse(`${info.name} with alignment flags 0x${hex(align)} (multi-memory)`, start, info.op);
        r.u32();
        break;
      }
      case Imm.memory:
        this.memoryZero(info);
        break;
      case Imm.memoryMemory:
        this.memoryZero(info);
        this.memoryZero(info);
        break;
      case Imm.dataMemory:
        this.index = r.u32();
        this.memoryZero(info);
        break;
      case Imm.i32:
        this.value = r.s32();
        break;
      case Imm.i64:
        r.skipLeb(10);
        break;
      case Imm.f32:
        r.skip(4);
        break;
      case Imm.f64:
        r.skip(8);
        break;
      case Imm.selectTypes: {
        const count = r.u32();
        if (count > r.remaining) r.fail(`select with ${count} types runs past the end`, start);
        for (let i = 0; i < count; i++) readValType(r);
        break;
      }
      case Imm.refType: {
        const at = r.pos;
        const type = r.u8();
        if (type !== 0x70 && type !== 0x6f) refuse(`ref.null of heap type 0x${hex(type)}`, at, info.op);
        break;
      }
      case Imm.elemTable:
      case Imm.tableTable:
        this.index = r.u32();
        this.index2 = r.u32();
        break;
    }
    return info;
  }

  private memoryZero(info: OpcodeInfo): void {
    const at = this.reader.pos;
    // A single 0x00 byte: the only encoding on which MVP and multi-memory decoders agree.
    if (this.reader.u8() !== 0) refuse(`${info.name} on a memory other than 0 (multi-memory)`, at, info.op);
  }

  private readBlockType(): number {
    const r = this.reader;
    const at = r.pos;
    const first = r.u8();
    if (first === 0x40) return EMPTY_BLOCK_TYPE;
    if (VALTYPE_BYTES.has(first)) return first - 0x80;
    if (first & 0x40 && !(first & 0x80)) refuse(`block type 0x${hex(first)}`, at, this.op);
    r.pos = at;
    const index = r.sleb(33);
    if (index < 0n) refuse("negative block type index", at, this.op);
    if (index > 0xffffffffn) r.fail("block type index out of range", at);
    return Number(index);
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(2, "0");
}
