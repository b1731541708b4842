export { concatBytes, encodeCustomSection, encodeName, encodeSection, encodeU32 } from "./encode.js";
export { functionType, parseModule, readValType, SectionId } from "./module.js";
export { ByteReader } from "./reader.js";
export { binaryKind, customSections, PREAMBLE_SIZE, readSections } from "./sections.js";
export type * from "./types.js";
