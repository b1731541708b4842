import {
  ASSEMBLYSCRIPT_ENV,
  HTTP,
  LOG,
  METRICS,
  TRACE,
  WASI_MONOTONIC_CLOCK,
  WASI_WALL_CLOCK,
} from "../../../world/core-abi.js";
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
 * has already refused any import not in abi/allowed-imports.ts.
 */
export function buildImports(ctx: ProbeContext): WebAssembly.Imports {
  // The world's rules, once; each interface below only lowers its arguments and results.
  const world = probeSemantics(ctx);
  return {
    [WASI_MONOTONIC_CLOCK]: monotonicClockImports(world),
    [WASI_WALL_CLOCK]: wallClockImports(ctx, world),
    [TRACE]: traceImports(ctx, world),
    [HTTP]: httpImports(ctx, world),
    [METRICS]: metricsImports(ctx, world),
    [LOG]: logImports(ctx, world),
    [ASSEMBLYSCRIPT_ENV]: assemblyScriptImports(ctx),
  };
}

export type { ActiveCall, LogLevel, ProbeContext, ProbeLogRecord, RequestView, WorldContext } from "./context.js";
