import type { ProbeContext } from "./context.js";

/** wasi:clocks/monotonic-clock@0.2.0: nanoseconds since an arbitrary origin. */
export function monotonicClockImports(ctx: ProbeContext) {
  const { clock } = ctx;
  return {
    now: (): bigint => BigInt(clock.nowNs()),
    resolution: (): bigint => BigInt(clock.resolutionNs()),
  };
}

/** wasi:clocks/wall-clock@0.2.0: datetime { seconds: u64, nanoseconds: u32 } via a return area. */
export function wallClockImports(ctx: ProbeContext) {
  const { clock, memory } = ctx;
  const write = (ret: number, seconds: number, nanos: number) => {
    memory.writeU64(ret, BigInt(seconds));
    memory.writeU32(ret + 8, nanos);
  };
  return {
    now: (ret: number): void => {
      const [seconds, nanos] = clock.wallNow();
      write(ret, seconds, nanos);
    },
    resolution: (ret: number): void => {
      const ns = clock.resolutionNs();
      write(ret, Math.floor(ns / 1e9), ns % 1e9);
    },
  };
}
