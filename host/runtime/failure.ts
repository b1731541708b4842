import type { HostClock } from "../clock/clock.js";
import { SandprobeError } from "../errors.js";
import { takeMeteredTrap } from "../load/meter/abi.js";
import { CALL_DEPTH_LIMIT } from "../load/meter/cost.js";
import type { ProbeStats } from "./stats.js";

/** `detail.trap` of a call that ran out of stack: V8's own, or the metering's call depth limit. */
const STACK_OVERFLOW = "stack overflow";

/**
 * Turn whatever escaped a hook call into a typed error. Traps surface as
 * WebAssembly.RuntimeError, stack exhaustion as RangeError, and our own
 * imports throw SandprobeError (bad guest pointers, invalid enums).
 */
export function classifyFailure(error: unknown, probe: string, abortMessage: string | undefined): SandprobeError {
  const cause = { cause: error };
  if (error instanceof SandprobeError) {
    return new SandprobeError(error.code, `${probe}: ${error.message}`, { ...error.detail, probe }, cause);
  }
  if (abortMessage !== undefined) {
    return new SandprobeError(
      "E_PROBE_TRAP",
      `${probe} aborted: ${abortMessage}`,
      { probe, abort: abortMessage },
      cause,
    );
  }
  if (error instanceof WebAssembly.RuntimeError) {
    const trap = error.message;
    return new SandprobeError("E_PROBE_TRAP", `${probe} trapped: ${trap}`, { probe, trap }, cause);
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    const trap = STACK_OVERFLOW;
    return new SandprobeError("E_PROBE_TRAP", `${probe} trapped: ${trap}`, { probe, trap }, cause);
  }
  return new SandprobeError("E_PROBE_TRAP", `${probe} failed: ${String(error)}`, { probe, trap: String(error) }, cause);
}

/**
 * After a metered call threw: E_FUEL_EXHAUSTED when the probe ran out of
 * fuel, E_PROBE_TRAP "stack overflow" when it called deeper than the call
 * depth limit (as when V8's own stack runs out, only sooner), undefined for
 * every other failure (classify those with classifyFailure). Resets the fuel
 * counter and the depth either way (see takeMeteredTrap).
 */
export function meteredFailure(
  error: unknown,
  exports: WebAssembly.Exports,
  probe: string,
  budget: number,
): SandprobeError | undefined {
  if (!(error instanceof WebAssembly.RuntimeError)) return undefined;
  const trap = takeMeteredTrap(exports);
  if (trap === "fuel") {
    const message = `${probe} ran out of fuel (budget ${budget})`;
    return new SandprobeError("E_FUEL_EXHAUSTED", message, { probe, budget }, { cause: error });
  }
  if (trap === "depth") {
    const message = `${probe} trapped: ${STACK_OVERFLOW} (more than ${CALL_DEPTH_LIMIT} nested calls)`;
    const detail = { probe, trap: STACK_OVERFLOW, callDepthLimit: CALL_DEPTH_LIMIT };
    return new SandprobeError("E_PROBE_TRAP", message, detail, { cause: error });
  }
  return undefined;
}

/**
 * A call that ran out of fuel or of stack: it burned the most time one call
 * can (the budget, or the engine's whole stack), so it is quarantined sooner.
 */
function isExhaustion(failure: SandprobeError): boolean {
  return (
    failure.code === "E_FUEL_EXHAUSTED" || (failure.code === "E_PROBE_TRAP" && failure.detail?.trap === STACK_OVERFLOW)
  );
}

/** When a probe that keeps failing may run again. */
export interface QuarantinePolicy {
  readonly quarantineAfter: number;
  readonly quarantineAfterExhaustion: number;
  readonly quarantineBaseNs: number;
  readonly quarantineMaxNs: number;
}

/** Quarantine length for the n-th quarantine (1-based): exponential backoff, capped. */
export function quarantineLengthNs(policy: QuarantinePolicy, nth: number): number {
  return Math.min(policy.quarantineMaxNs, policy.quarantineBaseNs * 2 ** Math.min(nth - 1, 40));
}

/**
 * The failure and quarantine policy of one loaded probe, shared by both
 * paths (runtime/probe.ts, jco/jco-probe.ts): `admit` before a hook call,
 * then `succeeded` or `failed` with what the call returned.
 */
export class FailurePolicy {
  private quarantinedUntilNs = 0;
  /** Calls in a row that ran out of fuel or stack: each cost its request the most a call can. */
  private exhaustedInARow = 0;

  constructor(
    private readonly stats: ProbeStats,
    private readonly policy: QuarantinePolicy,
    private readonly clock: HostClock,
  ) {}

  get quarantined(): boolean {
    return this.quarantinedUntilNs > this.clock.nowNs();
  }

  /** Whether a hook may run now (counted as an invocation); false while quarantined (counted as skipped). */
  admit(): boolean {
    if (this.quarantinedUntilNs !== 0) {
      if (this.quarantinedUntilNs > this.clock.nowNs()) {
        this.stats.skippedWhileQuarantined++;
        return false;
      }
      this.quarantinedUntilNs = 0;
    }
    this.stats.invocations++;
    return true;
  }

  succeeded(): void {
    this.stats.consecutiveFailures = 0;
    this.exhaustedInARow = 0;
  }

  /**
   * Count a failure; after `quarantineAfter` in a row, or
   * `quarantineAfterExhaustion` exhaustions (fuel, stack) in a row, quarantine
   * with exponential backoff.
   */
  failed(failure: SandprobeError): void {
    const stats = this.stats;
    stats.fail(failure.code, failure.message);
    this.exhaustedInARow = isExhaustion(failure) ? this.exhaustedInARow + 1 : 0;
    const policy = this.policy;
    if (
      stats.consecutiveFailures >= policy.quarantineAfter ||
      this.exhaustedInARow >= policy.quarantineAfterExhaustion
    ) {
      stats.quarantines++;
      stats.consecutiveFailures = 0;
      this.exhaustedInARow = 0;
      this.quarantinedUntilNs = this.clock.nowNs() + quarantineLengthNs(this.policy, stats.quarantines);
    }
  }
}
