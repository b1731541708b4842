import {
  ASSEMBLYSCRIPT_ENV,
  HTTP,
  LOG,
  METRICS,
  TRACE,
  WASI_MONOTONIC_CLOCK,
  WASI_WALL_CLOCK,
} from "../abi/allowed-imports.js";
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
  return {
    [WASI_MONOTONIC_CLOCK]: monotonicClockImports(ctx),
    [WASI_WALL_CLOCK]: wallClockImports(ctx),
    [TRACE]: traceImports(ctx),
    [HTTP]: httpImports(ctx),
    [METRICS]: metricsImports(ctx),
    [LOG]: logImports(ctx),
    [ASSEMBLYSCRIPT_ENV]: assemblyScriptImports(ctx),
  };
}

export type { ActiveCall, LogLevel, ProbeContext, ProbeLogRecord, RequestView } from "./context.js";
