export type { MeteredExports, MeteredTrap, MeteringInfo } from "./abi.js";
export {
  COST_MODEL_VERSION,
  DEPTH_EXPORT,
  decodeMeteringInfo,
  FUEL_EXPORT,
  METERING_SECTION,
  START_EXPORT,
  takeFuelExhausted,
  takeMeteredTrap,
} from "./abi.js";
export { CALL_DEPTH_LIMIT } from "./cost.js";
export type { MeteredInterface, MeteredModule, MeteringChanges, MeterOptions } from "./meter.js";
export { memoryMaxPages, meteredInterface, meterModule, meterReplacements } from "./meter.js";
