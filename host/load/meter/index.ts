export type { MeteredExports, MeteringInfo } from "./abi.js";
export {
  COST_MODEL_VERSION,
  decodeMeteringInfo,
  FUEL_EXPORT,
  MAX_BUDGET,
  METERING_SECTION,
  START_EXPORT,
  takeFuelExhausted,
} from "./abi.js";
export type { MeteredModule, MeterOptions } from "./meter.js";
export { meterModule } from "./meter.js";
