import { SandprobeError } from "../../errors.js";
import { BodyFlag, type CodeAnalysis } from "./analyze.js";
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
  /** Mode of each defined function. */
  readonly mode: Uint8Array;
  /** Static functions: worst-case cost of one call (callees included). Others: 0. */
  readonly staticCost: Float64Array;
  /** Static functions whose callees (transitively) never leave wasm, so no host code can run nested fuel charges (1 = pure). */
  readonly pure: Uint8Array;
  /**
   * Per segment (numbered as in CodeAnalysis) of a function that is not
   * static: what is charged where the segment starts. A region of at most
   * SEGMENTED_REGION_COST charges its whole cost (instructions plus static
   * callees) at its first segment and 0 (no code) at the others; a larger
   * region charges each segment its own cost.
   */
  readonly segmentCharge: Float64Array;
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
export function planMetering(code: CodeAnalysis, importCount: number, escapes: Uint8Array): MeterPlan {
  const n = code.count;
  const calls = code.calls.data;
  // Typed arrays cost microseconds each to allocate: the per-function flags share one.
  const flags = new Uint8Array(5 * n);
  const candidate = flags.subarray(0, n);
  for (let i = 0; i < n; i++) {
    candidate[i] = !code.has(i, BodyFlag.loop) && !code.has(i, BodyFlag.dynamic) && escapes[i] === 0 ? 1 : 0;
  }
  // Post-order walk of the call graph among candidates (iterative: call chains may be long).
  const state = flags.subarray(n, 2 * n); // 0 new, 1 on the walk's stack, 2 done
  const isStatic = flags.subarray(2 * n, 3 * n);
  const pure = flags.subarray(3 * n, 4 * n);
  const costs = new Float64Array(n + code.regionCost.length);
  const staticCost = costs.subarray(0, n);
  const stack: number[] = [];
  for (let root = 0; root < n; root++) {
    if (candidate[root] === 0 || state[root] !== 0) continue;
    // Each stack entry: a function and the position of the next call of it to visit.
    stack.push(root, code.callsAt[root] as number);
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack.length - 2;
      const fn = stack[top] as number;
      const next = stack[top + 1] as number;
      if (next < (code.callsAt[fn + 1] as number)) {
        stack[top + 1] = next + 2;
        const callee = (calls[next] as number) - importCount;
        if (callee >= 0 && candidate[callee] === 1 && state[callee] === 0) {
          state[callee] = 1;
          stack.push(callee, code.callsAt[callee] as number);
        }
        continue;
      }
      stack.length = top;
      let cost = code.regionCost.data[code.regionsAt[fn] as number] as number;
      let cyclic = false;
      let leaves = code.has(fn, BodyFlag.indirect);
      for (let c = code.callsAt[fn] as number; c < (code.callsAt[fn + 1] as number); c += 2) {
        const callee = (calls[c] as number) - importCount;
        if (callee >= 0 && state[callee] === 1) cyclic = true;
        else if (callee >= 0 && isStatic[callee] === 1) {
          cost += staticCost[callee] as number;
          if (pure[callee] === 0) leaves = true;
        } else leaves = true; // an import or a function that charges itself
      }
      state[fn] = 2;
      if (!cyclic && cost <= STATIC_COST_LIMIT) {
        isStatic[fn] = 1;
        staticCost[fn] = cost;
        pure[fn] = leaves ? 0 : 1;
      }
    }
  }
  const mode = flags.subarray(4 * n);
  for (let i = 0; i < n; i++) {
    mode[i] = isStatic[i] === 1 ? Mode.static : code.has(i, BodyFlag.loop) ? Mode.cached : Mode.entry;
  }
  const charge = code.segmentCost.data.slice(0, code.segmentCost.length);
  const segmentRegion = code.segmentRegion.data;
  // Per region: its total charge and its first segment.
  const regionTotal = costs.subarray(n);
  const firstSegment = new Int32Array(code.regionCost.length).fill(-1);
  for (let i = 0; i < n; i++) {
    if (isStatic[i] === 1) continue;
    for (let c = code.callsAt[i] as number; c < (code.callsAt[i + 1] as number); c += 2) {
      const callee = (calls[c] as number) - importCount;
      const segment = calls[c + 1] as number;
      if (callee >= 0 && isStatic[callee] === 1)
        charge[segment] = (charge[segment] as number) + (staticCost[callee] as number);
    }
    const first = code.segmentsAt[i] as number;
    const last = code.segmentsAt[i + 1] as number;
    for (let seg = first; seg < last; seg++) {
      const region = segmentRegion[seg] as number;
      regionTotal[region] = (regionTotal[region] as number) + (charge[seg] as number);
      if (firstSegment[region] === -1) firstSegment[region] = seg;
    }
    // Small regions: one charge at the region's entry, for all its segments.
    for (let seg = first; seg < last; seg++) {
      const region = segmentRegion[seg] as number;
      const total = regionTotal[region] as number;
      if (total > SEGMENTED_REGION_COST) continue;
      charge[seg] = seg === firstSegment[region] ? total : 0;
    }
    for (let seg = first; seg < last; seg++) {
      if ((charge[seg] as number) > REGION_CHARGE_LIMIT) {
        throw new SandprobeError("E_UNSUPPORTED", `function ${importCount + i} is too large to meter`, {
          function: importCount + i,
        });
      }
    }
  }
  return { mode, staticCost, pure, segmentCharge: charge };
}
