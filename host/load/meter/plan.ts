import { SandprobeError } from "../../errors.js";
import type { BodyAnalysis } from "./analyze.js";
import { REGION_CHARGE_LIMIT, SEGMENTED_REGION_COST, STATIC_COST_LIMIT } from "./cost.js";

/** How a defined function is instrumented. */
export const Mode = {
  /** Charged by its callers: no loop and no per-length cost, so its worst case up to the next call is a constant. */
  static: 0,
  /** No loop: one charge against the global at entry (and per-length charges against it). */
  entry: 1,
  /** Counter cached in a local: charged at entry and at each loop iteration, written back around calls and exits. */
  cached: 2,
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

export interface MeterPlan {
  readonly mode: Mode[];
  /** Static functions: worst-case cost of one call (callees included). Others: 0. */
  readonly staticCost: number[];
  /** Static functions whose callees (transitively) never leave wasm, so no host code can run nested fuel charges. */
  readonly pure: boolean[];
  /**
   * Per defined function, per segment: what is charged where the segment
   * starts. A region of at most SEGMENTED_REGION_COST charges its whole cost
   * (instructions plus static callees) at its first segment and 0 (no code)
   * at the others; a larger region charges each segment its own cost.
   */
  readonly segmentCharge: number[][];
}

/**
 * Decide each function's mode and every region's charge. `escapes[i]` marks
 * defined functions that can be called from outside the code we see (exported
 * under a name that is not an entry, placed in a table, named by ref.func):
 * those always charge themselves.
 *
 * A function with no loop and no per-length cost runs a bounded number of
 * instructions before it returns or calls another function, so it can be
 * static: its callers charge its worst case (its instructions plus those of
 * its static callees) with their own region. Callees that charge themselves
 * (imports cost nothing; indirect, escaping or looping callees charge at
 * their entry) do not stop a function from being static, they only make it
 * impure: callers caching the counter must write it back around the call.
 * Static functions calling each other must not form a cycle, or recursion
 * would run uncharged: the walk below leaves one function of every such cycle
 * non-static, so every cycle passes through a function that charges itself.
 */
export function planMetering(bodies: readonly BodyAnalysis[], importCount: number, escapes: Uint8Array): MeterPlan {
  const n = bodies.length;
  const candidate = bodies.map((b, i) => !b.hasLoop && !b.hasDynamic && escapes[i] === 0);
  // Post-order walk of the call graph among candidates (iterative: call chains may be long).
  const state = new Uint8Array(n); // 0 new, 1 on the walk's stack, 2 done
  const isStatic = new Array<boolean>(n).fill(false);
  const pure = new Array<boolean>(n).fill(false);
  const staticCost = new Array<number>(n).fill(0);
  for (let root = 0; root < n; root++) {
    if (!candidate[root] || state[root] !== 0) continue;
    const stack: number[] = [root, 0];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack.length - 2;
      const fn = stack[top] as number;
      const next = stack[top + 1] as number;
      const calls = (bodies[fn] as BodyAnalysis).calls;
      if (next < calls.length) {
        stack[top + 1] = next + 2;
        const callee = (calls[next] as number) - importCount;
        if (callee >= 0 && candidate[callee] && state[callee] === 0) {
          state[callee] = 1;
          stack.push(callee, 0);
        }
        continue;
      }
      stack.length = top;
      const body = bodies[fn] as BodyAnalysis;
      let cost = body.regionCost[0] as number;
      let cyclic = false;
      let leaves = body.hasIndirect;
      for (let c = 0; c < body.calls.length; c += 2) {
        const callee = (body.calls[c] as number) - importCount;
        if (callee >= 0 && state[callee] === 1) cyclic = true;
        else if (callee >= 0 && isStatic[callee]) {
          cost += staticCost[callee] as number;
          if (!pure[callee]) leaves = true;
        } else leaves = true; // an import or a function that charges itself
      }
      state[fn] = 2;
      if (!cyclic && cost <= STATIC_COST_LIMIT) {
        isStatic[fn] = true;
        staticCost[fn] = cost;
        pure[fn] = !leaves;
      }
    }
  }
  const mode: Mode[] = bodies.map((b, i) => (isStatic[i] ? Mode.static : b.hasLoop ? Mode.cached : Mode.entry));
  const segmentCharge = bodies.map((body, i) => {
    if (isStatic[i]) return [];
    const charge = body.segmentCost.slice();
    for (let c = 0; c < body.calls.length; c += 2) {
      const callee = (body.calls[c] as number) - importCount;
      const segment = body.calls[c + 1] as number;
      if (callee >= 0 && isStatic[callee])
        charge[segment] = (charge[segment] as number) + (staticCost[callee] as number);
    }
    // Small regions: one charge at the region's entry, for all its segments.
    const regionTotal = new Array<number>(body.regionCost.length).fill(0);
    const firstSegment = new Array<number>(body.regionCost.length).fill(-1);
    for (let seg = 0; seg < charge.length; seg++) {
      const region = body.segmentRegion[seg] as number;
      regionTotal[region] = (regionTotal[region] as number) + (charge[seg] as number);
      if (firstSegment[region] === -1) firstSegment[region] = seg;
    }
    for (let seg = 0; seg < charge.length; seg++) {
      const region = body.segmentRegion[seg] as number;
      const total = regionTotal[region] as number;
      if (total > SEGMENTED_REGION_COST) continue;
      charge[seg] = seg === firstSegment[region] ? total : 0;
    }
    for (const value of charge) {
      if (value > REGION_CHARGE_LIMIT) {
        throw new SandprobeError("E_UNSUPPORTED", `function ${importCount + i} is too large to meter`, {
          function: importCount + i,
        });
      }
    }
    return charge;
  });
  return { mode, staticCost, pure, segmentCharge };
}
