import { SandprobeError } from "../errors.js";
import { parseModule, sameFuncType } from "../wasm/module.js";
import { binaryKind, customSections } from "../wasm/sections.js";
import type { FuncType, ParsedModule, Section } from "../wasm/types.js";
import { coreImport, describeFuncType, HOOK_TYPE, REALLOC_TYPE } from "../world/core-abi.js";
import {
  type Capability,
  decodeManifest,
  MANIFEST_SECTION,
  type Manifest,
  stringEncodingOf,
} from "../world/manifest.js";
import { HOOK_NAMES, type HookName, MEMORY_EXPORT, PROBE_ENTRIES, REALLOC_EXPORT } from "../world/names.js";
import { checkStringEncoding, extractCoreModule } from "./component/extract.js";

/**
 * A probe whose provenance is settled: the manifest was read from signed
 * bytes (trust's VerifiedProbe fits), and `grants` say which capabilities
 * its imports may use.
 */
export interface ProbeToAdmit {
  readonly bytes: Uint8Array;
  /** Its top-level sections, already walked. */
  readonly sections: readonly Section[];
  readonly manifest: Manifest;
  readonly grants: { readonly capabilities: ReadonlySet<Capability> };
}

/** A probe that passed every static check and may be sandboxed and compiled. */
export interface AdmittedProbe {
  readonly manifest: Manifest;
  /** The core module the fast path runs (for a component: its one core module), parsed once. */
  readonly module: ParsedModule;
  /** Hooks it runs: the manifest's, else every hook it exports. */
  readonly hooks: readonly HookName[];
}

/**
 * The verifier: decide from the bytes alone whether a probe may run, the way
 * the eBPF verifier refuses a program before it loads. Checks that every
 * import is in the probe world's core ABI with the exact core signature and
 * a granted capability, and that the exports the host calls exist with the
 * right types. A component of our world is admitted as its one core module.
 *
 * Given plain bytes (tooling: `sandprobe inspect`, pack's checks, tests),
 * the manifest is read from them and every capability it asks for counts
 * as granted; the runtime admits only probes whose trust was decided first.
 */
export function admitProbe(probe: ProbeToAdmit | Uint8Array): AdmittedProbe {
  const bytes = probe instanceof Uint8Array ? probe : probe.bytes;
  let module: ParsedModule;
  let manifest: Manifest;
  if (binaryKind(bytes) === "component") {
    const extracted = extractCoreModule(bytes, probe instanceof Uint8Array ? {} : { sections: probe.sections });
    module = extracted.module;
    manifest =
      probe instanceof Uint8Array
        ? manifestOf(extracted.manifest === undefined ? [] : [extracted.manifest])
        : probe.manifest;
    checkStringEncoding(extracted, stringEncodingOf(manifest));
  } else {
    module = parseModule(bytes, probe instanceof Uint8Array ? undefined : probe.sections);
    manifest =
      probe instanceof Uint8Array
        ? manifestOf(customSections(bytes, module.sections, MANIFEST_SECTION))
        : probe.manifest;
  }
  const granted = probe instanceof Uint8Array ? new Set(manifest.capabilities) : probe.grants.capabilities;
  checkImports(module, manifest, granted);
  return { manifest, module, hooks: checkExports(module, manifest) };
}

function manifestOf(sections: readonly Uint8Array[]): Manifest {
  if (sections.length === 0) {
    throw new SandprobeError(
      "E_MANIFEST",
      `no "${MANIFEST_SECTION}" custom section: build the probe with its manifest`,
    );
  }
  if (sections.length > 1) throw new SandprobeError("E_MANIFEST", `more than one "${MANIFEST_SECTION}" section`);
  return decodeManifest(sections[0] as Uint8Array);
}

function checkImports(module: ParsedModule, manifest: Manifest, granted: ReadonlySet<Capability>): void {
  const probe = `${manifest.name}@${manifest.version}`;
  let needsRealloc = false;
  for (const imp of module.imports) {
    const where = `${imp.module}.${imp.name}`;
    const allowed = coreImport(imp.module, imp.name);
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
        `${probe} imports ${where} as ${describeFuncType(declared)}, the probe world lowers it to ${describeFuncType(allowed.type)}`,
        { probe: manifest.name, import: where },
      );
    }
    if (allowed.capability && !granted.has(allowed.capability)) {
      throw new SandprobeError(
        "E_IMPORT_NOT_ALLOWED",
        `${probe} imports ${where} without requesting the "${allowed.capability}" capability in its manifest`,
        { probe: manifest.name, import: where, capability: allowed.capability },
      );
    }
    needsRealloc ||= allowed.returnsString;
  }
  const memory = module.exports.find((e) => e.name === MEMORY_EXPORT);
  if (module.imports.length > 0 && memory?.kind !== "memory") {
    throw new SandprobeError("E_EXPORT_MISSING", `${probe} does not export its memory as "${MEMORY_EXPORT}"`, {
      probe: manifest.name,
    });
  }
  if (needsRealloc) {
    const realloc = exportType(module, REALLOC_EXPORT);
    if (!realloc || !sameFuncType(realloc, REALLOC_TYPE)) {
      throw new SandprobeError(
        "E_EXPORT_MISSING",
        `${probe} imports functions that return strings but does not export ${REALLOC_EXPORT} ${describeFuncType(REALLOC_TYPE)}`,
        { probe: manifest.name },
      );
    }
  }
}

/** The hooks the probe runs, after checking `init` and every hook it exports is () -> (). */
function checkExports(module: ParsedModule, manifest: Manifest): HookName[] {
  const probe = `${manifest.name}@${manifest.version}`;
  // Every entry the host calls, post-return functions included, is () -> ().
  for (const name of PROBE_ENTRIES) {
    const exported = module.exports.some((e) => e.name === name);
    const type = exportType(module, name);
    if (exported && (!type || !sameFuncType(type, HOOK_TYPE))) {
      throw new SandprobeError("E_EXPORT_MISSING", `${probe} exports "${name}" but not as a function () -> ()`, {
        probe: manifest.name,
      });
    }
  }
  const exported = HOOK_NAMES.filter((h) => exportType(module, h) !== undefined);
  for (const hook of manifest.hooks) {
    if (!exported.includes(hook)) {
      throw new SandprobeError("E_EXPORT_MISSING", `${probe} declares hook "${hook}" but does not export it`, {
        probe: manifest.name,
      });
    }
  }
  return manifest.hooks.length > 0 ? [...manifest.hooks] : exported;
}

/** The type of an exported function, undefined when `name` is not an exported function. */
function exportType(module: ParsedModule, name: string): FuncType | undefined {
  const exp = module.exports.find((e) => e.name === name);
  if (exp?.kind !== "func") return undefined;
  const importedFuncs = module.imports.filter((i) => i.desc.kind === "func").length;
  const typeIndex = module.functions[exp.index - importedFuncs];
  return typeIndex === undefined ? undefined : module.types[typeIndex];
}
