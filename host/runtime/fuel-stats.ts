/** Fuel used by a probe's recent hook calls, for its statistics. */
export interface FuelSnapshot {
  /** Metered calls that completed (failed calls are counted by error code instead). */
  readonly calls: number;
  /** Fuel all completed calls used. */
  readonly total: number;
  /** Median and 99th percentile over the last WINDOW completed calls; 0 before any. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** A power of two, so the ring index is a mask. */
const WINDOW = 1024;

/**
 * Records the fuel of each completed call in O(1) (a ring of the last 1024
 * values); percentiles are computed when a snapshot is taken.
 */
export class FuelStats {
  /** Fuel per call is at most MAX_FUEL (2^31 - 1): 4 bytes a call, half of a Float64Array per instance. */
  private readonly recent = new Uint32Array(WINDOW);
  private calls = 0;
  private total = 0;
  private max = 0;

  record(used: number): void {
    this.recent[this.calls & (WINDOW - 1)] = used;
    this.calls++;
    this.total += used;
    if (used > this.max) this.max = used;
  }

  snapshot(): FuelSnapshot {
    const n = Math.min(this.calls, WINDOW);
    const sorted = this.recent.slice(0, n).sort();
    const at = (q: number) => (n === 0 ? 0 : (sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] as number));
    return { calls: this.calls, total: this.total, p50: at(0.5), p99: at(0.99), max: this.max };
  }
}
