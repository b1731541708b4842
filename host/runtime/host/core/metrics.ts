import type { ProbeSemantics } from "../semantics.js";
import { type ProbeContext, readCountedString } from "./context.js";

/**
 * The `metrics` interface lowered: decode the name and the optional
 * attribute (an empty key means none); the world's operation applies the
 * series budget (`metric-cardinality`) and validity (`metric-invalid`).
 */
export function metricsImports(ctx: ProbeContext, world: ProbeSemantics) {
  return {
    "counter-add": (np: number, nl: number, value: number, kp: number, kl: number, vp: number, vl: number): void => {
      const name = readCountedString(ctx, np, nl);
      const key = readCountedString(ctx, kp, kl);
      world.counterAdd(name, value, key, readCountedString(ctx, vp, vl));
    },
    "histogram-record": (
      np: number,
      nl: number,
      value: number,
      kp: number,
      kl: number,
      vp: number,
      vl: number,
    ): void => {
      const name = readCountedString(ctx, np, nl);
      const key = readCountedString(ctx, kp, kl);
      world.histogramRecord(name, value, key, readCountedString(ctx, vp, vl));
    },
  };
}
