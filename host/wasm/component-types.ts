/** Shapes the component reader produces. Offsets are byte positions in the input. */

/** What a top-level import or export of a component is. */
export type ComponentExternKind = "module" | "func" | "value" | "type" | "component" | "instance";

/** One top-level import or export of a component, as far as it is cheap to read. */
export interface ComponentExtern {
  /** The extern name, e.g. an interface name or "response". */
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
