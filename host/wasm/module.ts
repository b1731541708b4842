import { SandprobeError } from "../errors.js";
import { ByteReader } from "./reader.js";
import { binaryKind, CUSTOM_SECTION_ID, readSections } from "./sections.js";
import type {
  Export,
  ExternKind,
  FuncType,
  Import,
  ImportDesc,
  Limits,
  ParsedModule,
  Section,
  ValType,
} from "./types.js";

export const SectionId = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/** Position of each known non-custom section in the order the spec requires. */
export const SECTION_ORDER: Readonly<Record<number, number>> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  13: 6,
  6: 7,
  7: 8,
  8: 9,
  9: 10,
  12: 11,
  10: 12,
  11: 13,
};

const VALTYPES: Record<number, ValType> = {
  127: "i32",
  126: "i64",
  125: "f32",
  124: "f64",
  123: "v128",
  112: "funcref",
  111: "externref",
};

const EXTERN_KINDS: readonly ExternKind[] = ["func", "table", "memory", "global", "tag"];

export function readValType(reader: ByteReader): ValType {
  const at = reader.pos;
  const byte = reader.u8();
  const type = VALTYPES[byte];
  if (type === undefined) {
    throw new SandprobeError("E_UNSUPPORTED", `value type 0x${byte.toString(16)} at byte ${at} is not supported`, {
      offset: at,
    });
  }
  return type;
}

function readLimits(reader: ByteReader, what: "memory" | "table"): Limits {
  const at = reader.pos;
  const flags = reader.u8();
  if (flags > 1) {
    const feature = flags & 0x02 ? "shared" : flags & 0x04 ? "64-bit" : "unknown";
    throw new SandprobeError(
      "E_UNSUPPORTED",
      `${feature} ${what} limits (flags 0x${flags.toString(16)}) at byte ${at}`,
      {
        offset: at,
      },
    );
  }
  const min = reader.u32();
  const max = flags === 1 ? reader.u32() : undefined;
  if (max !== undefined && max < min) reader.fail(`${what} maximum ${max} is below minimum ${min}`, at);
  return { min, max };
}

function readTypes(reader: ByteReader): FuncType[] {
  const count = reader.u32();
  const types: FuncType[] = [];
  for (let i = 0; i < count; i++) {
    const at = reader.pos;
    const form = reader.u8();
    if (form !== 0x60) {
      throw new SandprobeError(
        "E_UNSUPPORTED",
        `type form 0x${form.toString(16)} at byte ${at} (only function types)`,
        {
          offset: at,
        },
      );
    }
    const params = Array.from({ length: reader.u32() }, () => readValType(reader));
    const results = Array.from({ length: reader.u32() }, () => readValType(reader));
    types.push({ params, results });
  }
  return types;
}

function readImportDesc(reader: ByteReader): ImportDesc {
  const at = reader.pos;
  const kind = reader.u8();
  switch (kind) {
    case 0:
      return { kind: "func", typeIndex: reader.u32() };
    case 1: {
      const refType = readValType(reader);
      return { kind: "table", refType, limits: readLimits(reader, "table") };
    }
    case 2:
      return { kind: "memory", limits: readLimits(reader, "memory") };
    case 3: {
      const valType = readValType(reader);
      const mut = reader.u8();
      if (mut > 1) reader.fail("global mutability must be 0 or 1");
      return { kind: "global", valType, mutable: mut === 1 };
    }
    case 4: {
      if (reader.u8() !== 0) reader.fail("tag attribute must be 0");
      return { kind: "tag", typeIndex: reader.u32() };
    }
    default:
      return reader.fail(`unknown import kind ${kind}`, at);
  }
}

function readImports(reader: ByteReader): Import[] {
  return Array.from({ length: reader.u32() }, () => {
    const module = reader.name();
    const name = reader.name();
    return { module, name, desc: readImportDesc(reader) };
  });
}

/** The type index of each defined function (a loop: Array.from's generic path costs ~5x per entry). */
function readFunctions(reader: ByteReader): number[] {
  const count = reader.u32();
  const functions: number[] = [];
  for (let i = 0; i < count; i++) functions.push(reader.u32());
  return functions;
}

function readExports(reader: ByteReader): Export[] {
  const count = reader.u32();
  const exports: Export[] = [];
  const starts: number[] = [];
  for (let i = 0; i < count; i++) {
    starts.push(reader.pos);
    const name = reader.name();
    const kindByte = reader.u8();
    const kind = EXTERN_KINDS[kindByte];
    if (kind === undefined) reader.fail(`unknown export kind ${kindByte}`);
    exports.push({ name, kind, index: reader.u32() });
  }
  const duplicate = firstDuplicate(exports);
  if (duplicate !== undefined) {
    reader.fail(`duplicate export "${exports[duplicate]?.name}"`, starts[duplicate]);
  }
  return exports;
}

/**
 * The index of the first export whose name an earlier one already has.
 * Sorting a copy of the names finds whether there is one: with thousands of
 * exports a Set of them costs ~5x more per name (its table outgrows the caches).
 */
function firstDuplicate(exports: readonly Export[]): number | undefined {
  const sorted = exports.map((e) => e.name).sort();
  let found = false;
  for (let i = 1; i < sorted.length && !found; i++) found = sorted[i] === sorted[i - 1];
  if (!found) return undefined;
  const seen = new Set<string>();
  for (let i = 0; i < exports.length; i++) {
    const name = (exports[i] as Export).name;
    if (seen.has(name)) return i;
    seen.add(name);
  }
  return undefined;
}

/**
 * Parse a core WebAssembly module far enough to decide whether it may run:
 * section layout, types, imports, function and memory declarations, exports.
 * Code and data are left to WebAssembly.compile (and to the metering pass).
 * Malformed input throws E_MALFORMED; features we refuse throw E_UNSUPPORTED.
 */
/** Parse a core module; `sections` when its top-level sections were already walked (the signature check walks them first). */
export function parseModule(bytes: Uint8Array, walked?: readonly Section[]): ParsedModule {
  if (binaryKind(bytes) !== "module") {
    throw new SandprobeError("E_UNSUPPORTED", "this is a component, not a core module");
  }
  const sections = walked ?? readSections(bytes);
  let types: FuncType[] = [];
  let imports: Import[] = [];
  let functions: number[] = [];
  let memories: Limits[] = [];
  let exports: Export[] = [];
  let lastRank = 0;
  for (const section of sections) {
    if (section.id === CUSTOM_SECTION_ID) continue;
    const rank = SECTION_ORDER[section.id];
    if (rank === undefined)
      throw new SandprobeError("E_MALFORMED", `unknown section id ${section.id} at byte ${section.start}`);
    if (rank <= lastRank) {
      throw new SandprobeError(
        "E_MALFORMED",
        `section ${section.id} at byte ${section.start} is out of order or repeated`,
      );
    }
    lastRank = rank;
    const reader = new ByteReader(bytes, section.payloadStart, section.end);
    switch (section.id) {
      case SectionId.type:
        types = readTypes(reader);
        break;
      case SectionId.import:
        imports = readImports(reader);
        break;
      case SectionId.function:
        functions = readFunctions(reader);
        break;
      case SectionId.memory:
        memories = Array.from({ length: reader.u32() }, () => readLimits(reader, "memory"));
        break;
      case SectionId.export:
        exports = readExports(reader);
        break;
      default:
        continue;
    }
    reader.expectEnd(`section ${section.id}`);
  }
  checkIndices(types, imports, functions);
  return { bytes, kind: "module", sections, types, imports, functions, memories, exports };
}

function checkIndices(types: readonly FuncType[], imports: readonly Import[], functions: readonly number[]): void {
  for (const imp of imports) {
    if ((imp.desc.kind === "func" || imp.desc.kind === "tag") && imp.desc.typeIndex >= types.length) {
      throw new SandprobeError(
        "E_MALFORMED",
        `import ${imp.module}.${imp.name} names type ${imp.desc.typeIndex} of ${types.length}`,
      );
    }
  }
  for (const typeIndex of functions) {
    if (typeIndex >= types.length)
      throw new SandprobeError("E_MALFORMED", `function names type ${typeIndex} of ${types.length}`);
  }
}

/** The signature of function `index` (imports first, then defined functions). */
export function functionType(module: ParsedModule, index: number): FuncType | undefined {
  let seen = 0;
  for (const imp of module.imports) {
    if (imp.desc.kind !== "func") continue;
    if (seen === index) return module.types[imp.desc.typeIndex];
    seen++;
  }
  const defined = module.functions[index - seen];
  return defined === undefined ? undefined : module.types[defined];
}

/** Whether two function types are the same (same parameter and result types, in order). */
export function sameFuncType(a: FuncType, b: FuncType): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((t, i) => t === b.params[i]) &&
    a.results.every((t, i) => t === b.results[i])
  );
}

export type { Section };
