import { SandprobeError } from "../errors.js";
import type { RequestedLimits } from "./manifest.js";

/**
 * Every limit the host enforces on a probe, in one type. The first group is
 * applied to the module itself before it is compiled (load/sandbox.ts); the
 * rest while it runs. A manifest may ask for less fuel, memory or spans,
 * never more (`probeLimits`).
 */
export interface HostLimits {
  /** Fuel for one hook call (about one instruction each; docs/metering.md). */
  readonly fuelPerHook: number;
  /** Fuel for an instance's start function plus `init`, each (run once per instance). */
  readonly fuelForInit: number;
  /** Largest size of each linear memory, in 64 KiB pages. */
  readonly memoryPages: number;
  /** Largest size of each table, in elements. */
  readonly tableElements: number;
  /** Most globals a module may have (imported and defined). */
  readonly globals: number;
  /** Spans a probe may start in one hook invocation. */
  readonly spansPerInvocation: number;
  /** Attributes kept per span; further ones are dropped and counted. */
  readonly attributesPerSpan: number;
  /** Longest attribute value / span name, in UTF-16 code units. */
  readonly maxStringUnits: number;
  /** Log bytes (UTF-16 code units) a probe may write in one invocation. */
  readonly logUnitsPerInvocation: number;
  /** Spans one probe may start per quota window, across its hook calls (more: `span-rate`). */
  readonly spansPerWindow: number;
  /** Log units (UTF-16 code units) one probe may write per quota window (more: `log-rate`). */
  readonly logUnitsPerWindow: number;
  /** Length of the per-probe quota window. */
  readonly quotaWindowNs: number;
  /** Distinct metric series (instrument + attribute) one probe may create; more are dropped. */
  readonly metricSeriesPerProbe: number;
  /** Consecutive failed invocations before a probe is quarantined. */
  readonly quarantineAfter: number;
  /** First quarantine length; doubles on every further quarantine. */
  readonly quarantineBaseNs: number;
  /** Longest quarantine. */
  readonly quarantineMaxNs: number;
}

export const DEFAULT_LIMITS: HostLimits = {
  fuelPerHook: 10_000_000,
  fuelForInit: 100_000_000,
  memoryPages: 256, // 16 MiB
  tableElements: 10_000,
  globals: 1_000,
  spansPerInvocation: 32,
  attributesPerSpan: 64,
  maxStringUnits: 4096,
  logUnitsPerInvocation: 4096,
  spansPerWindow: 20_000,
  logUnitsPerWindow: 1_048_576,
  quotaWindowNs: 1_000_000_000,
  metricSeriesPerProbe: 200,
  quarantineAfter: 5,
  quarantineBaseNs: 1_000_000_000,
  quarantineMaxNs: 300_000_000_000,
};

/** The largest fuel budget an entry accepts: the metered module's counter is an i32. */
export const MAX_FUEL = 0x7fffffff;
/** Pages of the largest memory the WebAssembly JS API allows with 32-bit addresses. */
export const MAX_MEMORY_PAGES = 65_536;
const MAX_TABLE_ELEMENTS = 10_000_000;
const MAX_GLOBALS = 1_000_000;

/** Largest value of each limit; every limit is an integer from 0 (1 where marked) to its largest. */
const RANGES: Readonly<Record<keyof HostLimits, readonly [min: number, max: number]>> = {
  fuelPerHook: [0, MAX_FUEL],
  fuelForInit: [0, MAX_FUEL],
  memoryPages: [0, MAX_MEMORY_PAGES],
  tableElements: [0, MAX_TABLE_ELEMENTS],
  globals: [0, MAX_GLOBALS],
  spansPerInvocation: [0, Number.MAX_SAFE_INTEGER],
  attributesPerSpan: [0, Number.MAX_SAFE_INTEGER],
  maxStringUnits: [0, Number.MAX_SAFE_INTEGER],
  logUnitsPerInvocation: [0, Number.MAX_SAFE_INTEGER],
  spansPerWindow: [0, Number.MAX_SAFE_INTEGER],
  logUnitsPerWindow: [0, Number.MAX_SAFE_INTEGER],
  quotaWindowNs: [1, Number.MAX_SAFE_INTEGER],
  metricSeriesPerProbe: [0, Number.MAX_SAFE_INTEGER],
  quarantineAfter: [1, Number.MAX_SAFE_INTEGER],
  quarantineBaseNs: [0, Number.MAX_SAFE_INTEGER],
  quarantineMaxNs: [0, Number.MAX_SAFE_INTEGER],
};

/** Throw E_LIMITS unless every limit given is an integer in its range; unknown names are refused too. */
export function checkLimits(limits: Partial<HostLimits>): void {
  for (const [name, value] of Object.entries(limits)) {
    const range = RANGES[name as keyof HostLimits];
    if (range === undefined) {
      throw new SandprobeError("E_LIMITS", `unknown limit "${name}"`, { limit: name });
    }
    if (value === undefined) continue;
    const [min, max] = range;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new SandprobeError("E_LIMITS", `${name} must be an integer from ${min} to ${max}, not ${String(value)}`, {
        limit: name,
        value,
      });
    }
  }
}

/** The host's limits: the defaults with the operator's overrides, checked (E_LIMITS). */
export function hostLimits(overrides: Partial<HostLimits> = {}): HostLimits {
  checkLimits(overrides);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_LIMITS, ...defined };
}

/**
 * The limits of one probe: the host's, lowered by what its manifest asks
 * (fuel per hook, memory pages, spans per invocation). Computed once when
 * the probe is loaded; everything downstream uses the result.
 */
export function probeLimits(host: HostLimits, requested: RequestedLimits): HostLimits {
  const lower = (hostValue: number, asked: number | undefined) =>
    asked === undefined ? hostValue : Math.min(hostValue, asked);
  return {
    ...host,
    fuelPerHook: lower(host.fuelPerHook, requested.fuel),
    memoryPages: lower(host.memoryPages, requested.memoryPages),
    spansPerInvocation: lower(host.spansPerInvocation, requested.spansPerInvocation),
  };
}
