import type { ProbeSemantics } from "../semantics.js";
import type { ProbeContext } from "./context.js";

/**
 * The WASI monotonic clock: nanoseconds since an arbitrary origin. The
 * `.f64` twins are what a sandboxed module calls (host/load/lower-i64.ts):
 * the same integers, without a BigInt each.
 */
export function monotonicClockImports(world: ProbeSemantics) {
  return {
    now: (): bigint => BigInt(world.monotonicNow()),
    resolution: (): bigint => BigInt(world.resolutionNs()),
    "now.f64": (): number => world.monotonicNow(),
    "resolution.f64": (): number => world.resolutionNs(),
  };
}

/** The WASI wall clock: datetime { seconds: u64, nanoseconds: u32 } via a return area. */
export function wallClockImports(ctx: ProbeContext, world: ProbeSemantics) {
  const { memory } = ctx;
  const write = (ret: number, seconds: number, nanos: number) => {
    memory.writeU64(ret, BigInt(seconds));
    memory.writeU32(ret + 8, nanos);
  };
  return {
    now: (ret: number): void => {
      const [seconds, nanos] = world.wallNow();
      write(ret, seconds, nanos);
    },
    resolution: (ret: number): void => {
      const ns = world.resolutionNs();
      write(ret, Math.floor(ns / 1e9), ns % 1e9);
    },
  };
}
