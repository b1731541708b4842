import { replaceSections } from "../wasm/rebuild.js";
import type { ParsedModule } from "../wasm/types.js";
import type { HostLimits } from "../world/limits.js";
import { PROBE_ENTRIES, worldInterface } from "../world/names.js";
import { METERING_SECTION, type MeteringInfo, meteredInterface, meterReplacements } from "./meter/index.js";
import { scanModule } from "./meter/scan.js";
import { resourceReplacements } from "./resources.js";
import { descriptorKind, type ModuleShape, shapeOfModule } from "./shape.js";

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

/**
 * The imports, exports and custom sections of `sandboxModule(module,
 * limits).bytes`, without metering the code: what a module precompiled from
 * that output must show (checkModuleShape). The resource limits are applied
 * as `sandboxModule` applies them, so a probe they refuse is refused here
 * too, and so are malformed indices; function bodies are not analysed, so an
 * instruction metering refuses (E_UNSUPPORTED_OPCODE) is not found here: the
 * deploy step that metered the module found it, and the code of a
 * precompiled module cannot be checked anyway (docs/edge.md).
 */
export function sandboxedShape(module: ParsedModule, limits: HostLimits): ModuleShape {
  resourceReplacements(module, limits);
  // The index checks metering makes before it reads code (exports, start, elements, body count).
  scanModule(module);
  const metered = meteredInterface(module, { entries: PROBE_ENTRIES });
  const shape = shapeOfModule(module);
  // Limiting links world interfaces under the world's own version and changes no export;
  // metering appends its exports and its section.
  const customSections = new Map(shape.customSections);
  customSections.set(METERING_SECTION, [metered.content]);
  return {
    imports: shape.imports.map((i) => ({ ...i, module: worldInterface(i.module) ?? i.module })),
    exports: [...shape.exports, ...metered.addedExports.map((e) => ({ name: e.name, kind: descriptorKind(e.kind) }))],
    customSections,
  };
}
