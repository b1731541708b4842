import { SandprobeError } from "../errors.js";

/**
 * Turn whatever escaped a hook call into a typed error. Traps surface as
 * WebAssembly.RuntimeError, stack exhaustion as RangeError, and our own
 * imports throw SandprobeError (bad guest pointers, invalid enums).
 */
export function classifyFailure(error: unknown, probe: string, abortMessage: string | undefined): SandprobeError {
  if (error instanceof SandprobeError) {
    return new SandprobeError(error.code, `${probe}: ${error.message}`, { ...error.detail, probe });
  }
  if (abortMessage !== undefined) {
    return new SandprobeError("E_PROBE_TRAP", `${probe} aborted: ${abortMessage}`, { probe, abort: abortMessage });
  }
  if (error instanceof WebAssembly.RuntimeError) {
    return new SandprobeError("E_PROBE_TRAP", `${probe} trapped: ${error.message}`, { probe, trap: error.message });
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new SandprobeError("E_PROBE_TRAP", `${probe} trapped: stack overflow`, { probe, trap: "stack overflow" });
  }
  return new SandprobeError("E_PROBE_TRAP", `${probe} failed: ${String(error)}`, { probe, trap: String(error) });
}

/** When a probe that keeps failing may run again. */
export interface QuarantinePolicy {
  readonly quarantineAfter: number;
  readonly quarantineBaseNs: number;
  readonly quarantineMaxNs: number;
}

/** Quarantine length for the n-th quarantine (1-based): exponential backoff, capped. */
export function quarantineLengthNs(policy: QuarantinePolicy, nth: number): number {
  return Math.min(policy.quarantineMaxNs, policy.quarantineBaseNs * 2 ** Math.min(nth - 1, 40));
}
