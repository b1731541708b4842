import type { ProbeSemantics } from "../semantics.js";
import { countedStringReader, type ProbeContext } from "./context.js";

/**
 * The `metrics` interface lowered: decode the name and the optional
 * attribute (an empty key means none); the world's operation applies the
 * series budget (`metric-cardinality`) and validity (`metric-invalid`).
 */
export function metricsImports(ctx: ProbeContext, world: ProbeSemantics) {
  const readString = countedStringReader(ctx);

  return {
    "counter-add": (np: number, nl: number, value: number, kp: number, kl: number, vp: number, vl: number): void => {
      const name = readString(np, nl);
      const key = readString(kp, kl);
      world.counterAdd(name, value, key, readString(vp, vl));
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
      const name = readString(np, nl);
      const key = readString(kp, kl);
      world.histogramRecord(name, value, key, readString(vp, vl));
    },
  };
}
