import { concatBytes, encodeName, encodeSection, encodeU32 } from "../../host/wasm/encode.js";

/** Hand-made binaries for component tests: the smallest shapes that exercise one rule each. */

export const MODULE_PREAMBLE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
export const COMPONENT_PREAMBLE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00);

function vec(items: readonly Uint8Array[]): Uint8Array {
  return concatBytes([Uint8Array.from(encodeU32(items.length)), ...items]);
}

/** A core module with one function type () -> (), the given function imports, and optionally a memory. */
export function coreModule(options: { imports?: readonly [string, string][]; memory?: boolean } = {}): Uint8Array {
  const sections = [encodeSection(1, vec([Uint8Array.of(0x60, 0x00, 0x00)]))];
  const imports = options.imports ?? [];
  if (imports.length > 0) {
    const entries = imports.map(([module, name]) =>
      concatBytes([encodeName(module), encodeName(name), Uint8Array.of(0x00, 0x00)]),
    );
    sections.push(encodeSection(2, vec(entries)));
  }
  if (options.memory) sections.push(encodeSection(5, vec([Uint8Array.of(0x00, 0x01)])));
  return concatBytes([MODULE_PREAMBLE, ...sections]);
}

/** A component section embedding a core module. */
export function coreModuleSection(module: Uint8Array): Uint8Array {
  return encodeSection(1, module);
}

/** A component import section of instance imports (type index 0 each; types are not checked by the reader). */
export function instanceImports(names: readonly string[]): Uint8Array {
  return encodeSection(
    10,
    vec(names.map((name) => concatBytes([Uint8Array.of(0x00), encodeName(name), Uint8Array.of(0x05, 0x00)]))),
  );
}

export function component(sections: readonly Uint8Array[]): Uint8Array {
  return concatBytes([COMPONENT_PREAMBLE, ...sections]);
}
