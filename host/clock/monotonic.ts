import type { HostClock } from "./clock.js";

/** A WASI monotonic clock as jco lifts it: instants and resolution in nanoseconds, as bigint. */
export interface WasiMonotonicClock {
  now(): bigint;
  resolution(): bigint;
}

/**
 * A HostClock over a WASI monotonic clock such as preview2-shim's
 * `monotonicClock` (a high-resolution timer in Node): instants are the shim's own,
 * placed on the epoch by one anchor taken at creation.
 */
export function clockFromMonotonic(monotonic: WasiMonotonicClock): HostClock {
  const anchorInstant = monotonic.now();
  const anchorEpochNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  const toEpoch = (instant: bigint | number): [number, number] => {
    const ns = anchorEpochNs + (BigInt(instant) - anchorInstant);
    return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  };
  return {
    nowNs: () => Number(monotonic.now()),
    resolutionNs: () => Number(monotonic.resolution()),
    toEpoch,
    wallNow: () => toEpoch(monotonic.now()),
  };
}
