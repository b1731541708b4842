import type { HrTime } from "@opentelemetry/api";

/**
 * The host's clocks. Instants are nanoseconds on a monotonic clock with an
 * arbitrary origin (the WASI monotonic clock); `toEpoch` maps an instant
 * to Unix-epoch time with nanosecond precision for OpenTelemetry.
 */
export interface HostClock {
  /** Monotonic nanoseconds (an integer). */
  nowNs(): number;
  /** The clock's real resolution in nanoseconds. */
  resolutionNs(): number;
  /** Unix-epoch time of a monotonic instant, exact to the nanosecond. */
  toEpoch(instantNs: bigint | number): HrTime;
  /** Wall-clock time now as [seconds, nanoseconds] since the Unix epoch. */
  wallNow(): HrTime;
}

const NS_PER_S = 1_000_000_000;
const NS_PER_S_BIG = 1_000_000_000n;

/** Split `epochBaseNs + instantNs` into an exact HrTime. */
export function epochOf(baseSeconds: number, baseNanos: number, instantNs: bigint | number): HrTime {
  if (typeof instantNs === "number" || instantNs <= BigInt(Number.MAX_SAFE_INTEGER)) {
    const ns = baseNanos + Number(instantNs);
    if (Number.isSafeInteger(ns)) {
      const carry = Math.floor(ns / NS_PER_S);
      return [baseSeconds + carry, ns - carry * NS_PER_S];
    }
  }
  const total = BigInt(baseNanos) + BigInt(instantNs);
  return [baseSeconds + Number(total / NS_PER_S_BIG), Number(total % NS_PER_S_BIG)];
}

/** A step this size or more, shared by every step seen, means the clock is quantized (workerd: 1 ms). */
const QUANTUM_NS = 1_000;
/** Steps to see before trusting that a clock is quantized. */
const QUANTUM_STEPS = 8;
/** Reads whose steps are not counted, while the loop gets compiled. */
const WARM_UP_READS = 64;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Measure the step `read` (integer nanoseconds) moves in. Runtimes differ a
 * lot (Node, Deno: ~0.15 us; browsers: 5-100 us; workerd: 1 ms), and probes
 * deserve the truth through `resolution()`.
 *
 * Load cannot make a fine clock look coarse here: a quantized clock is
 * recognised by every step being a multiple of one quantum of 1 us or more
 * (what load does to the steps of a fine clock cannot produce that), and
 * otherwise the result is the smallest of up to `samples` steps, taken
 * after a warm-up, which a busy machine can only stretch in the few steps
 * it preempts. A clock that never moves within `maxSpins` reads (workerd in
 * production only advances on I/O) reports 1 ms.
 */
export function measureResolutionNs(read: () => number, samples = 1_000, maxSpins = 200_000): number {
  let smallest = Number.POSITIVE_INFINITY;
  let quantum = 0;
  let last = read();
  for (let steps = 0, spins = 0; steps < samples && spins < maxSpins; spins++) {
    const now = read();
    if (now === last) continue;
    // The first reads warm the loop up: a cold loop's own cost would look like a coarse step.
    if (spins < WARM_UP_READS) {
      last = now;
      continue;
    }
    const step = Math.abs(Math.round(now - last));
    smallest = Math.min(smallest, step);
    quantum = gcd(quantum, step);
    last = now;
    steps++;
    if (steps >= QUANTUM_STEPS && quantum >= QUANTUM_NS) return quantum;
  }
  if (!Number.isFinite(smallest)) return 1_000_000;
  return quantum >= QUANTUM_NS ? quantum : Math.max(1, smallest);
}

/** The default clock: `performance.now()` anchored at `performance.timeOrigin`. */
export function performanceClock(): HostClock {
  // Node defines the global `performance` as a lazy accessor: a getter call on every
  // read (~3-4 ns). The object itself never changes, so read it once.
  const perf = performance;
  const origin = perf.timeOrigin;
  const baseSeconds = Math.floor(origin / 1000);
  const baseNanos = Math.round((origin - baseSeconds * 1000) * 1e6);
  const nowNs = () => Math.round(perf.now() * 1e6);
  let resolution: number | undefined;
  return {
    nowNs,
    resolutionNs: () => {
      resolution ??= measureResolutionNs(nowNs);
      return resolution;
    },
    toEpoch: (instantNs) => epochOf(baseSeconds, baseNanos, instantNs),
    wallNow: () => epochOf(baseSeconds, baseNanos, nowNs()),
  };
}

/** A clock that only moves when told to: for tests and deterministic replays. */
export interface ManualClock extends HostClock {
  advance(ns: number): void;
  set(ns: number): void;
}

export function manualClock(
  options: { epochSeconds?: number; startNs?: number; resolutionNs?: number } = {},
): ManualClock {
  let now = options.startNs ?? 1_000_000;
  const baseSeconds = options.epochSeconds ?? 1_700_000_000;
  return {
    nowNs: () => now,
    resolutionNs: () => options.resolutionNs ?? 1,
    toEpoch: (instantNs) => epochOf(baseSeconds, 0, instantNs),
    wallNow: () => epochOf(baseSeconds, 0, now),
    advance: (ns) => {
      now += ns;
    },
    set: (ns) => {
      now = ns;
    },
  };
}
