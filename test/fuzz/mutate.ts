/**
 * Mutations of WebAssembly files, byte-level and structured, driven by a
 * seeded generator so any input can be rebuilt from (seed, index).
 */
import { SIGNATURE_SECTION } from "../../host/trust/signature/format.js";
import { concatBytes, encodeCustomSection, encodeU32 } from "../../host/wasm/encode.js";
import { CUSTOM_SECTION_ID, PREAMBLE_SIZE, readSections } from "../../host/wasm/sections.js";
import type { Section } from "../../host/wasm/types.js";
import { MANIFEST_SECTION } from "../../host/world/manifest.js";

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
}

const PREAMBLE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
const encoder = new TextEncoder();

function sectionsOf(bytes: Uint8Array): Section[] | undefined {
  try {
    return readSections(bytes);
  } catch {
    return undefined;
  }
}

function raw(bytes: Uint8Array, section: Section): Uint8Array {
  return bytes.subarray(section.start, section.end);
}

function rebuild(bytes: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  return concatBytes([bytes.subarray(0, PREAMBLE_SIZE), ...parts]);
}

/** A section with its payload start, for rewriting its header. */
function payloadStart(bytes: Uint8Array, section: Section): number {
  let pos = section.start + 1;
  while ((bytes[pos] as number) & 0x80) pos++;
  return pos + 1;
}

function withSection(id: number, payload: Uint8Array, claimedSize = payload.length): Uint8Array {
  return concatBytes([Uint8Array.of(id), Uint8Array.from(encodeU32(claimedSize)), payload]);
}

function isSignature(s: Section): boolean {
  return s.id === CUSTOM_SECTION_ID && s.name === SIGNATURE_SECTION;
}

function deepJson(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

/** Manifest texts that a decoder must refuse (or bound) without falling over. */
function hostileManifest(random: Random): Uint8Array {
  switch (random.int(8)) {
    case 0:
      return random.bytes(random.int(512));
    case 1:
      return encoder.encode('{"name": "latency", "version": "1.0.0", "capabilities": [');
    case 2:
      return encoder.encode(JSON.stringify({ name: 5, version: {}, capabilities: "clock", limits: [] }));
    case 3:
      return encoder.encode(JSON.stringify({ name: "x".repeat(1 << 20), version: "1.0.0", capabilities: [] }));
    case 4:
      return encoder.encode(deepJson(10_000 + random.int(100_000)));
    case 5:
      return encoder.encode(
        JSON.stringify({
          name: "latency",
          version: "1.0.0",
          capabilities: Array.from({ length: 100_000 }, (_, i) => `cap-${i}`),
        }),
      );
    case 6:
      return encoder.encode(`{"name":"latency","version":"1.0.0","capabilities":[],"limits":${deepJson(5000)}}`);
    default:
      return encoder.encode('{"__proto__": {"polluted": true}, "name": "latency", "version": "1.0.0"}');
  }
}

export type MutationName =
  | "random-bytes"
  | "random-module"
  | "bit-flips"
  | "insert"
  | "delete"
  | "truncate"
  | "leb-length"
  | "section-order"
  | "huge-count"
  | "huge-custom-name"
  | "duplicate-signature"
  | "misplaced-signature"
  | "manifest";

export const MUTATIONS: readonly MutationName[] = [
  "random-bytes",
  "random-module",
  "bit-flips",
  "insert",
  "delete",
  "truncate",
  "leb-length",
  "section-order",
  "huge-count",
  "huge-custom-name",
  "duplicate-signature",
  "misplaced-signature",
  "manifest",
];

/**
 * Apply `name` to `bytes` (a copy is returned; the input is not changed).
 * Structured mutations that do not apply (no sections to reorder, no
 * signature to duplicate) fall back to a bit flip.
 */
export function mutate(name: MutationName, bytes: Uint8Array, random: Random): Uint8Array {
  const out = bytes.slice();
  switch (name) {
    case "random-bytes":
      return random.bytes(random.int(2048));
    case "random-module":
      return concatBytes([PREAMBLE, random.bytes(random.int(2048))]);
    case "bit-flips": {
      const flips = 1 + random.int(16);
      for (let i = 0; i < flips && out.length > 0; i++) {
        const at = random.int(out.length);
        out[at] = (out[at] as number) ^ (1 << random.int(8));
      }
      return out;
    }
    case "insert": {
      const at = random.int(out.length + 1);
      return concatBytes([out.subarray(0, at), random.bytes(1 + random.int(64)), out.subarray(at)]);
    }
    case "delete": {
      const at = random.int(out.length);
      const length = 1 + random.int(256);
      return concatBytes([out.subarray(0, at), out.subarray(Math.min(out.length, at + length))]);
    }
    case "truncate":
      return out.subarray(0, random.int(out.length));
  }
  const sections = sectionsOf(out);
  if (sections === undefined || sections.length === 0) return mutate("bit-flips", out, random);
  switch (name) {
    case "leb-length": {
      // The size field of one section says something else than its payload.
      const target = random.pick(sections);
      const payload = out.subarray(payloadStart(out, target), target.end);
      const claimed = random.pick([0, payload.length - 1, payload.length + 1, 0xffffffff, random.int(1 << 20)]);
      return rebuild(
        out,
        sections.map((s) => (s === target ? withSection(s.id, payload, Math.max(0, claimed) >>> 0) : raw(out, s))),
      );
    }
    case "section-order": {
      const parts = sections.map((s) => raw(out, s));
      const a = random.int(parts.length);
      const b = random.int(parts.length);
      [parts[a], parts[b]] = [parts[b] as Uint8Array, parts[a] as Uint8Array];
      return rebuild(out, parts);
    }
    case "huge-count": {
      // Replace the leading vector count of a known section with a huge one.
      const known = sections.filter((s) => s.id !== CUSTOM_SECTION_ID);
      if (known.length === 0) return mutate("bit-flips", out, random);
      const target = random.pick(known);
      const start = payloadStart(out, target);
      let countEnd = start;
      while (countEnd < target.end && (out[countEnd] as number) & 0x80) countEnd++;
      const rest = out.subarray(Math.min(target.end, countEnd + 1), target.end);
      const count = Uint8Array.from(encodeU32(random.pick([0xffffffff, 0x7fffffff, 1 << 20, 100_000])));
      return rebuild(
        out,
        sections.map((s) => (s === target ? withSection(s.id, concatBytes([count, rest])) : raw(out, s))),
      );
    }
    case "huge-custom-name": {
      const at = random.int(sections.length + 1);
      const section =
        random.int(2) === 0
          ? // A name length far beyond the section.
            withSection(CUSTOM_SECTION_ID, concatBytes([Uint8Array.from(encodeU32(0xfffffff0)), random.bytes(8)]))
          : encodeCustomSection("n".repeat(65_536 + random.int(65_536)), random.bytes(16));
      const parts = sections.map((s) => raw(out, s));
      parts.splice(at, 0, section);
      return rebuild(out, parts);
    }
    case "duplicate-signature":
    case "misplaced-signature": {
      const signature = sections.find(isSignature);
      if (signature === undefined) return mutate("bit-flips", out, random);
      const parts = sections.filter((s) => name === "duplicate-signature" || s !== signature).map((s) => raw(out, s));
      parts.splice(1 + random.int(parts.length), 0, raw(out, signature));
      return rebuild(out, parts);
    }
    case "manifest": {
      const parts = sections.map((s) =>
        s.id === CUSTOM_SECTION_ID && s.name === MANIFEST_SECTION
          ? encodeCustomSection(MANIFEST_SECTION, hostileManifest(random))
          : raw(out, s),
      );
      return rebuild(out, parts);
    }
  }
  return out;
}
