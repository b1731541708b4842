import type { ByteWriter } from "../../wasm/index.js";
import { encodeS32, encodeU32, Op } from "../../wasm/index.js";
import { BodyFlag, type CodeAnalysis, Point } from "./analyze.js";
import { type MeterPlan, Mode } from "./plan.js";

/**
 * Pass 2 of metering: write each function body with the charges inserted.
 * Inserted sequences leave the operand stack as they found it and open no
 * label that original code could branch to, so the original instructions are
 * copied byte for byte and keep their meaning.
 */

const I32 = 0x7f;
const EMPTY = 0x40;

/** `if (value < 0) { <onTrap> unreachable }` with the value on the stack. */
function trapIfNegative(out: ByteWriter, onTrap: readonly number[]): void {
  out.u8(Op.i32Const).u8(0).u8(Op.i32LtS).u8(Op.if).u8(EMPTY).array(onTrap).u8(Op.unreachable).u8(Op.end);
}

export interface EmitContext {
  readonly bytes: Uint8Array;
  readonly importCount: number;
  /** LEB of the fuel global's index. */
  readonly fuel: readonly number[];
  readonly code: CodeAnalysis;
  readonly plan: MeterPlan;
}

/** Write function `i`'s new body (without its size prefix) into `out`. */
export function emitBody(out: ByteWriter, ctx: EmitContext, i: number): void {
  const { bytes, plan, fuel, code } = ctx;
  const mode = plan.mode[i];
  const start = code.start[i] as number;
  const end = code.end[i] as number;
  if (mode === Mode.static) {
    out.range(bytes, start, end);
    return;
  }
  const charge = plan.segmentCharge;
  const localCount = code.localCount[i] as number;
  const counter = encodeU32(localCount);
  const scratch = encodeU32(localCount + 1);
  const codeStart = code.codeStart[i] as number;
  // Local declarations: the original groups, then one group of our i32 locals.
  out.u32((code.localGroups[i] as number) + 1);
  out.range(bytes, code.groupsStart[i] as number, codeStart);
  out.u32(code.has(i, BodyFlag.dynamic) ? 2 : 1).u8(I32);

  const getCounter = [Op.localGet, ...counter];
  const writeBack = [...getCounter, Op.globalSet, ...fuel];
  const cached = mode === Mode.cached;
  // Entry mode: global -= charge, checked; the global stays up to date for the whole call.
  // Cached mode: counter = global - charge, checked; on a trap the counter is written back first.
  const charged = (value: number): void => {
    out.u8(Op.i32Const).array(encodeS32(value)).u8(Op.i32Sub).u8(Op.localTee).array(counter);
    if (cached) trapIfNegative(out, writeBack);
    else {
      out.u8(Op.globalSet).array(fuel).array(getCounter);
      trapIfNegative(out, []);
    }
  };
  out.u8(Op.globalGet).array(fuel);
  charged(charge[code.segmentsAt[i] as number] as number);
  const points = code.points.data;
  let copied = codeStart;
  const last = code.pointsAt[i + 1] as number;
  for (let p = code.pointsAt[i] as number; p < last; p += 3) {
    const at = points[p] as number;
    const kind = points[p + 1];
    const arg = points[p + 2] as number;
    if (kind !== Point.dynamic && kind !== Point.segment && !cached) continue;
    if (kind === Point.segment && charge[arg] === 0) continue;
    if (at > copied) {
      out.range(bytes, copied, at);
      copied = at;
    }
    switch (kind) {
      case Point.loop:
        out.array(getCounter);
        charged(charge[arg] as number);
        break;
      case Point.segment:
        if (cached) out.array(getCounter);
        else out.u8(Op.globalGet).array(fuel);
        charged(charge[arg] as number);
        break;
      case Point.exit:
        out.array(writeBack);
        break;
      case Point.call:
        if (!callsPure(ctx, arg)) out.array(writeBack);
        break;
      case Point.reload:
        if (!callsPure(ctx, arg)) out.u8(Op.globalGet).array(fuel).u8(Op.localSet).array(counter);
        break;
      case Point.dynamic:
        // The length operand is on top of the stack: keep it, and charge length >>> shift.
        out.u8(Op.localTee).array(scratch);
        if (cached) out.array(getCounter);
        else out.u8(Op.globalGet).array(fuel);
        out.u8(Op.localGet).array(scratch);
        if (arg > 0) out.u8(Op.i32Const).array(encodeS32(arg)).u8(Op.i32ShrU);
        out.u8(Op.i32Sub).u8(Op.localTee).array(counter);
        if (cached) trapIfNegative(out, writeBack);
        else {
          out.u8(Op.globalSet).array(fuel).array(getCounter);
          trapIfNegative(out, []);
        }
        break;
    }
  }
  out.range(bytes, copied, end);
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
  const budget = encodeU32(spec.paramCount);
  const index = spec.target - ctx.importCount;
  const isStatic = index >= 0 && plan.mode[index] === Mode.static;
  const pure = isStatic && plan.pure[index] === 1;
  out.u8(0); // no locals
  if (isStatic) {
    out
      .u8(Op.localGet)
      .array(budget)
      .u8(Op.i32Const)
      .array(encodeS32(plan.staticCost[index] as number));
    out.u8(Op.i32Sub).u8(Op.localTee).array(budget);
    trapIfNegative(out, [Op.localGet, ...budget, Op.globalSet, ...fuel]);
  }
  if (!pure) out.u8(Op.localGet).array(budget).u8(Op.globalSet).array(fuel);
  for (let p = 0; p < spec.paramCount; p++) out.u8(Op.localGet).u32(p);
  out.u8(Op.call).u32(spec.target);
  if (pure) out.u8(Op.localGet).array(budget);
  else out.u8(Op.globalGet).array(fuel);
  out.u8(Op.end);
}
