/** Shapes the parser produces. Offsets are byte positions in the input. */

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface Limits {
  readonly min: number;
  readonly max: number | undefined;
}

export type ExternKind = "func" | "table" | "memory" | "global" | "tag";

export type ImportDesc =
  | { readonly kind: "func"; readonly typeIndex: number }
  | { readonly kind: "table"; readonly refType: ValType; readonly limits: Limits }
  | { readonly kind: "memory"; readonly limits: Limits }
  | { readonly kind: "global"; readonly valType: ValType; readonly mutable: boolean }
  | { readonly kind: "tag"; readonly typeIndex: number };

export interface Import {
  readonly module: string;
  readonly name: string;
  readonly desc: ImportDesc;
}

export interface Export {
  readonly name: string;
  readonly kind: ExternKind;
  readonly index: number;
}

/** One top-level section exactly as it sits in the file. */
export interface Section {
  readonly id: number;
  /** Offset of the section id byte. */
  readonly start: number;
  /** Offset of the first payload byte (after the size LEB). */
  readonly payloadStart: number;
  /** Offset just past the payload. */
  readonly end: number;
  /** Custom sections only: the section name. */
  readonly name?: string;
  /** Custom sections only: offset of the bytes after the name. */
  readonly contentStart?: number;
}

export type BinaryKind = "module" | "component";

export interface ParsedModule {
  readonly bytes: Uint8Array;
  readonly kind: "module";
  readonly sections: readonly Section[];
  readonly types: readonly FuncType[];
  readonly imports: readonly Import[];
  /** Type index of every function the module defines (not imported ones). */
  readonly functions: readonly number[];
  readonly memories: readonly Limits[];
  readonly exports: readonly Export[];
}
