/**
 * 64-bit integers without BigInts. A JS-API call passes every i64 as a
 * BigInt, made or read on each crossing: ~15-30 ns against ~1 ns for an f64
 * (V8 11, Node 20). For the world functions core-abi.ts marks (`f64`), the
 * sandbox imports a twin named `<name>.f64` whose one i64 is an f64, and
 * converts at every call site: `f64.convert_i64_{u,s}` on the last argument
 * before the call, `i64.trunc_sat_f64_u` on the result after it. The probe's
 * code and its fuel are unchanged; only the host's side of the crossing is.
 *
 * An import that can be reached other than by a direct `call` (exported, in
 * an element segment or a global: the only places a `ref.func` may name)
 * keeps its own type, since code elsewhere expects it. The start function
 * takes and returns nothing, so it is never an import with an i64.
 */
import type { FuncType, ParsedModule } from "../wasm/index.js";
import { type ByteWriter, sameFuncType } from "../wasm/index.js";
import { coreImport, type F64Carry } from "../world/core-abi.js";
import type { ModuleFacts } from "./meter/scan.js";

/** The name of an import's f64 twin: `start-span-at` -> `start-span-at.f64`. */
export const F64_TWIN_SUFFIX = ".f64";
/** The suffix as UTF-8, for writing a twin's name after the original's bytes. */
export const F64_TWIN_SUFFIX_BYTES = new TextEncoder().encode(F64_TWIN_SUFFIX);

/** How one import's i64 crosses: by function index, 0 for functions that keep their type. */
export const Carry = { none: 0, lastParamU64: 1, lastParamS64: 2, resultU64: 3 } as const;
export type Carry = (typeof Carry)[keyof typeof Carry];

const CARRY_OF: Record<F64Carry, Carry> = {
  "last-param-u64": Carry.lastParamU64,
  "last-param-s64": Carry.lastParamS64,
  "result-u64": Carry.resultU64,
};

export interface I64Lowering {
  /** Per imported function (by function index): how its i64 crosses. */
  readonly carry: Uint8Array;
  /** Per imported function: the type index of its f64 twin, -1 when it keeps its own. */
  readonly twinType: Int32Array;
  /** Types the twins need that the module lacks, to append after its own, in this order. */
  readonly addedTypes: readonly FuncType[];
}

/** The twin of `type` for `carry`: the last parameter or the result as f64. */
function twinOf(type: FuncType, carry: Carry): FuncType | undefined {
  if (carry === Carry.resultU64) {
    return type.results.length === 1 && type.results[0] === "i64"
      ? { params: type.params, results: ["f64"] }
      : undefined;
  }
  const last = type.params.length - 1;
  if (last < 0 || type.params[last] !== "i64") return undefined;
  return { params: [...type.params.slice(0, last), "f64"], results: type.results };
}

function hasI64(type: FuncType): boolean {
  return type.params.includes("i64") || type.results.includes("i64");
}

/** Which imports of `module` cross as f64 twins, and the types they need. */
export function planI64Lowering(module: ParsedModule, facts: ModuleFacts): I64Lowering {
  const carry = new Uint8Array(facts.importedFuncs);
  const twinType = new Int32Array(facts.importedFuncs).fill(-1);
  const addedTypes: FuncType[] = [];
  let func = 0;
  for (const imp of module.imports) {
    if (imp.desc.kind !== "func") continue;
    const index = func++;
    const type = module.types[imp.desc.typeIndex] as FuncType;
    // Most imports carry no i64: only those are looked up.
    if (!hasI64(type) || facts.referenced[index] === 1) continue;
    const f64 = coreImport(imp.module, imp.name)?.f64;
    if (f64 === undefined) continue;
    if (module.exports.some((e) => e.kind === "func" && e.index === index)) continue;
    const kind = CARRY_OF[f64];
    const twin = twinOf(type, kind);
    if (twin === undefined) continue;
    let twinIndex = module.types.findIndex((t) => sameFuncType(t, twin));
    if (twinIndex < 0) {
      const added = addedTypes.findIndex((t) => sameFuncType(t, twin));
      twinIndex = module.types.length + (added < 0 ? addedTypes.push(twin) - 1 : added);
    }
    carry[index] = kind;
    twinType[index] = twinIndex;
  }
  return { carry, twinType, addedTypes };
}

const F64_CONVERT_I64_S = 0xb9;
const F64_CONVERT_I64_U = 0xba;
const MISC_PREFIX = 0xfc;
const I64_TRUNC_SAT_F64_U = 0x07;

/** Before a call of a lowered import: its last argument (on top of the stack) to f64. */
export function convertArgument(out: ByteWriter, carry: number): void {
  if (carry === Carry.lastParamU64) out.u8(F64_CONVERT_I64_U);
  else if (carry === Carry.lastParamS64) out.u8(F64_CONVERT_I64_S);
}

/** After a call of a lowered import: its f64 result back to the i64 the probe expects. */
export function convertResult(out: ByteWriter, carry: number): void {
  if (carry === Carry.resultU64) out.u8(MISC_PREFIX).u8(I64_TRUNC_SAT_F64_U);
}
