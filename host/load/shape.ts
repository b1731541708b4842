/**
 * What can be checked about a precompiled WebAssembly.Module when its bytes
 * are out of reach (workerd hands `.wasm` imports over compiled, and offers
 * no way back to the bytes): its imports and exports, in order, and the
 * content of custom sections by name. The expectation comes from the
 * verified bytes of the same probe.
 *
 * This cannot prove the code is the verified code: a module with the same
 * imports, exports and custom sections but other function bodies passes.
 * docs/edge.md says who could ship such a module and what it would get.
 */
import { SandprobeError } from "../errors.js";
import { bytesEqual } from "../wasm/bytes.js";
import { parseModule } from "../wasm/module.js";
import { CUSTOM_SECTION_ID } from "../wasm/sections.js";
import type { ExternKind, ParsedModule } from "../wasm/types.js";

type DescriptorKind = WebAssembly.ImportExportKind | "tag";

export interface ModuleShape {
  readonly imports: readonly { readonly module: string; readonly name: string; readonly kind: DescriptorKind }[];
  readonly exports: readonly { readonly name: string; readonly kind: DescriptorKind }[];
  /** Every custom section's content, by section name, in file order. */
  readonly customSections: ReadonlyMap<string, readonly Uint8Array[]>;
}

const KIND: Record<ExternKind, DescriptorKind> = {
  func: "function",
  table: "table",
  memory: "memory",
  global: "global",
  tag: "tag",
};

/** How the WebAssembly JS API names an import's or export's kind. */
export function descriptorKind(kind: ExternKind): DescriptorKind {
  return KIND[kind];
}

/** The shape of a module as its bytes describe it (our own parser, no compilation). */
export function shapeOfBytes(bytes: Uint8Array): ModuleShape {
  return shapeOfModule(parseModule(bytes));
}

/** The shape of a parsed module. */
export function shapeOfModule(module: ParsedModule): ModuleShape {
  const bytes = module.bytes;
  const customSections = new Map<string, Uint8Array[]>();
  for (const section of module.sections) {
    if (section.id !== CUSTOM_SECTION_ID || section.name === undefined) continue;
    const list = customSections.get(section.name) ?? [];
    list.push(bytes.subarray(section.contentStart as number, section.end));
    customSections.set(section.name, list);
  }
  return {
    imports: module.imports.map((i) => ({ module: i.module, name: i.name, kind: descriptorKind(i.desc.kind) })),
    exports: module.exports.map((e) => ({ name: e.name, kind: descriptorKind(e.kind) })),
    customSections,
  };
}

function list(items: readonly { readonly name: string; readonly kind: string; readonly module?: string }[]): string {
  return items.map((i) => `${i.module === undefined ? "" : `${i.module}.`}${i.name}:${i.kind}`).join(", ");
}

/**
 * Throws E_MODULE_MISMATCH unless `module` has exactly the imports and
 * exports of `expected` (same order, names and kinds) and, for every custom
 * section name in `expected`, exactly the same sections with the same bytes
 * (the signature section included, which ties the module to the signature
 * that was verified). Custom sections the module has beyond those cannot be
 * listed through the WebAssembly JS API and are not checked; they do not run.
 */
export function checkModuleShape(module: WebAssembly.Module, expected: ModuleShape, probe: string): void {
  const fail = (what: string): never => {
    throw new SandprobeError(
      "E_MODULE_MISMATCH",
      `the precompiled module of probe "${probe}" is not the verified probe: ${what}; pack the worker again`,
      { probe },
    );
  };
  if (!(module instanceof WebAssembly.Module)) fail("it is not a WebAssembly.Module");
  const imports = WebAssembly.Module.imports(module);
  const sameImports =
    imports.length === expected.imports.length &&
    imports.every((imp, i) => {
      const want = expected.imports[i];
      return want !== undefined && imp.module === want.module && imp.name === want.name && imp.kind === want.kind;
    });
  if (!sameImports) fail(`imports are [${list(imports)}], the verified probe's are [${list(expected.imports)}]`);
  const exports = WebAssembly.Module.exports(module);
  const sameExports =
    exports.length === expected.exports.length &&
    exports.every((exp, i) => {
      const want = expected.exports[i];
      return want !== undefined && exp.name === want.name && exp.kind === want.kind;
    });
  if (!sameExports) fail(`exports are [${list(exports)}], the verified probe's are [${list(expected.exports)}]`);
  for (const [name, contents] of expected.customSections) {
    const found = WebAssembly.Module.customSections(module, name);
    if (found.length !== contents.length) {
      fail(`it has ${found.length} "${name}" custom section(s), the verified probe ${contents.length}`);
    }
    for (let i = 0; i < contents.length; i++) {
      if (!bytesEqual(new Uint8Array(found[i] as ArrayBuffer), contents[i] as Uint8Array))
        fail(`its "${name}" custom section differs`);
    }
  }
}
