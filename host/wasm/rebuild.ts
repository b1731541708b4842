import { concatBytes, encodeU32 } from "./encode.js";
import { SECTION_ORDER } from "./module.js";
import { CUSTOM_SECTION_ID, PREAMBLE_SIZE } from "./sections.js";
import type { Section } from "./types.js";

/**
 * Rebuild a module with some non-custom sections replaced (payload), removed
 * (null) or added (a payload for an id the module lacks, placed where the
 * section order requires), every other section copied as it was, and
 * `trailer` (whole encoded sections) appended.
 */
export function replaceSections(
  bytes: Uint8Array,
  sections: readonly Section[],
  replacements: ReadonlyMap<number, Uint8Array | null>,
  trailer: readonly Uint8Array[] = [],
): Uint8Array {
  const rank = (id: number) => SECTION_ORDER[id] ?? 0;
  const present = new Set(sections.map((s) => s.id));
  const pending = [...replacements.entries()]
    .filter(([id, payload]) => payload !== null && !present.has(id))
    .sort(([a], [b]) => rank(a) - rank(b)) as Array<[number, Uint8Array]>;
  const parts: Uint8Array[] = [bytes.subarray(0, PREAMBLE_SIZE)];
  for (const section of sections) {
    if (section.id !== CUSTOM_SECTION_ID) {
      while (pending.length > 0 && rank((pending[0] as [number, Uint8Array])[0]) < rank(section.id)) {
        const [id, payload] = pending.shift() as [number, Uint8Array];
        parts.push(sectionHeader(id, payload), payload);
      }
      if (replacements.has(section.id)) {
        const payload = replacements.get(section.id);
        if (payload) parts.push(sectionHeader(section.id, payload), payload);
        continue;
      }
    }
    parts.push(bytes.subarray(section.start, section.end));
  }
  for (const [id, payload] of pending) parts.push(sectionHeader(id, payload), payload);
  parts.push(...trailer);
  return concatBytes(parts);
}

/** A section's id and size; the payload follows as its own part, so a large payload is copied once. */
function sectionHeader(id: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.of(id, ...encodeU32(payload.length));
}
