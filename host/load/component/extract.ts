import { isSandprobeError, SandprobeError } from "../../errors.js";
import { bytesEqual } from "../../wasm/bytes.js";
import { readComponentLayout } from "../../wasm/component-layout.js";
import type { ComponentExtern, ComponentLayout, CoreModuleRange } from "../../wasm/component-types.js";
import { concatBytes, encodeCustomSection } from "../../wasm/encode.js";
import { parseModule, SectionId } from "../../wasm/module.js";
import { customSections } from "../../wasm/sections.js";
import type { ParsedModule, Section } from "../../wasm/types.js";
import { FAST_PATH_INTERFACES, STRING_FUNCTIONS } from "../../world/core-abi.js";
import { MANIFEST_SECTION, type StringEncoding } from "../../world/manifest.js";
import { worldInterface } from "../../world/names.js";

/** Where the probe manifest was found. */
export type ManifestSource = "core" | "component";

/** A component the fast path can run: its one real core module, and what surrounds it. */
export interface FastPathComponent {
  /**
   * The core module to run on the fast path. When the manifest sits only at
   * the component's top level, it is appended to these bytes as a
   * `wasi-observability` custom section, so a module loader finds it as usual.
   */
  readonly core: Uint8Array;
  /** `core`, parsed. */
  readonly module: ParsedModule;
  /** Where the core module sits in the component. */
  readonly coreRange: CoreModuleRange;
  /** The manifest section's content, or undefined when there is none. */
  readonly manifest: Uint8Array | undefined;
  /** How the component lowered strings (canon options); undefined when none cross. */
  readonly stringEncoding: "utf8" | "utf16" | undefined;
  readonly manifestSource: ManifestSource | undefined;
  /** The component's top-level imports and exports. */
  readonly imports: readonly ComponentExtern[];
  readonly exports: readonly ComponentExtern[];
  /**
   * Core modules skipped as wit-component glue (the indirect-call shim and its
   * fixup, which only exist to break the memory/realloc cycle when lowering).
   */
  readonly glueModules: number;
}

export interface ExtractOptions {
  /** The component's top-level sections, when already walked (by the signature check). */
  readonly sections?: readonly Section[];
  /**
   * Interfaces the core module may import (core import module names).
   * Default: FAST_PATH_INTERFACES (world/core-abi.ts).
   */
  readonly interfaces?: ReadonlySet<string>;
}

function unsupported(message: string, missing: string, detail: Record<string, unknown> = {}): never {
  throw new SandprobeError("E_COMPONENT_UNSUPPORTED", message, { missing, ...detail });
}

interface CoreModule {
  readonly range: CoreModuleRange;
  readonly module: ParsedModule;
}

function parseCore(bytes: Uint8Array, range: CoreModuleRange): CoreModule {
  try {
    return { range, module: parseModule(bytes.subarray(range.start, range.end)) };
  } catch (error) {
    if (!isSandprobeError(error)) throw error;
    const code = error.code === "E_MALFORMED" ? "E_MALFORMED" : "E_COMPONENT_UNSUPPORTED";
    const detail = { ...error.detail, module: range.index };
    throw new SandprobeError(code, `core module ${range.index} at byte ${range.start}: ${error.message}`, detail, {
      cause: error,
    });
  }
}

/**
 * wit-component glue: the indirect-call shim (a table and trampolines) and
 * its fixup (imports and an element segment) that `jco new` / `wasm-tools
 * component new` add when a lowered import needs the main module's memory or
 * realloc. Glue has no memory and no data; the fast path does not need it,
 * because the host lowers the imports itself.
 */
function isGlue(module: ParsedModule): boolean {
  return (
    module.memories.length === 0 &&
    !module.imports.some((i) => i.desc.kind === "memory") &&
    !module.sections.some((s) => s.id === SectionId.data || s.id === SectionId.start)
  );
}

function importSources(module: ParsedModule): string[] {
  return [...new Set(module.imports.map((i) => i.module))];
}

function pickMain(bytes: Uint8Array, layout: ComponentLayout): { main: CoreModule; glue: number } {
  if (layout.nestedComponents > 0) {
    unsupported(
      `the component nests ${layout.nestedComponents} component(s) (a composition); the fast path runs a component with one core module`,
      "single core module",
      { nestedComponents: layout.nestedComponents },
    );
  }
  if (layout.coreModules.length === 0) unsupported("the component embeds no core module", "core module");
  const modules = layout.coreModules.map((range) => parseCore(bytes, range));
  const mains = modules.filter((m) => !isGlue(m.module));
  if (mains.length === 0) {
    unsupported("no embedded core module has a memory: there is no probe to run", "core module with a memory");
  }
  if (mains.length > 1) {
    const described = mains.map((m) => `#${m.range.index} imports from [${importSources(m.module).join(", ")}]`);
    unsupported(
      `the component embeds ${mains.length} core modules with their own memory or data (${described.join("; ")}), e.g. a WASI preview1 adapter; the fast path runs exactly one`,
      "single core module",
      { modules: mains.map((m) => m.range.index) },
    );
  }
  return { main: mains[0] as CoreModule, glue: modules.length - 1 };
}

/** A world interface at any semver-compatible version counts as the world's own (names.ts). */
const interfaceOf = (name: string) => worldInterface(name) ?? name;

function checkImports(main: ParsedModule, layout: ComponentLayout, interfaces: ReadonlySet<string>): void {
  const instances = new Set(layout.imports.filter((i) => i.kind === "instance").map((i) => interfaceOf(i.name)));
  for (const imp of main.imports) {
    const where = `${imp.module}.${imp.name}`;
    if (imp.desc.kind !== "func") {
      unsupported(
        `the core module imports ${imp.desc.kind} ${where}, which only another core module can provide`,
        where,
      );
    }
    if (!instances.has(interfaceOf(imp.module))) {
      unsupported(
        `the core module imports ${where}, but the component imports no instance "${imp.module}" (it comes from another core module, e.g. an adapter)`,
        imp.module,
      );
    }
    if (!interfaces.has(interfaceOf(imp.module))) {
      unsupported(
        `the core module imports ${where}; the fast path provides only [${[...interfaces].join(", ")}]`,
        imp.module,
      );
    }
  }
}

/**
 * The string encoding the component lowered its core module with, read from
 * its canon options (a core module's signatures look the same for UTF-8 and
 * UTF-16). wit-component writes the option only where strings cross, and
 * omitted means UTF-8. The fast path runs UTF-16 and UTF-8; latin1+utf16 and
 * a mix of encodings are refused. Undefined when no string crosses.
 */
function canonEncoding(main: ParsedModule, layout: ComponentLayout): "utf8" | "utf16" | undefined {
  if (layout.otherCanon.length > 0) {
    const opcodes = layout.otherCanon.map((op) => `0x${op.toString(16)}`).join(", ");
    unsupported(
      `the component uses canon builtin(s) ${opcodes} (async, threads, ...), which the fast path does not run`,
      "canon builtin",
    );
  }
  const { utf8, utf16 } = layout.stringEncodings;
  const latin1 = layout.stringEncodings["latin1+utf16"];
  if (latin1 > 0 || (utf8 > 0 && utf16 > 0)) {
    const encoding = latin1 > 0 ? "latin1+utf16" : "mixed";
    unsupported(
      `the component lowers strings as ${encoding}; the fast path reads one encoding per probe, utf16 or utf8 (or run it with jco)`,
      "string-encoding=utf16 or utf8",
      { encoding },
    );
  }
  if (utf16 > 0) return "utf16";
  const stringImport = main.imports.find((i) => STRING_FUNCTIONS.has(`${interfaceOf(i.module)}#${i.name}`));
  return utf8 > 0 || stringImport ? "utf8" : undefined;
}

/**
 * Refuse a component whose canon options and manifest disagree on the string
 * encoding: the manifest says how the host reads the probe's strings.
 */
export function checkStringEncoding(component: FastPathComponent, declared: StringEncoding): void {
  const lowered = component.stringEncoding;
  if (lowered === undefined || lowered === declared) return;
  unsupported(
    `the component lowers strings as ${lowered} but its manifest declares ${declared}: set "stringEncoding": "${lowered}" in the manifest, or embed the world with string-encoding ${declared}`,
    `string-encoding=${declared}`,
    { encoding: lowered },
  );
}

/**
 * Find the single real core module in a component and return its bytes, so
 * the host can run a probe component on the fast path. Refuses, with
 * E_COMPONENT_UNSUPPORTED naming what is missing, components with no core
 * module, several (an adapter, a composition), or a core module importing
 * something the component does not import or the fast path does not provide.
 *
 * The manifest may sit in the core module (where `jco new` keeps it) or at
 * the component's top level (added after componentizing); both are accepted,
 * and when both are present they must be identical.
 */
export function extractCoreModule(bytes: Uint8Array, options: ExtractOptions = {}): FastPathComponent {
  const layout = readComponentLayout(bytes, options.sections);
  const { main, glue } = pickMain(bytes, layout);
  checkImports(main.module, layout, options.interfaces ?? FAST_PATH_INTERFACES);
  const stringEncoding = canonEncoding(main.module, layout);

  const inCore = customSections(main.module.bytes, main.module.sections, MANIFEST_SECTION);
  const atTop = layout.customSections.filter((s) => s.name === MANIFEST_SECTION).map((s) => s.content);
  if (inCore.length > 1 || atTop.length > 1) {
    throw new SandprobeError("E_MANIFEST", `more than one "${MANIFEST_SECTION}" section`);
  }
  const [coreManifest] = inCore;
  const [topManifest] = atTop;
  if (coreManifest && topManifest && !bytesEqual(coreManifest, topManifest)) {
    throw new SandprobeError(
      "E_MANIFEST",
      `the component's "${MANIFEST_SECTION}" section differs from its core module's; keep one, or make them equal`,
    );
  }
  let module = main.module;
  let manifestSource: ManifestSource | undefined = coreManifest ? "core" : undefined;
  if (!coreManifest && topManifest) {
    module = parseModule(concatBytes([module.bytes, encodeCustomSection(MANIFEST_SECTION, topManifest)]));
    manifestSource = "component";
  }
  return {
    core: module.bytes,
    module,
    coreRange: main.range,
    manifest: coreManifest ?? topManifest,
    manifestSource,
    stringEncoding,
    imports: layout.imports,
    exports: layout.exports,
    glueModules: glue,
  };
}
