import { replaceSections } from "../wasm/rebuild.js";
import type { ParsedModule } from "../wasm/types.js";
import { coreImport } from "../world/core-abi.js";
import type { HostLimits } from "../world/limits.js";
import { PROBE_ENTRIES, worldInterface } from "../world/names.js";
import { F64_TWIN_SUFFIX, planI64Lowering } from "./lower-i64.js";
import {
  METERING_SECTION,
  type MeteringInfo,
  memoryMaxPages,
  meteredInterface,
  meterReplacements,
} from "./meter/index.js";
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
 * cap memories and tables, meter the code of `init` and the hooks, and
 * call the imports that take or return a 64-bit integer through their f64
 * twins (lower-i64.ts), in one rebuild. A pure function of its inputs, so a
 * deploy step can run it ahead of time and ship the result precompiled.
 */
export function sandboxModule(module: ParsedModule, limits: HostLimits): SandboxedModule {
  const facts = scanModule(module);
  const lowering = planI64Lowering(module, facts);
  const resources = resourceReplacements(module, limits, lowering);
  const reentrant = reentrantImports(module);
  const metering = meterReplacements(
    module,
    { entries: PROBE_ENTRIES, lowering, reentrant, memoryMaxPages: memoryMaxPages(module, limits.memoryPages) },
    facts,
  );
  const replacements = new Map<number, Uint8Array | null>([...resources, ...metering.replacements]);
  return {
    bytes: replaceSections(module.bytes, module.sections, replacements, metering.trailer),
    metering: metering.info,
  };
}

/**
 * Per imported function, 1 when the host calls back into the probe while it
 * runs: the world's functions that return a string through `cabi_realloc`
 * (and, to be safe, anything outside the world, which admission refuses
 * anyway). What metering needs to see recursion through the host.
 */
export function reentrantImports(module: ParsedModule): Uint8Array {
  const functions = module.imports.filter((i) => i.desc.kind === "func");
  return Uint8Array.from(functions, (i) => (coreImport(i.module, i.name)?.returnsString === false ? 0 : 1));
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
  // The index checks metering makes before it reads code (exports, start, elements, body count).
  const facts = scanModule(module);
  const lowering = planI64Lowering(module, facts);
  resourceReplacements(module, limits, lowering);
  const metered = meteredInterface(module, { entries: PROBE_ENTRIES });
  const shape = shapeOfModule(module);
  // Limiting links world interfaces under the world's own version and changes no export;
  // lowering renames imports to their twins; metering appends its exports and its section.
  const customSections = new Map(shape.customSections);
  customSections.set(METERING_SECTION, [metered.content]);
  let func = 0;
  return {
    imports: shape.imports.map((i) => {
      const twin = i.kind === "function" && (lowering.twinType[func++] as number) >= 0;
      return { ...i, module: worldInterface(i.module) ?? i.module, name: twin ? i.name + F64_TWIN_SUFFIX : i.name };
    }),
    exports: [...shape.exports, ...metered.addedExports.map((e) => ({ name: e.name, kind: descriptorKind(e.kind) }))],
    customSections,
  };
}
