import { ASSEMBLYSCRIPT_ENV, INTERFACES } from "../../../world/names.js";
import { probeSemantics } from "../semantics.js";
import { assemblyScriptImports } from "./assemblyscript.js";
import { monotonicClockImports, wallClockImports } from "./clocks.js";
import type { ProbeContext } from "./context.js";
import { httpImports } from "./http.js";
import { logImports } from "./log.js";
import { metricsImports } from "./metrics.js";
import { traceImports } from "./trace.js";

/**
 * The whole import object for one probe instance, keyed by the canonical
 * interface names the probe world lowers to. The verifier (runtime/admit.ts)
 * has already refused any import not in world/core-abi.ts.
 */
export function buildImports(ctx: ProbeContext): WebAssembly.Imports {
  // The world's rules, once; each interface below only lowers its arguments and results.
  const world = probeSemantics(ctx);
  return {
    [INTERFACES.monotonicClock]: monotonicClockImports(world),
    [INTERFACES.wallClock]: wallClockImports(ctx, world),
    [INTERFACES.trace]: traceImports(ctx, world),
    [INTERFACES.http]: httpImports(ctx, world),
    [INTERFACES.metrics]: metricsImports(ctx, world),
    [INTERFACES.log]: logImports(ctx, world),
    [ASSEMBLYSCRIPT_ENV]: assemblyScriptImports(ctx),
  };
}

export type { ActiveCall, LogLevel, ProbeContext, ProbeLogRecord, RequestView, WorldContext } from "./context.js";
