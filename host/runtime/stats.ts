import type { ErrorCode } from "../errors.js";
import type { TelemetryDropReason } from "../otel/ledger.js";
import { type FuelSnapshot, FuelStats } from "./fuel-stats.js";

/**
 * Why the host dropped something a probe emitted: the one vocabulary of both
 * paths and of the wasi:otel host. The ledger (otel/ledger.ts) books each
 * dropped span or log record again by its fate, `LEDGER_FATE` below.
 */
export type DropReason =
  | "span-quota"
  | "attribute-quota"
  | "log-quota"
  /** Over the probe's spans per quota window (across hook calls). */
  | "span-rate"
  /** Over the probe's log units per quota window (across hook calls). */
  | "log-rate"
  | "invalid-handle"
  | "no-request"
  | "string-truncated"
  | "sampled-out"
  | "invalid-link"
  | "metric-cardinality"
  | "metric-invalid"
  /** wasi:otel: span data that names no valid span. */
  | "invalid-span"
  /** wasi:otel: events or links over the per-span limit. */
  | "event-quota"
  | "link-quota"
  /** wasi:otel: more spans open at once than allowed. */
  | "open-quota";

/** What the ledger calls a span or log record the host dropped for each reason (absent: not a whole span or record). */
export const LEDGER_FATE: Readonly<Partial<Record<DropReason, TelemetryDropReason>>> = {
  "span-quota": "quota",
  "span-rate": "quota",
  "no-request": "quota",
  "log-quota": "quota",
  "log-rate": "quota",
  "open-quota": "quota",
  "sampled-out": "sampled-out",
};

/** Counters for one loaded probe; a snapshot is handed out by `ProbeRuntime.stats()`. */
export class ProbeStats {
  invocations = 0;
  failures = 0;
  consecutiveFailures = 0;
  spansStarted = 0;
  spansEnded = 0;
  /** Spans the probe left open that the host ended at the end of the request. */
  spansUnended = 0;
  quarantines = 0;
  skippedWhileQuarantined = 0;
  reinstantiations = 0;
  /** Fuel used by completed hook calls (not init). */
  readonly fuel = new FuelStats();
  readonly errors: Partial<Record<ErrorCode, number>> = {};
  readonly drops: Partial<Record<DropReason, number>> = {};
  lastError: string | undefined;
  /** False for a probe loaded unsigned under insecureAllowUnsigned. */
  verified = true;

  drop(reason: DropReason, count = 1): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + count;
  }

  fail(code: ErrorCode, message: string): void {
    this.failures++;
    this.consecutiveFailures++;
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    this.lastError = message;
  }

  snapshot(): ProbeStatsSnapshot {
    return {
      invocations: this.invocations,
      failures: this.failures,
      consecutiveFailures: this.consecutiveFailures,
      spansStarted: this.spansStarted,
      spansEnded: this.spansEnded,
      spansUnended: this.spansUnended,
      quarantines: this.quarantines,
      skippedWhileQuarantined: this.skippedWhileQuarantined,
      reinstantiations: this.reinstantiations,
      fuel: this.fuel.snapshot(),
      errors: { ...this.errors },
      drops: { ...this.drops },
      lastError: this.lastError,
      verified: this.verified,
    };
  }
}

export interface ProbeStatsSnapshot {
  readonly invocations: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  readonly spansStarted: number;
  readonly spansEnded: number;
  readonly spansUnended: number;
  readonly quarantines: number;
  readonly skippedWhileQuarantined: number;
  readonly reinstantiations: number;
  /** Fuel of completed hook calls: count, total, p50/p99 of the last 1024, max. */
  readonly fuel: FuelSnapshot;
  readonly errors: Readonly<Partial<Record<ErrorCode, number>>>;
  readonly drops: Readonly<Partial<Record<DropReason, number>>>;
  readonly lastError: string | undefined;
  /** False for a probe loaded unsigned under insecureAllowUnsigned. */
  readonly verified: boolean;
}
