/** The load stage: admission, components, resource limits, fuel metering, compilation. */
export { type AdmittedProbe, admitProbe, type ProbeToAdmit } from "./admit.js";
export { extractCoreModule, type FastPathComponent, fastPathModule, findComponentManifest } from "./component/index.js";
export type {
  MeteredExports,
  MeteredModule,
  MeteredTrap,
  MeteringChanges,
  MeteringInfo,
  MeterOptions,
} from "./meter/index.js";
export {
  CALL_DEPTH_LIMIT,
  COST_MODEL_VERSION,
  DEPTH_EXPORT,
  decodeMeteringInfo,
  FUEL_EXPORT,
  METERING_SECTION,
  meterModule,
  meterReplacements,
  START_EXPORT,
  takeFuelExhausted,
  takeMeteredTrap,
} from "./meter/index.js";
export { type PreparedProbe, prepareProbe, sandboxedProbeBytes } from "./prepare.js";
export { limitResources, type ResourceLimits, resourceReplacements } from "./resources.js";
export { reentrantImports, type SandboxedModule, sandboxedShape, sandboxModule } from "./sandbox.js";
export { checkModuleShape, type ModuleShape, shapeOfBytes } from "./shape.js";
