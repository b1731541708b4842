import { SandprobeError } from "../errors.js";
import { parseModule } from "../wasm/module.js";
import { customSections } from "../wasm/sections.js";
import type { FuncType, ParsedModule } from "../wasm/types.js";
import { ALLOWED_IMPORTS, sameFuncType } from "../world/core-abi.js";
import { decodeManifest, type HookName, MANIFEST_SECTION, type Manifest } from "../world/manifest.js";

/** A module that passed every static check and may be compiled. */
export interface AdmittedProbe {
  readonly bytes: Uint8Array;
  readonly module: ParsedModule;
  readonly manifest: Manifest;
  /** Hooks the module exports with the right type. */
  readonly hooks: readonly HookName[];
}

const HOOK_TYPE: FuncType = { params: [], results: [] };
const REALLOC_TYPE: FuncType = { params: ["i32", "i32", "i32", "i32"], results: ["i32"] };

function describe(type: FuncType): string {
  return `(${type.params.join(" ")}) -> (${type.results.join(" ")})`;
}

/**
 * The verifier: decide from the bytes alone whether a probe may run, the way
 * the eBPF verifier refuses a program before it loads. Checks the manifest,
 * that every import is in the allowed set with the exact core signature and
 * the capability the manifest requests, and that the exports the host calls
 * exist with the right types.
 */
export function admitProbe(bytes: Uint8Array): AdmittedProbe {
  const module = parseModule(bytes);
  const sections = customSections(bytes, module.sections, MANIFEST_SECTION);
  if (sections.length === 0) {
    throw new SandprobeError(
      "E_MANIFEST",
      `no "${MANIFEST_SECTION}" custom section: build the probe with its manifest`,
    );
  }
  if (sections.length > 1) throw new SandprobeError("E_MANIFEST", `more than one "${MANIFEST_SECTION}" section`);
  const manifest = decodeManifest(sections[0] as Uint8Array);
  const probe = `${manifest.name}@${manifest.version}`;

  let needsRealloc = false;
  for (const imp of module.imports) {
    const where = `${imp.module}.${imp.name}`;
    const allowed = ALLOWED_IMPORTS.get(`${imp.module}#${imp.name}`);
    if (!allowed || imp.desc.kind !== "func") {
      throw new SandprobeError(
        "E_IMPORT_NOT_ALLOWED",
        `${probe} imports ${imp.desc.kind} ${where}, which is outside the probe world`,
        { probe: manifest.name, import: where },
      );
    }
    const declared = module.types[imp.desc.typeIndex] as FuncType;
    if (!sameFuncType(declared, allowed.type)) {
      throw new SandprobeError(
        "E_IMPORT_SIGNATURE",
        `${probe} imports ${where} as ${describe(declared)}, the probe world lowers it to ${describe(allowed.type)}`,
        { probe: manifest.name, import: where },
      );
    }
    if (allowed.capability && !manifest.capabilities.includes(allowed.capability)) {
      throw new SandprobeError(
        "E_IMPORT_NOT_ALLOWED",
        `${probe} imports ${where} without requesting the "${allowed.capability}" capability in its manifest`,
        { probe: manifest.name, import: where, capability: allowed.capability },
      );
    }
    needsRealloc ||= allowed.returnsString === true;
  }

  const exportType = (name: string): FuncType | undefined => {
    const exp = module.exports.find((e) => e.name === name);
    if (exp?.kind !== "func") return undefined;
    const importedFuncs = module.imports.filter((i) => i.desc.kind === "func").length;
    const typeIndex = module.functions[exp.index - importedFuncs];
    return typeIndex === undefined ? undefined : module.types[typeIndex];
  };

  const memory = module.exports.find((e) => e.name === "memory");
  if (module.imports.length > 0 && memory?.kind !== "memory") {
    throw new SandprobeError("E_EXPORT_MISSING", `${probe} does not export its memory as "memory"`, {
      probe: manifest.name,
    });
  }
  if (needsRealloc) {
    const realloc = exportType("cabi_realloc");
    if (!realloc || !sameFuncType(realloc, REALLOC_TYPE)) {
      throw new SandprobeError(
        "E_EXPORT_MISSING",
        `${probe} imports functions that return strings but does not export cabi_realloc ${describe(REALLOC_TYPE)}`,
        { probe: manifest.name },
      );
    }
  }
  for (const name of ["init", "request", "response"]) {
    const type = exportType(name);
    const exp = module.exports.find((e) => e.name === name);
    if (exp && (!type || !sameFuncType(type, HOOK_TYPE))) {
      throw new SandprobeError("E_EXPORT_MISSING", `${probe} exports "${name}" but not as a function () -> ()`, {
        probe: manifest.name,
      });
    }
  }
  const hooks = (["request", "response"] as const).filter((h) => exportType(h) !== undefined);
  for (const hook of manifest.hooks) {
    if (!hooks.includes(hook)) {
      throw new SandprobeError("E_EXPORT_MISSING", `${probe} declares hook "${hook}" but does not export it`, {
        probe: manifest.name,
      });
    }
  }
  return { bytes, module, manifest, hooks: manifest.hooks.length > 0 ? manifest.hooks : hooks };
}
