import { SandprobeError } from "../errors.js";
import type { RequestedLimits } from "../world/manifest.js";
import { MAX_BUDGET, type MeteringInfo, meterModule, takeFuelExhausted } from "./meter/index.js";
import { capMemoryPages, DEFAULT_RESOURCE_POLICY, limitResources, type ResourcePolicy } from "./resources.js";

/**
 * What a host grants one probe: fuel per call, memory, tables, globals. A
 * manifest's `limits` can only lower these.
 */
export interface SandboxPolicy extends ResourcePolicy {
  /** Fuel for one hook call (about one instruction each). */
  readonly fuelPerHook: number;
  /** Fuel for an instance's start function plus `init`, each (run once per instance). */
  readonly fuelForInit: number;
}

export const DEFAULT_SANDBOX_POLICY: SandboxPolicy = {
  ...DEFAULT_RESOURCE_POLICY,
  fuelPerHook: 10_000_000,
  fuelForInit: 100_000_000,
};

/** Exports that become metered entries: the hooks the probe world defines. */
export const PROBE_ENTRIES: readonly string[] = ["init", "request", "response"];

export interface SandboxedModule {
  /** The module with capped limits and fuel metering (docs/metering.md). */
  readonly bytes: Uint8Array;
  readonly metering: MeteringInfo;
  /** Budget each hook call gets. */
  readonly fuelPerHook: number;
  /** Budget of the start function and of `init`. */
  readonly fuelForInit: number;
  /** Memory cap, in pages. */
  readonly memoryPages: number;
}

function checkFuel(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_BUDGET) {
    throw new RangeError(`${what} must be an integer from 0 to ${MAX_BUDGET}, not ${value}`);
  }
}

/**
 * Apply a probe's limits: cap memories and tables (the manifest's
 * `memoryPages` lowered to the policy), then meter its code. A pure function
 * of its inputs, so a deploy step can run it ahead of time and ship the
 * result precompiled.
 */
export function sandboxModule(
  bytes: Uint8Array,
  requested: RequestedLimits,
  policy: SandboxPolicy = DEFAULT_SANDBOX_POLICY,
): SandboxedModule {
  checkFuel(policy.fuelPerHook, "fuelPerHook");
  checkFuel(policy.fuelForInit, "fuelForInit");
  const memoryPages = capMemoryPages(requested.memoryPages, policy.memoryPages);
  const limited = limitResources(bytes, { ...policy, memoryPages });
  const metered = meterModule(limited, { entries: PROBE_ENTRIES });
  return {
    bytes: metered.bytes,
    metering: metered.info,
    fuelPerHook: Math.min(requested.fuel ?? policy.fuelPerHook, policy.fuelPerHook),
    fuelForInit: policy.fuelForInit,
    memoryPages,
  };
}

/**
 * After a metered call threw: E_FUEL_EXHAUSTED when the probe ran out of
 * fuel, undefined for every other failure (classify those as before). Resets
 * the fuel counter either way (see takeFuelExhausted).
 */
export function fuelExhaustion(
  error: unknown,
  exports: WebAssembly.Exports,
  probe: string,
  budget: number,
): SandprobeError | undefined {
  if (!(error instanceof WebAssembly.RuntimeError) || !takeFuelExhausted(exports)) return undefined;
  return new SandprobeError("E_FUEL_EXHAUSTED", `${probe} ran out of fuel (budget ${budget})`, { probe, budget });
}
