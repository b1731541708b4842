import type { ByteWriter } from "../../wasm/index.js";
import { Op } from "../../wasm/index.js";
import { convertArgument, convertResult } from "../lower-i64.js";
import { DEPTH_EXCEEDED } from "./abi.js";
import { BodyFlag, type CodeAnalysis, Point } from "./analyze.js";
import { DYNAMIC_CHARGE_LIMIT, MEMORY_PAGE_SHIFT } from "./cost.js";
import type { DepthPlan } from "./depth.js";
import { type MeterPlan, Mode } from "./plan.js";

/**
 * Pass 2 of metering: write each function body with the charges inserted.
 * Inserted sequences leave the operand stack as they found it and open no
 * label that original code could branch to, so the original instructions are
 * copied byte for byte and keep their meaning. Two exceptions: the
 * conversion around a call of an import lowered to its f64 twin
 * (lower-i64.ts) changes the type of the value the call takes or gives, to
 * the twin's and back; and the body of a function that counts call depth is
 * wrapped in a block of the function's result type, which the branches to
 * the function's label (and its final `end`) now leave through, so the depth
 * is given back after it; a `return` gives it back first.
 */

const I32 = 0x7f;
const EMPTY = 0x40;

/** `local.get local; global.set fuel`: the fuel left, from a local back to the global. */
function writeBack(out: ByteWriter, local: number, fuel: number): void {
  out.u8(Op.localGet).u32(local).u8(Op.globalSet).u32(fuel);
}

/** `if (value < 0) { [write `writeBackLocal` back] unreachable }` with the value on the stack. */
function trapIfNegative(out: ByteWriter, writeBackLocal: number, fuel: number): void {
  out.u8(Op.i32Const).u8(0).u8(Op.i32LtS).u8(Op.if).u8(EMPTY);
  if (writeBackLocal >= 0) writeBack(out, writeBackLocal, fuel);
  out.u8(Op.unreachable).u8(Op.end);
}

/** No local to write back before trapping: the global is already up to date. */
const NO_WRITE_BACK = -1;

export interface EmitContext {
  readonly bytes: Uint8Array;
  readonly importCount: number;
  /** The fuel global's index. */
  readonly fuel: number;
  readonly code: CodeAnalysis;
  readonly plan: MeterPlan;
  /** Per imported function: how its i64 crosses as an f64 (lower-i64.ts Carry), if any import is lowered. */
  readonly carry?: Uint8Array | undefined;
  /** Which functions count toward the call depth (depth.ts). */
  readonly depth: DepthPlan;
  /** The depth global's index: the counted calls a stack may still make (counted down from CALL_DEPTH_LIMIT). */
  readonly depthGlobal: number;
  /**
   * Per counted function, the block type of the block its body is wrapped
   * in (its results): a type index, or minus the one-byte form (0x40 for
   * none, a value type's byte).
   */
  readonly depthBlockType: Int32Array;
  /** The memory's maximum in pages once resource limits apply: a grow past it fails (and is not charged pages). */
  readonly memoryMaxPages: number;
}

/**
 * At the entry of a counted function: trap when no depth is left (with the
 * fuel counter at DEPTH_EXCEEDED, so the host can tell why), else take one;
 * then open the block that every exit but `return` leaves through (see
 * emitBody).
 */
function enterCounted(out: ByteWriter, ctx: EmitContext, i: number): void {
  const depth = ctx.depthGlobal;
  out.u8(Op.globalGet).u32(depth).u8(Op.i32Eqz).u8(Op.if).u8(EMPTY);
  out.u8(Op.i32Const).s32(DEPTH_EXCEEDED).u8(Op.globalSet).u32(ctx.fuel).u8(Op.unreachable).u8(Op.end);
  out.u8(Op.globalGet).u32(depth).u8(Op.i32Const).u8(1).u8(Op.i32Sub).u8(Op.globalSet).u32(depth);
  const type = ctx.depthBlockType[i] as number;
  out.u8(Op.block);
  if (type < 0) out.u8(-type);
  else out.s32(type);
}

/** Before a counted function returns: give its depth back. */
function leaveCounted(out: ByteWriter, ctx: EmitContext): void {
  const depth = ctx.depthGlobal;
  out.u8(Op.globalGet).u32(depth).u8(Op.i32Const).u8(1).u8(Op.i32Add).u8(Op.globalSet).u32(depth);
}

/** After the body of a counted function (its final `end` closed the block): give the depth back, end. */
function closeCounted(out: ByteWriter, ctx: EmitContext): void {
  leaveCounted(out, ctx);
  out.u8(Op.end);
}

/** Whether an exit point is a `return` (the other exits leave a counted function through its block). */
function isReturn(ctx: EmitContext, at: number): boolean {
  return ctx.bytes[at] === Op.return;
}

/** How a call's callee carries its i64 as an f64 (0: it does not; -1 is call_indirect). */
function carryOf(ctx: EmitContext, callee: number): number {
  return ctx.carry !== undefined && callee >= 0 && callee < ctx.importCount ? (ctx.carry[callee] as number) : 0;
}

/** Whether static body `i` needs more than a copy: it counts depth, or calls an import that crosses as an f64. */
function staticNeedsPoints(ctx: EmitContext, i: number): boolean {
  if (ctx.depth.counted[i] === 1) return true;
  if (ctx.carry === undefined) return false;
  const { code } = ctx;
  const points = code.points.data;
  const last = code.pointsAt[i + 1] as number;
  for (let p = code.pointsAt[i] as number; p < last; p += 3) {
    if (points[p + 1] === Point.call && carryOf(ctx, points[p + 2] as number) !== 0) return true;
  }
  return false;
}

/** A static body as it was, but for the conversions around calls of lowered imports and the depth count. */
function emitStaticPoints(out: ByteWriter, ctx: EmitContext, i: number): void {
  const { bytes, code } = ctx;
  const counted = ctx.depth.counted[i] === 1;
  const points = code.points.data;
  let copied = code.codeStart[i] as number;
  out.range(bytes, code.start[i] as number, copied);
  if (counted) enterCounted(out, ctx, i);
  const last = code.pointsAt[i + 1] as number;
  for (let p = code.pointsAt[i] as number; p < last; p += 3) {
    const kind = points[p + 1];
    const at = points[p] as number;
    const returns = counted && kind === Point.exit && isReturn(ctx, at);
    const carry = kind === Point.call || kind === Point.reload ? carryOf(ctx, points[p + 2] as number) : 0;
    if (carry === 0 && !returns) continue;
    out.range(bytes, copied, at);
    copied = at;
    if (returns) leaveCounted(out, ctx);
    else if (kind === Point.call) convertArgument(out, carry);
    else convertResult(out, carry);
  }
  out.range(bytes, copied, code.end[i] as number);
  if (counted) closeCounted(out, ctx);
}

/** The fuel left on the stack: the counter local in cached mode, the global in entry mode. */
function loadFuel(out: ByteWriter, counter: number, fuel: number, cached: boolean): void {
  if (cached) out.u8(Op.localGet).u32(counter);
  else out.u8(Op.globalGet).u32(fuel);
}

/**
 * Subtract the charge on the stack from the fuel below it into the counter local, and trap when negative.
 * Entry mode: global -= charge, checked; the global stays up to date for the whole call.
 * Cached mode: counter = global - charge, checked; on a trap the counter is written back first.
 */
function subtractAndCheck(out: ByteWriter, counter: number, fuel: number, cached: boolean): void {
  out.u8(Op.i32Sub).u8(Op.localTee).u32(counter);
  if (cached) trapIfNegative(out, counter, fuel);
  else {
    out.u8(Op.globalSet).u32(fuel).u8(Op.localGet).u32(counter);
    trapIfNegative(out, NO_WRITE_BACK, fuel);
  }
}

/** Charge a constant `value` with the fuel on the stack (subtractAndCheck). */
function charge(out: ByteWriter, value: number, counter: number, fuel: number, cached: boolean): void {
  out.u8(Op.i32Const).s32(value);
  subtractAndCheck(out, counter, fuel, cached);
}

/** Write function `i`'s new body (without its size prefix) into `out`. */
export function emitBody(out: ByteWriter, ctx: EmitContext, i: number): void {
  const { bytes, plan, fuel, code } = ctx;
  const mode = plan.mode[i];
  const start = code.start[i] as number;
  const end = code.end[i] as number;
  if (mode === Mode.static) {
    if (staticNeedsPoints(ctx, i)) emitStaticPoints(out, ctx, i);
    else out.range(bytes, start, end);
    return;
  }
  const segmentCharge = plan.segmentCharge;
  const counter = code.localCount[i] as number;
  const scratch = counter + 1;
  const codeStart = code.codeStart[i] as number;
  // Local declarations: the original groups, then one group of our i32 locals.
  out.u32((code.localGroups[i] as number) + 1);
  out.range(bytes, code.groupsStart[i] as number, codeStart);
  out.u32(code.has(i, BodyFlag.dynamic) ? 2 : 1).u8(I32);

  const cached = mode === Mode.cached;
  const counted = ctx.depth.counted[i] === 1;
  out.u8(Op.globalGet).u32(fuel);
  charge(out, segmentCharge[code.segmentsAt[i] as number] as number, counter, fuel, cached);
  if (counted) enterCounted(out, ctx, i);
  const points = code.points.data;
  let copied = codeStart;
  const last = code.pointsAt[i + 1] as number;
  for (let p = code.pointsAt[i] as number; p < last; p += 3) {
    const at = points[p] as number;
    const kind = points[p + 1];
    const arg = points[p + 2] as number;
    const carry = kind === Point.call || kind === Point.reload ? carryOf(ctx, arg) : 0;
    const returns = counted && kind === Point.exit && isReturn(ctx, at);
    if (kind !== Point.dynamic && kind !== Point.grow && kind !== Point.segment && !cached && carry === 0 && !returns)
      continue;
    if (kind === Point.segment && segmentCharge[arg] === 0) continue;
    if (at > copied) {
      out.range(bytes, copied, at);
      copied = at;
    }
    switch (kind) {
      case Point.loop:
        out.u8(Op.localGet).u32(counter);
        charge(out, segmentCharge[arg] as number, counter, fuel, cached);
        break;
      case Point.segment:
        loadFuel(out, counter, fuel, cached);
        charge(out, segmentCharge[arg] as number, counter, fuel, cached);
        break;
      case Point.exit:
        if (cached) writeBack(out, counter, fuel);
        if (returns) leaveCounted(out, ctx);
        break;
      case Point.call:
        if (cached && !callsPure(ctx, arg)) writeBack(out, counter, fuel);
        convertArgument(out, carry);
        break;
      case Point.reload:
        convertResult(out, carry);
        if (cached && !callsPure(ctx, arg)) out.u8(Op.globalGet).u32(fuel).u8(Op.localSet).u32(counter);
        break;
      case Point.grow:
        // The page count is on top of the stack: keep it, and charge pages << shift when
        // pages <= max - memory.size (the grow can succeed), else nothing more.
        out.u8(Op.localTee).u32(scratch);
        loadFuel(out, counter, fuel, cached);
        out.u8(Op.localGet).u32(scratch).u8(Op.i32Const).s32(MEMORY_PAGE_SHIFT).u8(Op.i32Shl);
        out.u8(Op.i32Const).u8(0);
        out.u8(Op.localGet).u32(scratch).u8(Op.i32Const).s32(ctx.memoryMaxPages);
        out.u8(Op.memorySize).u8(0).u8(Op.i32Sub).u8(Op.i32LeU).u8(Op.select);
        subtractAndCheck(out, counter, fuel, cached);
        break;
      case Point.dynamic:
        // The length operand is on top of the stack: keep it, and charge length >>> shift.
        out.u8(Op.localTee).u32(scratch);
        loadFuel(out, counter, fuel, cached);
        out.u8(Op.localGet).u32(scratch);
        if (arg > 0) out.u8(Op.i32Const).s32(arg).u8(Op.i32ShrU);
        else {
          // Unshifted (table operations), a length of 2^31 or more would be a negative charge, which adds
          // fuel: charge min(length, DYNAMIC_CHARGE_LIMIT), unsigned. Such a length fails anyway.
          out.u8(Op.i32Const).s32(DYNAMIC_CHARGE_LIMIT);
          out.u8(Op.localGet).u32(scratch).u8(Op.i32Const).s32(DYNAMIC_CHARGE_LIMIT).u8(Op.i32LtU).u8(Op.select);
        }
        subtractAndCheck(out, counter, fuel, cached);
        break;
    }
  }
  out.range(bytes, copied, end);
  if (counted) closeCounted(out, ctx);
}

/** Whether a call needs no write-back: a static function that never leaves wasm. */
function callsPure(ctx: EmitContext, callee: number): boolean {
  const index = callee - ctx.importCount;
  return callee >= 0 && index >= 0 && ctx.plan.mode[index] === Mode.static && ctx.plan.pure[index] === 1;
}

export interface WrapperSpec {
  /** The function the entry exported before metering. */
  readonly target: number;
  readonly paramCount: number;
}

/**
 * The body of an entry wrapper `(params..., budget) -> (results..., left)`:
 * set the counter to the budget, call the original, return what is left.
 * A static target is charged here, against the budget in a local, and when it
 * never leaves wasm the global is not touched at all on the way.
 */
export function emitWrapper(out: ByteWriter, ctx: EmitContext, spec: WrapperSpec): void {
  const { fuel, plan } = ctx;
  const budget = spec.paramCount;
  const index = spec.target - ctx.importCount;
  const isStatic = index >= 0 && plan.mode[index] === Mode.static;
  const pure = isStatic && plan.pure[index] === 1;
  out.u8(0); // no locals
  if (isStatic) {
    out
      .u8(Op.localGet)
      .u32(budget)
      .u8(Op.i32Const)
      .s32(plan.staticCost[index] as number);
    out.u8(Op.i32Sub).u8(Op.localTee).u32(budget);
    trapIfNegative(out, budget, fuel);
  }
  if (!pure) writeBack(out, budget, fuel);
  for (let p = 0; p < spec.paramCount; p++) out.u8(Op.localGet).u32(p);
  out.u8(Op.call).u32(spec.target);
  if (pure) out.u8(Op.localGet).u32(budget);
  else out.u8(Op.globalGet).u32(fuel);
  out.u8(Op.end);
}
