/** Shapes the component reader produces. Offsets are byte positions in the input. */

/** What a top-level import or export of a component is. */
export type ComponentExternKind = "module" | "func" | "value" | "type" | "component" | "instance";

/** One top-level import or export of a component, as far as it is cheap to read. */
export interface ComponentExtern {
  /** The extern name, e.g. "sandprobe:probe/trace@0.1.0" or "response". */
  readonly name: string;
  readonly kind: ComponentExternKind;
}

export type StringEncoding = "utf8" | "utf16" | "latin1+utf16";

/** One embedded core module: where its bytes sit in the component. */
export interface CoreModuleRange {
  /** Index in the component's core module index space (order of appearance). */
  readonly index: number;
  /** Offset of the module's first byte (its `\0asm` preamble). */
  readonly start: number;
  /** Offset just past the module. */
  readonly end: number;
}

/** The top-level layout of a component. */
export interface ComponentLayout {
  readonly coreModules: readonly CoreModuleRange[];
  /** Nested components (section 4): a composed component. */
  readonly nestedComponents: number;
  readonly imports: readonly ComponentExtern[];
  readonly exports: readonly ComponentExtern[];
  /** How many `canon lift`/`canon lower` entries name each string encoding explicitly. */
  readonly stringEncodings: Readonly<Record<StringEncoding, number>>;
  /** Opcodes of canon builtins other than lift, lower and resource.* (async, threads, ...). */
  readonly otherCanon: readonly number[];
  /** Top-level custom sections: name and content (after the name). */
  readonly customSections: readonly { readonly name: string; readonly content: Uint8Array }[];
}

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
  /** Where the core module sits in the component. */
  readonly coreRange: CoreModuleRange;
  /** The manifest section's content, or undefined when there is none. */
  readonly manifest: Uint8Array | undefined;
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
