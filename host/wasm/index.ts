export {
  concatBytes,
  encodeCustomSection,
  encodeName,
  encodeS32,
  encodeS64,
  encodeSection,
  encodeU32,
} from "./encode.js";
export { functionType, parseModule, readValType, SECTION_ORDER, SectionId, sameFuncType } from "./module.js";
export type { ImmKind, OpcodeInfo } from "./opcodes.js";
export { EMPTY_BLOCK_TYPE, Imm, InstructionReader, MISC_PREFIX, OPCODES, Op, opcodeInfo } from "./opcodes.js";
export { ByteReader } from "./reader.js";
export { replaceSections } from "./rebuild.js";
export { binaryKind, customSections, PREAMBLE_SIZE, readSections } from "./sections.js";
export type * from "./types.js";
export { ByteWriter } from "./writer.js";
