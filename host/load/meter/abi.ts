import { SandprobeError } from "../../errors.js";
import { CALL_DEPTH_LIMIT } from "./cost.js";

/**
 * The ABI of a metered module (docs/metering.md). A metered module:
 * - exports its fuel counter, a mutable i32 global, as FUEL_EXPORT;
 * - exports every entry (hook) under its old name with one more i32 parameter,
 *   the budget, and one more i32 result, the fuel left: `request(budget) -> left`;
 * - has no start section: its start function, if any, is the entry START_EXPORT
 *   and the host calls it once, metered, right after instantiation;
 * - carries a METERING_SECTION custom section describing the above (JSON).
 * A metered entry that runs out of fuel traps (`unreachable`) with the fuel
 * counter below zero; one that calls deeper than CALL_DEPTH_LIMIT traps with
 * it at DEPTH_EXCEEDED; no other trap leaves it below zero.
 */

/** Export name of the fuel counter global (mutable i32). */
export const FUEL_EXPORT = "sandprobe:fuel";
/** Export name of the call depth left (mutable i32 global; cost model 5). */
export const DEPTH_EXPORT = "sandprobe:depth";
/** Export name of the metered start function, when the module had a start section. */
export const START_EXPORT = "sandprobe:start";
/** Name of the custom section describing the metering a module went through. */
export const METERING_SECTION = "sandprobe.metering";
/** Version of the cost model: bump it whenever the same code would be charged differently. */
export const COST_MODEL_VERSION = 5;

/**
 * What the fuel counter holds after a call went past the call depth limit
 * (cost model 5): below every value a fuel trap can leave (a charge is at
 * most 2^30 and is never made while the counter is negative).
 */
export const DEPTH_EXCEEDED = -(2 ** 31);

/** What METERING_SECTION holds. */
export interface MeteringInfo {
  /** Version of this description format (1). */
  readonly version: 1;
  readonly costModel: number;
  readonly fuelExport: string;
  /** START_EXPORT when the module had a start function, otherwise null. */
  readonly startExport: string | null;
  /** Names of the exports rewritten to the metered entry ABI, in export order. */
  readonly entries: readonly string[];
}

export function encodeMeteringInfo(info: MeteringInfo): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(info));
}

/** Decode the content of a METERING_SECTION; E_MALFORMED when it is not one this host wrote. */
export function decodeMeteringInfo(content: Uint8Array): MeteringInfo {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content));
  } catch {
    throw new SandprobeError("E_MALFORMED", `${METERING_SECTION} section is not UTF-8 JSON`);
  }
  const v = value as Partial<Record<keyof MeteringInfo, unknown>> | null;
  const ok =
    typeof v === "object" &&
    v !== null &&
    v.version === 1 &&
    typeof v.costModel === "number" &&
    v.fuelExport === FUEL_EXPORT &&
    (v.startExport === null || v.startExport === START_EXPORT) &&
    Array.isArray(v.entries) &&
    v.entries.every((e) => typeof e === "string");
  if (!ok) throw new SandprobeError("E_MALFORMED", `${METERING_SECTION} section has an unknown shape`);
  return value as MeteringInfo;
}

/** The exports of a metered instance that the host touches outside of entries. */
export interface MeteredExports {
  readonly [FUEL_EXPORT]: WebAssembly.Global;
}

/** Why a metered entry trapped, when metering made it trap: out of fuel, or past the call depth limit. */
export type MeteredTrap = "fuel" | "depth";

/**
 * After an entry of a metered instance threw: "fuel" when it ran out of fuel
 * (the counter is below zero), "depth" when a call went past the call depth
 * limit (the counter is DEPTH_EXCEEDED), undefined for any other failure.
 * Resets the counter to zero either way, so a later trap cannot be mistaken
 * for this one, and the depth to CALL_DEPTH_LIMIT.
 */
export function takeMeteredTrap(exports: WebAssembly.Exports): MeteredTrap | undefined {
  const global = exports[FUEL_EXPORT];
  if (!(global instanceof WebAssembly.Global)) return undefined;
  const value = global.value as number;
  global.value = 0;
  // A trap unwinds the calls that took depth without giving it back.
  const depth = exports[DEPTH_EXPORT];
  if (depth instanceof WebAssembly.Global) depth.value = CALL_DEPTH_LIMIT;
  return value === DEPTH_EXCEEDED ? "depth" : value < 0 ? "fuel" : undefined;
}

/** After an entry threw: true when it ran out of fuel. Resets the counter, as takeMeteredTrap does. */
export function takeFuelExhausted(exports: WebAssembly.Exports): boolean {
  return takeMeteredTrap(exports) === "fuel";
}
