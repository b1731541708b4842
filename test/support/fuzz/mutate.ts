/**
 * Seeded mutations of WebAssembly inputs for the fuzzer: byte-level (random
 * bytes, bit flips, insertions, deletions, truncations) and structured
 * (section sizes, order, counts, custom-section names, signature sections,
 * manifests). Everything derives from one 32-bit seed, so a finding is
 * replayed from its seed alone.
 */
import { concatBytes, encodeCustomSection, encodeSection, encodeU32 } from "../../../host/wasm/encode.js";
import { CUSTOM_SECTION_ID, PREAMBLE_SIZE, readSections } from "../../../host/wasm/sections.js";

/** xorshift32: small, fast, deterministic. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/** Sections of `bytes`, or undefined when they cannot be walked. */
function sectionsOf(bytes: Uint8Array) {
  try {
    return readSections(bytes);
  } catch {
    return undefined;
  }
}

const leb = (value: number) => Uint8Array.from(encodeU32(value >>> 0));

/** The signature section's content of a signed input (after its name), if any. */
function signatureOf(bytes: Uint8Array): Uint8Array | undefined {
  const first = sectionsOf(bytes)?.[0];
  if (first?.id !== CUSTOM_SECTION_ID || first.name !== "signature") return undefined;
  return bytes.slice(first.start, first.end);
}

export type Mutation = (rng: Rng, input: Uint8Array) => Uint8Array;

const flip: Mutation = (rng, input) => {
  const out = input.slice();
  const flips = 1 + rng.int(4);
  for (let i = 0; i < flips && out.length > 0; i++) {
    const at = rng.int(out.length);
    out[at] = (out[at] as number) ^ (1 << rng.int(8));
  }
  return out;
};

const insert: Mutation = (rng, input) => {
  const at = rng.int(input.length + 1);
  return concatBytes([input.subarray(0, at), rng.bytes(1 + rng.int(16)), input.subarray(at)]);
};

const remove: Mutation = (rng, input) => {
  const at = rng.int(input.length);
  const length = 1 + rng.int(Math.min(64, Math.max(1, input.length - at)));
  return concatBytes([input.subarray(0, at), input.subarray(at + length)]);
};

const truncate: Mutation = (rng, input) => input.slice(0, rng.int(input.length));

/** Random bytes, often behind a valid preamble so the parsers get past the magic. */
export const randomBytes: Mutation = (rng) => {
  const body = rng.bytes(rng.int(256));
  if (rng.int(2) === 0) return body;
  const preamble = rng.int(2) === 0 ? [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0] : [0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0];
  return concatBytes([Uint8Array.from(preamble), body]);
};

/** A section size LEB rewritten: too short, too long, over-long encoding, or huge. */
const wrongSectionLength: Mutation = (rng, input) => {
  const sections = sectionsOf(input);
  if (!sections || sections.length === 0) return flip(rng, input);
  const s = rng.pick(sections);
  const size = s.end - s.payloadStart;
  const sizes = [0, size - 1, size + 1, size + 1000, 0xffffffff, 0x7fffffff];
  const chosen = rng.pick(sizes);
  // An over-long (padded) LEB for the same size, five bytes: valid in the spec's u32 encoding.
  const padded = Uint8Array.from([
    (size & 0x7f) | 0x80,
    ((size >>> 7) & 0x7f) | 0x80,
    ((size >>> 14) & 0x7f) | 0x80,
    ((size >>> 21) & 0x7f) | 0x80,
    (size >>> 28) & 0x0f,
  ]);
  const encoded = rng.int(4) === 0 ? padded : leb(chosen);
  return concatBytes([input.subarray(0, s.start + 1), encoded, input.subarray(s.payloadStart)]);
};

/** Two sections swapped, or one moved to the end (the signature included). */
const sectionOrder: Mutation = (rng, input) => {
  const sections = sectionsOf(input);
  if (!sections || sections.length < 2) return flip(rng, input);
  const parts = sections.map((s) => input.subarray(s.start, s.end));
  const a = rng.int(parts.length);
  const b = rng.int(parts.length);
  if (rng.int(2) === 0) [parts[a], parts[b]] = [parts[b] as Uint8Array, parts[a] as Uint8Array];
  else parts.push(...parts.splice(a, 1));
  return concatBytes([input.subarray(0, PREAMBLE_SIZE), ...parts]);
};

/** The first LEB inside a non-custom section (its vector count) made huge. */
const hugeCount: Mutation = (rng, input) => {
  const sections = sectionsOf(input)?.filter((s) => s.id !== CUSTOM_SECTION_ID && s.end > s.payloadStart);
  if (!sections || sections.length === 0) return flip(rng, input);
  const s = rng.pick(sections);
  let countEnd = s.payloadStart;
  while (countEnd < s.end && ((input[countEnd] as number) & 0x80) !== 0) countEnd++;
  const count = rng.pick([0xffffffff, 0x7fffffff, 0x10000000, 1 << 20]);
  const body = concatBytes([leb(count), input.subarray(countEnd + 1, s.end)]);
  return concatBytes([input.subarray(0, s.start), encodeSection(s.id, body), input.subarray(s.end)]);
};

/** A custom section whose name is huge (declared or real), inserted anywhere. */
const hugeCustomName: Mutation = (rng, input) => {
  const sections = sectionsOf(input) ?? [];
  const at = rng.pick([PREAMBLE_SIZE, ...sections.map((s) => s.end)]);
  let section: Uint8Array;
  if (rng.int(2) === 0) {
    section = encodeCustomSection("n".repeat(1 + rng.int(70_000)), rng.bytes(rng.int(8)));
  } else {
    // The name's declared length runs past the section (and the file).
    const body = concatBytes([leb(rng.pick([0xffffffff, 0x7fffffff, 1 << 24])), rng.bytes(4)]);
    section = encodeSection(CUSTOM_SECTION_ID, body);
  }
  return concatBytes([input.subarray(0, at), section, input.subarray(at)]);
};

/** The signature section duplicated, moved after other sections, or emptied. */
const signatureSections: Mutation = (rng, input) => {
  const signature = signatureOf(input) ?? encodeCustomSection("signature", rng.bytes(rng.int(200)));
  const sections = sectionsOf(input) ?? [];
  const at = rng.pick([PREAMBLE_SIZE, ...sections.map((s) => s.end)]);
  switch (rng.int(3)) {
    case 0: // a second one
      return concatBytes([input.subarray(0, at), signature, input.subarray(at)]);
    case 1: {
      // moved: dropped from the front, put at `at`
      const first = sections[0];
      if (first?.name !== "signature") return concatBytes([input.subarray(0, at), signature, input.subarray(at)]);
      const rest = concatBytes([input.subarray(0, PREAMBLE_SIZE), input.subarray(first.end)]);
      const to = Math.min(rest.length, Math.max(PREAMBLE_SIZE, at - (first.end - first.start)));
      return concatBytes([rest.subarray(0, to), signature, rest.subarray(to)]);
    }
    default: // its payload garbled but its name kept
      return concatBytes([
        input.subarray(0, PREAMBLE_SIZE),
        encodeCustomSection("signature", rng.bytes(rng.int(300))),
        input.subarray(sections[0]?.name === "signature" ? (sections[0]?.end ?? PREAMBLE_SIZE) : PREAMBLE_SIZE),
      ]);
  }
};

function nested(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

/** Manifest texts that are malformed, huge, deeply nested or subtly wrong. */
export function hostileManifest(rng: Rng): Uint8Array {
  const base = { schema: 1, name: "fuzzed", version: "1.0.0", hooks: ["request"] };
  const texts = [
    "",
    "{",
    "null",
    "[]",
    '"string"',
    `{"schema":1,"name":"x","version":"1.0.0","hooks":${nested(100_000)}}`,
    `{"a":${nested(5000)}}`,
    JSON.stringify({ ...base, name: "n".repeat(1 << 20) }),
    JSON.stringify({ ...base, capabilities: Array.from({ length: 100_000 }, (_, i) => `cap${i}`) }),
    JSON.stringify({ ...base, hooks: ["request", "request"] }),
    JSON.stringify({ ...base, schema: 2 }),
    JSON.stringify({ ...base, limits: { fuel: -1, memoryPages: 1e300 } }),
    JSON.stringify({ ...base, limits: { fuel: "lots" } }),
    JSON.stringify({ ...base, version: "1.0.0\u0000" }),
    JSON.stringify({ ...base, __proto__: { admin: true }, constructor: 1 }),
    `{"schema":1,"name":"x","name":"y","version":"1.0.0","hooks":["request"]}`,
    "\uFEFF{}",
  ];
  const text = rng.int(8) === 0 ? new TextDecoder().decode(rng.bytes(rng.int(64))) : rng.pick(texts);
  const bytes = new TextEncoder().encode(text);
  return rng.int(10) === 0 ? Uint8Array.from([0xff, 0xfe, ...bytes]) : bytes;
}

/** The manifest section replaced (or a second one added) with a hostile manifest. */
export const manifestMutation: Mutation = (rng, input) => {
  const sections = sectionsOf(input);
  if (!sections) return flip(rng, input);
  const manifest = encodeCustomSection("wasi-observability", hostileManifest(rng));
  const old = sections.find((s) => s.id === CUSTOM_SECTION_ID && s.name === "wasi-observability");
  if (old && rng.int(3) !== 0) {
    return concatBytes([input.subarray(0, old.start), manifest, input.subarray(old.end)]);
  }
  return concatBytes([input, manifest]);
};

export const BYTE_MUTATIONS: readonly (readonly [string, Mutation])[] = [
  ["flip", flip],
  ["insert", insert],
  ["delete", remove],
  ["truncate", truncate],
];

export const STRUCTURED_MUTATIONS: readonly (readonly [string, Mutation])[] = [
  ["section-length", wrongSectionLength],
  ["section-order", sectionOrder],
  ["huge-count", hugeCount],
  ["huge-custom-name", hugeCustomName],
  ["signature-section", signatureSections],
  ["manifest", manifestMutation],
];
