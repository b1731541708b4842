export type { FuelSnapshot } from "../runtime/fuel-stats.js";
export { FuelStats } from "../runtime/fuel-stats.js";
export type { MeteredExports, MeteredModule, MeteringInfo, MeterOptions } from "./meter/index.js";
export {
  COST_MODEL_VERSION,
  decodeMeteringInfo,
  FUEL_EXPORT,
  MAX_BUDGET,
  METERING_SECTION,
  meterModule,
  START_EXPORT,
  takeFuelExhausted,
} from "./meter/index.js";
export type { ResourcePolicy } from "./resources.js";
export { capMemoryPages, DEFAULT_RESOURCE_POLICY, limitResources } from "./resources.js";
export type { SandboxedModule, SandboxPolicy } from "./sandbox.js";
export { DEFAULT_SANDBOX_POLICY, fuelExhaustion, PROBE_ENTRIES, sandboxModule } from "./sandbox.js";
