import { SandprobeError } from "../errors.js";
import { ByteReader } from "./reader.js";
import type { BinaryKind, Section } from "./types.js";

export const MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;
/** Layer/version words after the magic: core module 1, component 0x0d/layer 1. */
const MODULE_VERSION = [0x01, 0x00, 0x00, 0x00] as const;
const COMPONENT_VERSION = [0x0d, 0x00, 0x01, 0x00] as const;

export const PREAMBLE_SIZE = 8;
export const CUSTOM_SECTION_ID = 0;

/** Whether the bytes start with a module or a component preamble. */
export function binaryKind(bytes: Uint8Array): BinaryKind {
  if (bytes.length < PREAMBLE_SIZE) {
    throw new SandprobeError("E_MALFORMED", `${bytes.length} bytes is shorter than the 8-byte preamble`, { offset: 0 });
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i]) throw new SandprobeError("E_MALFORMED", "missing \\0asm magic", { offset: i });
  }
  const matches = (want: readonly number[]) => want.every((b, i) => bytes[4 + i] === b);
  if (matches(MODULE_VERSION)) return "module";
  if (matches(COMPONENT_VERSION)) return "component";
  throw new SandprobeError("E_MALFORMED", "unknown WebAssembly version/layer", { offset: 4 });
}

/**
 * Walk the top-level sections of a module or component, recording where each
 * one sits. Sizes are checked against the file; section bodies are not parsed.
 */
export function readSections(bytes: Uint8Array): Section[] {
  binaryKind(bytes);
  const reader = new ByteReader(bytes, PREAMBLE_SIZE);
  const sections: Section[] = [];
  while (reader.remaining > 0) {
    const start = reader.pos;
    const id = reader.u8();
    const size = reader.u32();
    const payloadStart = reader.pos;
    if (size > reader.remaining) reader.fail(`section ${id} of ${size} bytes runs past the end`, start);
    const end = payloadStart + size;
    if (id === CUSTOM_SECTION_ID) {
      const inner = new ByteReader(bytes, payloadStart, end);
      const name = inner.name();
      sections.push({ id, start, payloadStart, end, name, contentStart: inner.pos });
    } else {
      sections.push({ id, start, payloadStart, end });
    }
    reader.pos = end;
  }
  return sections;
}

/** The content (after the name) of every custom section with this name, in order. */
export function customSections(bytes: Uint8Array, sections: readonly Section[], name: string): Uint8Array[] {
  return sections
    .filter((s) => s.id === CUSTOM_SECTION_ID && s.name === name)
    .map((s) => bytes.subarray(s.contentStart as number, s.end));
}
