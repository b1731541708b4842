import { SandprobeError } from "../../errors.js";
import { ByteReader, InstructionReader, readValType } from "../../wasm/index.js";
import { Op } from "../../wasm/opcodes.js";
import { DYNAMIC_SHIFT, IMPORT_CALL_COST, INSTRUCTION_COST, MEMORY_GROW_COST } from "./cost.js";
import { NumberList } from "./number-list.js";

/**
 * Pass 1 of metering: decode one function body, split its instructions into
 * regions and segments and record where pass 2 must insert code.
 *
 * A region is the function body outside any loop (region 0), or the body of
 * one loop outside the loops nested in it. Inside a region control only moves
 * forward, so each of its instructions runs at most once per entry into the
 * region; entries are the function entry and each start of a loop iteration
 * (a loop is only re-entered by a branch to its label). Charging the whole
 * region's instruction count at each entry therefore bounds the instructions
 * run between two charges, and the charge depends only on the path taken.
 *
 * A segment is a run of a region's instructions that control can only enter
 * at its start: it ends after each `if`, `else` and `end`, the only places a
 * branch or an arm can land (cost model 3). Each segment's instructions run
 * at most once per pass through its start, so a large region (an
 * interpreter's dispatch loop, where one iteration runs one arm of many) can
 * be charged segment by segment instead of as a whole; plan.ts decides which.
 */

/** Insertion point kinds. */
export const Point = {
  /** Charge a loop region; offset is just after the loop's block type; arg is its first segment. */
  loop: 0,
  /** Control leaves the function (return, branch to the function label, final end): write the counter back. */
  exit: 1,
  /** Before a call; arg is the callee, or -1 for call_indirect. */
  call: 2,
  /** After a call; arg as for `call`. */
  reload: 3,
  /** Before an instruction with a per-length cost; arg is the shift. */
  dynamic: 4,
  /** A segment starts (after an `if`, `else` or non-final `end`); arg is the segment. */
  segment: 5,
  /** Before a `memory.grow`: charge the pages it asks for, when it can succeed. */
  grow: 6,
} as const;

/** Flags of a body in CodeAnalysis.flags. */
export const BodyFlag = {
  /** It has a loop (a region other than region 0). */
  loop: 1,
  /** It has an instruction charged by its length (or its pages) at run time. */
  dynamic: 2,
  /** It has a call_indirect. */
  indirect: 4,
} as const;

/**
 * What pass 1 learned about every defined function body of a module, in
 * flat lists shared by all bodies (NumberList says why). Body i's entries in
 * a list run from its `...At[i]` to `...At[i + 1]`; segments and regions are
 * numbered module-wide, so a point's or call's segment indexes
 * `segmentCost` directly.
 */
export class CodeAnalysis {
  readonly count: number;
  /** Offset of each body's local declarations (after its size). */
  readonly start: Uint32Array;
  /** Offset of the first local declaration group (after the group count). */
  readonly groupsStart: Uint32Array;
  /** Offset of the first instruction. */
  readonly codeStart: Uint32Array;
  /** Offset just past the body's final `end`. */
  readonly end: Uint32Array;
  /** Number of local declaration groups. */
  readonly localGroups: Uint32Array;
  /** Parameters plus declared locals. */
  readonly localCount: Uint32Array;
  /** BodyFlag bits. */
  readonly flags: Uint32Array;
  readonly pointsAt: Uint32Array;
  readonly callsAt: Uint32Array;
  readonly segmentsAt: Uint32Array;
  readonly regionsAt: Uint32Array;
  /** Insertion points as (offset, kind, arg) triples, in offset order per body; loop and segment args are segments. */
  readonly points: NumberList;
  /** Direct calls as (callee, segment) pairs. */
  readonly calls: NumberList;
  /** Instruction cost of each segment; a body's first segment starts at its entry, each loop's first at its header. */
  readonly segmentCost: NumberList;
  /** The region of each segment. */
  readonly segmentRegion: NumberList;
  /** Instruction cost of each region; a body's first region is the body outside loops. */
  readonly regionCost: NumberList;
  /** The segment of every call_indirect (chargeIndirectImports adds the import cost to them). */
  readonly indirectSegments: NumberList;

  /**
   * Room for `count` bodies in `codeBytes` bytes of code. The lists start at
   * sizes that hold what compilers emit (~0.3-0.4 points, 0.09 segments per
   * byte): each allocation costs microseconds, a grow copies.
   */
  constructor(count: number, codeBytes: number) {
    this.count = count;
    // Every per-body field is a view of one buffer: one allocation instead of twelve.
    const fields = new Uint32Array(7 * count + 4 * (count + 1));
    let at = 0;
    const field = (length: number): Uint32Array => {
      at += length;
      return fields.subarray(at - length, at);
    };
    this.start = field(count);
    this.groupsStart = field(count);
    this.codeStart = field(count);
    this.end = field(count);
    this.localGroups = field(count);
    this.localCount = field(count);
    this.flags = field(count);
    this.pointsAt = field(count + 1);
    this.callsAt = field(count + 1);
    this.segmentsAt = field(count + 1);
    this.regionsAt = field(count + 1);
    this.points = new NumberList(codeBytes / 2);
    this.calls = new NumberList(codeBytes / 20);
    this.segmentCost = new NumberList(codeBytes / 10);
    this.segmentRegion = new NumberList(codeBytes / 10);
    this.regionCost = new NumberList(codeBytes / 40);
    this.indirectSegments = new NumberList(codeBytes / 200);
  }

  has(body: number, flag: number): boolean {
    return ((this.flags[body] as number) & flag) !== 0;
  }

  /** The analysis is no longer needed: its lists' buffers serve the next module's (NumberList.release). */
  release(): void {
    this.points.release();
    this.calls.release();
    this.segmentCost.release();
    this.segmentRegion.release();
    this.regionCost.release();
    this.indirectSegments.release();
  }

  /**
   * Charge every call_indirect as a call that may reach an import (cost
   * model 4): for a module whose tables can hold an imported function, which
   * is known only once every body has been read (a `ref.func` in code counts).
   */
  chargeIndirectImports(): void {
    const segments = this.indirectSegments;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments.data[i] as number;
      const region = this.segmentRegion.data[segment] as number;
      this.segmentCost.data[segment] = (this.segmentCost.data[segment] as number) + IMPORT_CALL_COST;
      this.regionCost.data[region] = (this.regionCost.data[region] as number) + IMPORT_CALL_COST;
    }
  }
}

export interface ModuleContext {
  /** Functions including imports. */
  readonly funcCount: number;
  /** Imported functions: the first `importedFuncs` indices. */
  readonly importedFuncs: number;
  /** Globals including imports, before the fuel global is added. */
  readonly globalCount: number;
  readonly typeCount: number;
  /** Set to 1 for every function a `ref.func` names (it can be called indirectly). */
  readonly referenced: Uint8Array;
}

/** Constant lengths up to this are charged statically; longer ones at run time. */
const STATIC_LENGTH_LIMIT = 1 << 16;

/** Locals a body may declare: V8's limit, which leaves room for the two the pass adds. */
const MAX_LOCALS = 50_000 - 2;

const FRAME_BLOCK = 0;
const FRAME_LOOP = 1;
const FRAME_IF = 2;
const FRAME_ELSE = 3;

function malformed(message: string, at: number): never {
  throw new SandprobeError("E_MALFORMED", `${message} at byte ${at}`, { offset: at });
}

/**
 * Analyze body `index` (its bytes from `start` to `end`, after the size
 * prefix) into `out`. Bodies must be analyzed in order, each once.
 */
export function analyzeBody(
  out: CodeAnalysis,
  index: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  paramCount: number,
  ctx: ModuleContext,
): void {
  const r = new ByteReader(bytes, start, end);
  const localGroups = r.u32();
  const groupsStart = r.pos;
  let localCount = paramCount;
  for (let i = 0; i < localGroups; i++) {
    const at = r.pos;
    localCount += r.u32();
    readValType(r);
    if (localCount > MAX_LOCALS) {
      throw new SandprobeError("E_UNSUPPORTED", `function declares more than ${MAX_LOCALS} locals at byte ${at}`, {
        offset: at,
      });
    }
  }
  const codeStart = r.pos;
  const ins = new InstructionReader(r);
  const { points, calls, segmentCost, segmentRegion, regionCost } = out;
  // One entry per open block/loop/if: its kind and the region its instructions belong to.
  const frameKind = FRAME_KIND;
  const frameRegion = FRAME_REGION;
  frameKind.length = 0;
  frameRegion.length = 0;
  // Regions and segments are numbered module-wide; the current segment's cost is summed in `cost`.
  const firstRegion = regionCost.length;
  let region = firstRegion;
  regionCost.push(0);
  const firstSegment = segmentCost.length;
  let segment = firstSegment;
  segmentCost.push(0);
  segmentRegion.push(region);
  let cost = 0;
  let flags = 0;
  let previous = -1;
  let previousConst = 0;

  for (;;) {
    const info = ins.next();
    const op = info.op;
    const at = ins.start;
    cost += INSTRUCTION_COST;
    const depth = frameKind.length;
    // The kind of point where a new segment starts after this instruction, if one does.
    let next = -1;
    switch (op) {
      case Op.block:
      case Op.loop:
      case Op.if:
        if (ins.blockType >= ctx.typeCount) malformed(`block type ${ins.blockType} of ${ctx.typeCount}`, at);
        if (op === Op.loop) {
          // The loop instruction itself is charged with the segment it ends, in the enclosing region.
          region = regionCost.length;
          regionCost.push(0);
          next = Point.loop;
        } else if (op === Op.if) next = Point.segment;
        frameKind.push(op === Op.loop ? FRAME_LOOP : op === Op.if ? FRAME_IF : FRAME_BLOCK);
        frameRegion.push(region);
        break;
      case Op.else:
        if (frameKind[depth - 1] !== FRAME_IF) malformed("else outside an if", at);
        frameKind[depth - 1] = FRAME_ELSE;
        next = Point.segment;
        break;
      case Op.end:
        if (depth === 0) {
          points.push3(at, Point.exit, 0);
          if (r.pos !== end) malformed("code after the function's final end", r.pos);
          segmentCost.data[segment] = cost;
          // A region's cost is the sum of its segments'.
          const lastSegment = segmentCost.length;
          for (let s = firstSegment; s < lastSegment; s++) {
            const owner = segmentRegion.data[s] as number;
            regionCost.data[owner] = (regionCost.data[owner] as number) + (segmentCost.data[s] as number);
          }
          if (regionCost.length - firstRegion > 1) flags |= BodyFlag.loop;
          out.start[index] = start;
          out.groupsStart[index] = groupsStart;
          out.codeStart[index] = codeStart;
          out.end[index] = end;
          out.localGroups[index] = localGroups;
          out.localCount[index] = localCount;
          out.flags[index] = flags;
          out.pointsAt[index + 1] = points.length;
          out.callsAt[index + 1] = calls.length;
          out.segmentsAt[index + 1] = lastSegment;
          out.regionsAt[index + 1] = regionCost.length;
          return;
        }
        frameKind.pop();
        frameRegion.pop();
        region = depth > 1 ? (frameRegion[depth - 2] as number) : firstRegion;
        next = Point.segment;
        break;
      case Op.br:
      case Op.brIf:
        if (ins.index > depth) malformed(`branch to label ${ins.index} of ${depth + 1}`, at);
        if (ins.index === depth) points.push3(at, Point.exit, 0);
        break;
      case Op.brTable: {
        let exits = false;
        for (const target of ins.targets) {
          if (target > depth) malformed(`branch to label ${target} of ${depth + 1}`, at);
          if (target === depth) exits = true;
        }
        if (exits) points.push3(at, Point.exit, 0);
        break;
      }
      case Op.return:
        points.push3(at, Point.exit, 0);
        break;
      case Op.call:
        if (ins.index >= ctx.funcCount) malformed(`call to function ${ins.index} of ${ctx.funcCount}`, at);
        if (ins.index < ctx.importedFuncs) cost += IMPORT_CALL_COST;
        calls.push(ins.index);
        calls.push(segment);
        points.push3(at, Point.call, ins.index);
        points.push3(r.pos, Point.reload, ins.index);
        break;
      case Op.callIndirect:
        if (ins.index >= ctx.typeCount) malformed(`call_indirect of type ${ins.index} of ${ctx.typeCount}`, at);
        flags |= BodyFlag.indirect;
        out.indirectSegments.push(segment);
        points.push3(at, Point.call, -1);
        points.push3(r.pos, Point.reload, -1);
        break;
      case Op.refFunc:
        if (ins.index >= ctx.funcCount) malformed(`ref.func ${ins.index} of ${ctx.funcCount}`, at);
        ctx.referenced[ins.index] = 1;
        break;
      case Op.localGet:
      case Op.localSet:
      case Op.localTee:
        if (ins.index >= localCount) malformed(`local ${ins.index} of ${localCount}`, at);
        break;
      case Op.globalGet:
      case Op.globalSet:
        if (ins.index >= ctx.globalCount) malformed(`global ${ins.index} of ${ctx.globalCount}`, at);
        break;
      case Op.memoryGrow:
        cost += MEMORY_GROW_COST;
        flags |= BodyFlag.dynamic;
        points.push3(at, Point.grow, 0);
        break;
      default: {
        // Every instruction with a per-length cost has the 0xfc prefix.
        if (op < 0x100) break;
        const shift = DYNAMIC_SHIFT.get(op);
        if (shift === undefined) break;
        // A length pushed by the instruction just before is known now: charge it with the region.
        const known = previous === Op.i32Const ? (previousConst >>> 0) >>> shift : STATIC_LENGTH_LIMIT;
        if (known < STATIC_LENGTH_LIMIT) cost += known;
        else {
          flags |= BodyFlag.dynamic;
          points.push3(at, Point.dynamic, shift);
        }
      }
    }
    if (next !== -1) {
      // A new segment of the current region starts at the reader's position.
      segmentCost.data[segment] = cost;
      cost = 0;
      segment = segmentCost.length;
      segmentCost.push(0);
      segmentRegion.push(region);
      points.push3(r.pos, next, segment);
    }
    previous = op;
    if (op === Op.i32Const) previousConst = ins.value;
  }
}

/** Scratch stacks of analyzeBody (it does not nest, and every call empties them first). */
const FRAME_KIND: number[] = [];
const FRAME_REGION: number[] = [];
