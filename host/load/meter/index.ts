export type { MeteredExports, MeteringInfo } from "./abi.js";
export {
  COST_MODEL_VERSION,
  decodeMeteringInfo,
  FUEL_EXPORT,
  METERING_SECTION,
  START_EXPORT,
  takeFuelExhausted,
} from "./abi.js";
export type { MeteredInterface, MeteredModule, MeteringChanges, MeterOptions } from "./meter.js";
export { meteredInterface, meterModule, meterReplacements } from "./meter.js";
