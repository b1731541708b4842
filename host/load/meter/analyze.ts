import { SandprobeError } from "../../errors.js";
import { ByteReader, InstructionReader, readValType } from "../../wasm/index.js";
import { Op } from "../../wasm/opcodes.js";
import { DYNAMIC_SHIFT, INSTRUCTION_COST, MEMORY_GROW_COST } from "./cost.js";

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
} as const;

export interface BodyAnalysis {
  /** Offset of the body's local declarations (after its size). */
  readonly start: number;
  /** Offset of the first local declaration group (after the group count). */
  readonly groupsStart: number;
  /** Offset of the first instruction. */
  readonly codeStart: number;
  /** Offset just past the body's final `end`. */
  readonly end: number;
  /** Number of local declaration groups. */
  readonly localGroups: number;
  /** Parameters plus declared locals. */
  readonly localCount: number;
  /** Instruction cost of each region; region 0 is the function body outside loops. */
  readonly regionCost: number[];
  /** Instruction cost of each segment; segment 0 starts at function entry, each loop's first at its header. */
  readonly segmentCost: number[];
  /** The region of each segment. */
  readonly segmentRegion: number[];
  readonly hasLoop: boolean;
  readonly hasDynamic: boolean;
  readonly hasIndirect: boolean;
  /** Direct calls as (callee, segment) pairs. */
  readonly calls: readonly number[];
  /** Insertion points as (offset, kind, arg) triples, in offset order. */
  readonly points: readonly number[];
}

export interface ModuleContext {
  /** Functions including imports. */
  readonly funcCount: number;
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

export function analyzeBody(
  bytes: Uint8Array,
  start: number,
  end: number,
  paramCount: number,
  ctx: ModuleContext,
): BodyAnalysis {
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
  const regionCost = [0];
  const segmentCost = [0];
  const segmentRegion = [0];
  const calls: number[] = [];
  const points: number[] = [];
  // One entry per open block/loop/if: its kind and the region its instructions belong to.
  const frameKind: number[] = [];
  const frameRegion: number[] = [];
  let region = 0;
  let segment = 0;
  // A new segment of the current region starts at the reader's position.
  const startSegment = (kind: number): void => {
    segment = segmentCost.length;
    segmentCost.push(0);
    segmentRegion.push(region);
    points.push(r.pos, kind, segment);
  };
  const charge = (cost: number): void => {
    regionCost[region] = (regionCost[region] as number) + cost;
    segmentCost[segment] = (segmentCost[segment] as number) + cost;
  };
  let hasDynamic = false;
  let hasIndirect = false;
  let previous = -1;
  let previousConst = 0;

  for (;;) {
    const info = ins.next();
    const op = info.op;
    const at = ins.start;
    charge(INSTRUCTION_COST);
    const depth = frameKind.length;
    switch (op) {
      case Op.block:
      case Op.loop:
      case Op.if:
        if (ins.blockType >= ctx.typeCount) malformed(`block type ${ins.blockType} of ${ctx.typeCount}`, at);
        if (op === Op.loop) {
          region = regionCost.length;
          regionCost.push(0);
          startSegment(Point.loop);
        } else if (op === Op.if) startSegment(Point.segment);
        frameKind.push(op === Op.loop ? FRAME_LOOP : op === Op.if ? FRAME_IF : FRAME_BLOCK);
        frameRegion.push(region);
        break;
      case Op.else:
        if (frameKind[depth - 1] !== FRAME_IF) malformed("else outside an if", at);
        frameKind[depth - 1] = FRAME_ELSE;
        startSegment(Point.segment);
        break;
      case Op.end:
        if (depth === 0) {
          points.push(at, Point.exit, 0);
          if (r.pos !== end) malformed("code after the function's final end", r.pos);
          return {
            start,
            groupsStart,
            codeStart,
            end,
            localGroups,
            localCount,
            regionCost,
            segmentCost,
            segmentRegion,
            hasLoop: regionCost.length > 1,
            hasDynamic,
            hasIndirect,
            calls,
            points,
          };
        }
        frameKind.pop();
        frameRegion.pop();
        region = depth > 1 ? (frameRegion[depth - 2] as number) : 0;
        startSegment(Point.segment);
        break;
      case Op.br:
      case Op.brIf:
        if (ins.index > depth) malformed(`branch to label ${ins.index} of ${depth + 1}`, at);
        if (ins.index === depth) points.push(at, Point.exit, 0);
        break;
      case Op.brTable: {
        let out = false;
        for (const target of ins.targets) {
          if (target > depth) malformed(`branch to label ${target} of ${depth + 1}`, at);
          if (target === depth) out = true;
        }
        if (out) points.push(at, Point.exit, 0);
        break;
      }
      case Op.return:
        points.push(at, Point.exit, 0);
        break;
      case Op.call:
        if (ins.index >= ctx.funcCount) malformed(`call to function ${ins.index} of ${ctx.funcCount}`, at);
        calls.push(ins.index, segment);
        points.push(at, Point.call, ins.index, r.pos, Point.reload, ins.index);
        break;
      case Op.callIndirect:
        if (ins.index >= ctx.typeCount) malformed(`call_indirect of type ${ins.index} of ${ctx.typeCount}`, at);
        hasIndirect = true;
        points.push(at, Point.call, -1, r.pos, Point.reload, -1);
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
        charge(MEMORY_GROW_COST);
        break;
      default: {
        const shift = DYNAMIC_SHIFT.get(op);
        if (shift === undefined) break;
        // A length pushed by the instruction just before is known now: charge it with the region.
        const known = previous === Op.i32Const ? (previousConst >>> 0) >>> shift : STATIC_LENGTH_LIMIT;
        if (known < STATIC_LENGTH_LIMIT) charge(known);
        else {
          hasDynamic = true;
          points.push(at, Point.dynamic, shift);
        }
      }
    }
    previous = op;
    if (op === Op.i32Const) previousConst = ins.value;
  }
}
