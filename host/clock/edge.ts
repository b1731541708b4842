/**
 * The clock at the edge. Runtimes disagree about time:
 * - workerd: `performance.timeOrigin` is 0 and `performance.now()` is
 *   `Date.now()`, whole milliseconds since the epoch; at module scope it
 *   reads 0; in Cloudflare's production it only advances on I/O.
 * - Deno and Node: sub-microsecond `performance.now()` from a process origin.
 * So the edge clock is anchored when it is made (inside a request, never at
 * module scope), measures its real step once, and says when spans timed by
 * it are coarse.
 */
import type { HrTime } from "@opentelemetry/api";
import { epochOf, type HostClock, measureResolutionNs } from "./clock.js";

/** Coarser than this, a span timed by the clock is marked coarse (hooks last microseconds). */
export const COARSE_RESOLUTION_NS = 1_000;

/** What a span exporter may want to know about the clock that timed the spans. */
export interface ClockFacts {
  /** The measured step of the clock, in nanoseconds. */
  readonly resolutionNs: number;
  /** True when the step is above COARSE_RESOLUTION_NS. */
  readonly coarse: boolean;
  /** True when the clock did not move at all while it was measured (time only advances on I/O). */
  readonly frozen: boolean;
}

export interface EdgeClock extends HostClock {
  readonly facts: ClockFacts;
}

export interface EdgeClockOptions {
  /** Steps to observe at most (default 1,000; a quantized clock such as workerd's is recognised after 8). */
  readonly samples?: number;
  /** Reads before giving up on a clock that does not move (default 20,000). */
  readonly maxSpins?: number;
  /** The millisecond source (default `performance.now()` plus `performance.timeOrigin`). */
  readonly now?: () => number;
  readonly timeOrigin?: number;
}

/**
 * A monotonic clock whose instants start near 0 when it is made, mapped to
 * epoch time exactly to the nanosecond, with its resolution measured once,
 * now. Make it inside a request: in workerd module scope time reads 0.
 */
export function edgeClock(options: EdgeClockOptions = {}): EdgeClock {
  const read = options.now ?? (() => performance.now());
  const startMs = read();
  const originMs = (options.timeOrigin ?? performance.timeOrigin) + startMs;
  const baseSeconds = Math.floor(originMs / 1000);
  const baseNanos = Math.round((originMs - baseSeconds * 1000) * 1e6);
  // Instants relative to the start keep nanoseconds exact in a double (workerd's
  // epoch milliseconds times 1e6 would not be).
  const nowNs = () => Math.round((read() - startMs) * 1e6);
  let moved = false;
  const resolutionNs = measureResolutionNs(
    () => {
      const now = nowNs();
      if (now !== 0) moved = true;
      return now;
    },
    options.samples ?? 1_000,
    options.maxSpins ?? 20_000,
  );
  const facts: ClockFacts = { resolutionNs, coarse: resolutionNs > COARSE_RESOLUTION_NS, frozen: !moved };
  return {
    facts,
    nowNs,
    resolutionNs: () => resolutionNs,
    toEpoch: (instantNs: bigint | number): HrTime => epochOf(baseSeconds, baseNanos, instantNs),
    wallNow: (): HrTime => epochOf(baseSeconds, baseNanos, nowNs()),
  };
}
