import { replaceSections } from "../wasm/rebuild.js";
import type { ParsedModule } from "../wasm/types.js";
import type { HostLimits } from "../world/limits.js";
import { PROBE_ENTRIES } from "../world/names.js";
import { type MeteringInfo, meterReplacements } from "./meter/index.js";
import { resourceReplacements } from "./resources.js";

export interface SandboxedModule {
  /** The module with capped limits and fuel metering (docs/metering.md). */
  readonly bytes: Uint8Array;
  readonly metering: MeteringInfo;
}

/**
 * Apply a probe's limits (`probeLimits`) to its core module, parsed once:
 * cap memories and tables, meter the code of `init` and the hooks, in one
 * rebuild. A pure function of its inputs, so a deploy step can run it ahead
 * of time and ship the result precompiled.
 */
export function sandboxModule(module: ParsedModule, limits: HostLimits): SandboxedModule {
  const resources = resourceReplacements(module, limits);
  const metering = meterReplacements(module, { entries: PROBE_ENTRIES });
  const replacements = new Map<number, Uint8Array | null>([...resources, ...metering.replacements]);
  return {
    bytes: replaceSections(module.bytes, module.sections, replacements, metering.trailer),
    metering: metering.info,
  };
}
