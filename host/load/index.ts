/** The load stage: admission, components, resource limits, fuel metering, compilation. */
export { type AdmittedProbe, admitProbe, type ProbeToAdmit } from "./admit.js";
export { extractCoreModule, type FastPathComponent, fastPathModule, findComponentManifest } from "./component/index.js";
export type { MeteredExports, MeteredModule, MeteringChanges, MeteringInfo, MeterOptions } from "./meter/index.js";
export {
  COST_MODEL_VERSION,
  decodeMeteringInfo,
  FUEL_EXPORT,
  METERING_SECTION,
  meterModule,
  meterReplacements,
  START_EXPORT,
  takeFuelExhausted,
} from "./meter/index.js";
export { type PreparedProbe, prepareProbe, sandboxedProbeBytes } from "./prepare.js";
export { limitResources, type ResourceLimits, resourceReplacements } from "./resources.js";
export { type SandboxedModule, sandboxedShape, sandboxModule } from "./sandbox.js";
export { checkModuleShape, type ModuleShape, shapeOfBytes } from "./shape.js";
