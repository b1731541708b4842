import { SandprobeError } from "../errors.js";
import type {
  ComponentExtern,
  ComponentExternKind,
  ComponentLayout,
  CoreModuleRange,
  StringEncoding,
} from "./component-types.js";
import { ByteReader } from "./reader.js";
import { binaryKind, CUSTOM_SECTION_ID, readSections } from "./sections.js";
import type { Section } from "./types.js";

/** Section ids of the component binary format (component-model design/mvp/Binary.md). */
export const ComponentSectionId = {
  custom: 0,
  coreModule: 1,
  coreInstance: 2,
  coreType: 3,
  component: 4,
  instance: 5,
  alias: 6,
  type: 7,
  canon: 8,
  start: 9,
  import: 10,
  export: 11,
  value: 12,
} as const;

const EXTERN_KINDS: Record<number, ComponentExternKind> = {
  0: "module",
  1: "func",
  2: "value",
  3: "type",
  4: "component",
  5: "instance",
};

/** Core sorts that may follow the 0x00 sort byte in a `sortidx`. */
const CORE_SORTS = new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x12]);

/** More entries than this in one import/export section is not a probe. */
const MAX_EXTERNS = 10_000;

/**
 * `nameattributes`: 0x00/0x01 name, or 0x02 name followed by attributes
 * (implements, versionsuffix, external-id). Only the name is kept.
 */
function readExternName(reader: ByteReader): string {
  const at = reader.pos;
  const tag = reader.u8();
  if (tag === 0x00 || tag === 0x01) return reader.name();
  if (tag !== 0x02) return reader.fail(`unknown extern name form 0x${tag.toString(16)}`, at);
  const name = reader.name();
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    const kind = reader.u8();
    if (kind > 0x02) reader.fail(`unknown name attribute 0x${kind.toString(16)}`);
    reader.name();
  }
  return name;
}

/** `externtype`: read and discard its type index or bound; return the kind. */
function readExternType(reader: ByteReader): ComponentExternKind {
  const at = reader.pos;
  const tag = reader.u8();
  const kind = EXTERN_KINDS[tag];
  if (kind === undefined) return reader.fail(`unknown extern type 0x${tag.toString(16)}`, at);
  switch (kind) {
    case "module":
      if (reader.u8() !== 0x11) reader.fail("core module extern type must be 0x00 0x11", at);
      reader.u32();
      break;
    case "value": {
      const bound = reader.u8();
      if (bound === 0x00) reader.u32();
      else if (bound === 0x01) reader.sleb(33);
      else reader.fail(`unknown value bound 0x${bound.toString(16)}`, at);
      break;
    }
    case "type": {
      const bound = reader.u8();
      if (bound === 0x00) reader.u32();
      else if (bound !== 0x01) reader.fail(`unknown type bound 0x${bound.toString(16)}`, at);
      break;
    }
    default:
      reader.u32();
  }
  return kind;
}

const ENCODINGS: Record<number, StringEncoding> = { 0: "utf8", 1: "utf16", 2: "latin1+utf16" };

/** `opts`: count explicit string encodings; skip memory/realloc/post-return/callback indices. */
function readCanonOptions(reader: ByteReader, encodings: Record<StringEncoding, number>): void {
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    const at = reader.pos;
    const option = reader.u8();
    const encoding = ENCODINGS[option];
    if (encoding) encodings[encoding]++;
    else if (option >= 0x03 && option <= 0x05) reader.u32();
    else if (option === 0x07) reader.u32();
    else if (option !== 0x06) reader.fail(`unknown canon option 0x${option.toString(16)}`, at);
  }
}

/**
 * The canon section: lift and lower entries (their string encodings) and
 * resource.new/drop/rep. Any other builtin (async, threads, ...) is recorded
 * and ends the walk of this section, since the fast path runs none of them.
 */
function readCanon(reader: ByteReader, encodings: Record<StringEncoding, number>, other: number[]): void {
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    const at = reader.pos;
    const opcode = reader.u8();
    if (opcode === 0x00 || opcode === 0x01) {
      if (reader.u8() !== 0x00) reader.fail("canon lift/lower must be followed by 0x00", at);
      reader.u32();
      readCanonOptions(reader, encodings);
      if (opcode === 0x00) reader.u32();
    } else if (opcode >= 0x02 && opcode <= 0x04) {
      reader.u32();
    } else {
      other.push(opcode);
      reader.pos = reader.end;
      return;
    }
  }
}

function readImports(reader: ByteReader): ComponentExtern[] {
  const count = reader.u32();
  if (count > MAX_EXTERNS) reader.fail(`${count} imports`);
  const out: ComponentExtern[] = [];
  for (let i = 0; i < count; i++) {
    const name = readExternName(reader);
    out.push({ name, kind: readExternType(reader) });
  }
  return out;
}

function readExports(reader: ByteReader): ComponentExtern[] {
  const count = reader.u32();
  if (count > MAX_EXTERNS) reader.fail(`${count} exports`);
  const out: ComponentExtern[] = [];
  for (let i = 0; i < count; i++) {
    const name = readExternName(reader);
    const at = reader.pos;
    const sort = reader.u8();
    let kind: ComponentExternKind | undefined;
    if (sort === 0x00) {
      const core = reader.u8();
      if (!CORE_SORTS.has(core)) reader.fail(`unknown core sort 0x${core.toString(16)}`, at);
      kind = "module";
    } else {
      kind = EXTERN_KINDS[sort];
      if (kind === undefined) reader.fail(`unknown sort 0x${sort.toString(16)}`, at);
    }
    reader.u32();
    // An optional ascribed type: 0x00 none, 0x01 externtype.
    const ascribed = reader.u8();
    if (ascribed === 0x01) readExternType(reader);
    else if (ascribed !== 0x00) reader.fail(`bad export type marker 0x${ascribed.toString(16)}`);
    out.push({ name, kind: kind as ComponentExternKind });
  }
  return out;
}

/**
 * Walk the top-level sections of a component: where each core module sits,
 * how many nested components there are, the import and export names, and the
 * custom sections. Type, alias, canon and instance sections are not decoded.
 * Malformed input throws E_MALFORMED; a core module throws E_UNSUPPORTED.
 */
/** `sections`: the top-level sections when already walked (the signature check walks them first). */
export function readComponentLayout(
  bytes: Uint8Array,
  sections: readonly Section[] = readSections(bytes),
): ComponentLayout {
  if (binaryKind(bytes) !== "component") {
    throw new SandprobeError("E_UNSUPPORTED", "this is a core module, not a component");
  }
  const coreModules: CoreModuleRange[] = [];
  const imports: ComponentExtern[] = [];
  const exports: ComponentExtern[] = [];
  const customSections: { name: string; content: Uint8Array }[] = [];
  let nestedComponents = 0;
  const stringEncodings: Record<StringEncoding, number> = { utf8: 0, utf16: 0, "latin1+utf16": 0 };
  const otherCanon: number[] = [];
  for (const section of sections) {
    const reader = new ByteReader(bytes, section.payloadStart, section.end);
    switch (section.id) {
      case CUSTOM_SECTION_ID:
        customSections.push({
          name: section.name as string,
          content: bytes.subarray(section.contentStart as number, section.end),
        });
        continue;
      case ComponentSectionId.coreModule:
        coreModules.push({ index: coreModules.length, start: section.payloadStart, end: section.end });
        continue;
      case ComponentSectionId.component:
        nestedComponents++;
        continue;
      case ComponentSectionId.import:
        imports.push(...readImports(reader));
        break;
      case ComponentSectionId.export:
        exports.push(...readExports(reader));
        break;
      case ComponentSectionId.canon:
        readCanon(reader, stringEncodings, otherCanon);
        break;
      default:
        if (section.id > ComponentSectionId.value) {
          throw new SandprobeError(
            "E_MALFORMED",
            `unknown component section id ${section.id} at byte ${section.start}`,
            {
              offset: section.start,
            },
          );
        }
        continue;
    }
    reader.expectEnd(`component section ${section.id}`);
  }
  return { coreModules, nestedComponents, imports, exports, stringEncodings, otherCanon, customSections };
}
