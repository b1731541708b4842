import { SandprobeError } from "../errors.js";
import type { RequestedLimits } from "./manifest.js";

/**
 * Every limit the host enforces on a probe, in one type. The first group is
 * applied to the module itself before it is compiled (load/sandbox.ts); the
 * rest while it runs. A manifest may ask for less fuel, memory or spans,
 * never more (`probeLimits`).
 */
export interface HostLimits {
  /**
   * Fuel for one hook call (about one instruction each; docs/metering.md).
   * The default is one millisecond's worth (`FUEL_PER_MS`); set it in time
   * with `hookTimeBudgetMs`.
   */
  readonly fuelPerHook: number;
  /**
   * Fuel for an instance's start function plus `init`, each (run once per
   * instance: at load, and again after a failed call poisoned the instance,
   * on the request path). Default one millisecond's worth (`initTimeBudgetMs`).
   */
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
  /**
   * Consecutive invocations that ran out of fuel (E_FUEL_EXHAUSTED) or of
   * stack (E_PROBE_TRAP "stack overflow") before a probe is quarantined:
   * sooner than `quarantineAfter`, since each cost its request the most one
   * call can, and a flood of requests must not pay it again and again.
   */
  readonly quarantineAfterExhaustion: number;
  /** First quarantine length; doubles on every further quarantine. */
  readonly quarantineBaseNs: number;
  /** Longest quarantine. */
  readonly quarantineMaxNs: number;
}

/**
 * Fuel one millisecond of a hook's CPU buys: 2 ns per fuel, the slowest
 * fuel-bounded hostile mix measured on the 2-core reference machines (Node
 * 20; a span flood and a 10 MB string, ~1.9 ns per fuel with the fresh
 * instance a failed call costs). Ordinary code runs far faster per fuel (a
 * plain loop ~0.12 ns). How it was measured: docs/metering.md, calibration.
 */
export const FUEL_PER_MS = 500_000;

/** The budgets an operator may give in time instead of fuel, converted with FUEL_PER_MS. */
export interface TimeBudgets {
  /** CPU time one hook call may take, in milliseconds: sets `fuelPerHook`. */
  readonly hookTimeBudgetMs?: number;
  /** CPU time the start function and `init` may each take, in milliseconds: sets `fuelForInit`. */
  readonly initTimeBudgetMs?: number;
}

/** What an operator passes as limits: any of HostLimits, and budgets in time. */
export type HostLimitOverrides = Partial<HostLimits> & TimeBudgets;

export const DEFAULT_LIMITS: HostLimits = {
  fuelPerHook: FUEL_PER_MS, // 1 ms
  fuelForInit: FUEL_PER_MS, // 1 ms
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
  quarantineAfterExhaustion: 2,
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
  quarantineAfterExhaustion: [1, Number.MAX_SAFE_INTEGER],
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

/** Largest time budget: what MAX_FUEL buys. */
const MAX_TIME_BUDGET_MS = Math.floor(MAX_FUEL / FUEL_PER_MS);

/** The fuel a time budget buys; E_LIMITS when it is not a number of ms in range or the fuel is given too. */
function fuelForTime(name: keyof TimeBudgets, ms: unknown, fuelName: keyof HostLimits, fuel: unknown): number {
  if (fuel !== undefined) {
    throw new SandprobeError("E_LIMITS", `give ${name} or ${fuelName}, not both`, { limit: name });
  }
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0 || ms > MAX_TIME_BUDGET_MS) {
    throw new SandprobeError(
      "E_LIMITS",
      `${name} must be a number of milliseconds above 0 and at most ${MAX_TIME_BUDGET_MS}, not ${String(ms)}`,
      {
        limit: name,
        value: ms,
      },
    );
  }
  return Math.max(1, Math.floor(ms * FUEL_PER_MS));
}

/**
 * The host's limits: the defaults with the operator's overrides, checked
 * (E_LIMITS); budgets given in time are converted to fuel with FUEL_PER_MS.
 */
export function hostLimits(overrides: HostLimitOverrides = {}): HostLimits {
  const { hookTimeBudgetMs, initTimeBudgetMs, ...fuelLimits } = overrides;
  checkLimits(fuelLimits);
  const defined: Record<string, number> = Object.fromEntries(
    Object.entries(fuelLimits).filter(([, v]) => v !== undefined),
  );
  if (hookTimeBudgetMs !== undefined) {
    defined.fuelPerHook = fuelForTime("hookTimeBudgetMs", hookTimeBudgetMs, "fuelPerHook", fuelLimits.fuelPerHook);
  }
  if (initTimeBudgetMs !== undefined) {
    defined.fuelForInit = fuelForTime("initTimeBudgetMs", initTimeBudgetMs, "fuelForInit", fuelLimits.fuelForInit);
  }
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
