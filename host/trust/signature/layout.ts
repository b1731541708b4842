/**
 * Where the signature sits in a module or component, and the hashes of what
 * it covers: one running SHA-256 over every section after the signature
 * section, exactly as the bytes sit in the file, with one hash taken at the
 * end of each `signature_delimiter` section and one at the end of the file.
 */
import { SandprobeError } from "../../errors.js";
import { binaryKind, CUSTOM_SECTION_ID, PREAMBLE_SIZE, readSections } from "../../wasm/sections.js";
import type { BinaryKind, Section } from "../../wasm/types.js";
import { bufferSource } from "./bytes.js";
import { DELIMITER_SECTION, MAX_HASHES, SIGNATURE_SECTION } from "./format.js";

export interface SignedLayout {
  readonly kind: BinaryKind;
  readonly sections: readonly Section[];
  /** The embedded `signature` section, when it is the first section. */
  readonly signatureSection: Section | undefined;
  /** Index in `sections` of the first section the signature covers. */
  readonly firstCovered: number;
  /** Byte offset where the covered content starts. */
  readonly contentStart: number;
}

function isCustom(section: Section, name: string): boolean {
  return section.id === CUSTOM_SECTION_ID && section.name === name;
}

/**
 * Walk the sections and find the signature. With `detached`, the signature
 * comes from elsewhere and covers every section after the preamble (an
 * embedded signature section included, as wasmsign2 verifies it). A
 * `signature` section anywhere but first is E_MALFORMED.
 */
export function signedLayout(bytes: Uint8Array, detached = false): SignedLayout {
  const kind = binaryKind(bytes);
  const sections = readSections(bytes);
  const first = sections[0];
  const embedded = first !== undefined && isCustom(first, SIGNATURE_SECTION) ? first : undefined;
  for (let i = 1; i < sections.length; i++) {
    const section = sections[i] as Section;
    if (isCustom(section, SIGNATURE_SECTION)) {
      throw new SandprobeError(
        "E_MALFORMED",
        `a "signature" section at byte ${section.start} is not the first section: only the first one is a signature`,
        { offset: section.start },
      );
    }
  }
  if (detached || embedded === undefined) {
    return { kind, sections, signatureSection: embedded, firstCovered: 0, contentStart: PREAMBLE_SIZE };
  }
  return { kind, sections, signatureSection: embedded, firstCovered: 1, contentStart: embedded.end };
}

/**
 * The hashes of the covered content: SHA-256 of the content up to the end of
 * each delimiter, then of all of it when the last covered section is not a
 * delimiter. The last hash always covers every covered byte.
 */
export async function contentHashes(bytes: Uint8Array, layout: SignedLayout): Promise<Uint8Array[]> {
  const ends: number[] = [];
  let lastWasDelimiter = false;
  for (let i = layout.firstCovered; i < layout.sections.length; i++) {
    const section = layout.sections[i] as Section;
    lastWasDelimiter = isCustom(section, DELIMITER_SECTION);
    if (lastWasDelimiter) ends.push(section.end);
  }
  if (!lastWasDelimiter) ends.push(bytes.length);
  if (ends.length > MAX_HASHES) {
    throw new SandprobeError("E_MALFORMED", `${ends.length - 1} signature delimiters (limit ${MAX_HASHES})`);
  }
  // WebCrypto has no incremental digest: the running hash at each delimiter is the digest of that prefix.
  const source = bufferSource(bytes);
  const digests = ends.map((end) => crypto.subtle.digest("SHA-256", source.subarray(layout.contentStart, end)));
  return (await Promise.all(digests)).map((d) => new Uint8Array(d));
}

/** Only the last hash (all signed content): one digest, whatever the number of delimiters. */
export async function fullContentHash(bytes: Uint8Array, layout: SignedLayout): Promise<Uint8Array> {
  const digest = await crypto.subtle.digest("SHA-256", bufferSource(bytes).subarray(layout.contentStart));
  return new Uint8Array(digest);
}
