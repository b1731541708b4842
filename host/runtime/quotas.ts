import type { HostClock } from "../clock/clock.js";

/**
 * A per-probe budget over a time window (spans or log units per second,
 * across hook calls). The hot path is one addition and one comparison: the
 * clock is read only when the budget runs out, to see whether the window has
 * passed; then a new window starts at that instant. So any interval of
 * `windowNs` admits at most twice the limit, and a probe under its budget
 * never costs a clock read. Once refused, a window stays shut for the rest
 * of the hook call (`open()` at the next call), so a flooding probe costs one
 * clock read per call, not one per attempt.
 */
export class QuotaWindow {
  private used = 0;
  private startNs: number;
  /** Refused in this hook call: refuse the rest of it without reading the clock. */
  shut = false;

  constructor(
    private readonly limit: number,
    private readonly windowNs: number,
    private readonly clock: HostClock,
  ) {
    this.startNs = clock.nowNs();
  }

  /** Take `amount` from the budget; false (nothing taken) when over it. */
  take(amount: number): boolean {
    const used = this.used + amount;
    if (used <= this.limit) {
      this.used = used;
      return true;
    }
    if (this.shut) return false;
    const now = this.clock.nowNs();
    if (now - this.startNs < this.windowNs) {
      this.shut = true;
      return false;
    }
    this.startNs = now;
    this.used = 0;
    if (amount > this.limit) return false;
    this.used = amount;
    return true;
  }
}

/** The windows of one loaded probe; they outlive re-instantiations, so trapping does not refill them. */
export class ProbeRates {
  readonly spans: QuotaWindow;
  readonly logUnits: QuotaWindow;

  constructor(limits: { spansPerWindow: number; logUnitsPerWindow: number; quotaWindowNs: number }, clock: HostClock) {
    this.spans = new QuotaWindow(limits.spansPerWindow, limits.quotaWindowNs, clock);
    this.logUnits = new QuotaWindow(limits.logUnitsPerWindow, limits.quotaWindowNs, clock);
  }

  /** A new hook call: a window shut during the last call may be looked at again. */
  open(): void {
    this.spans.shut = false;
    this.logUnits.shut = false;
  }
}
