/**
 * The signed bundle container (docs/bundle.md): a WebAssembly core module
 * made only of custom sections, so the bundle signature is an ordinary
 * tool-conventions `signature` section (wasmsign2 can sign and verify a
 * bundle too):
 *
 *   00 61 73 6d 01 00 00 00            preamble
 *   custom "signature"                 bundle signature (absent before signing)
 *   custom "sandprobe-bundle"          index: UTF-8 JSON {schema, name, version, probes[]}
 *   custom "sandprobe-probe"  x N      each probe file, signed on its own, byte for byte
 *
 * Nothing else may appear. This module reads and writes the structure; it
 * trusts nothing (see verify.ts).
 */
import { SandprobeError } from "../../errors.js";
import { concatBytes, encodeCustomSection } from "../../wasm/encode.js";
import { binaryKind, CUSTOM_SECTION_ID, readSections } from "../../wasm/sections.js";
import type { Section } from "../../wasm/types.js";
import { decodeManifest, MANIFEST_SECTION } from "../../world/manifest.js";
import { SIGNATURE_SECTION } from "../signature/format.js";

export const BUNDLE_INDEX_SECTION = "sandprobe-bundle";
export const BUNDLE_PROBE_SECTION = "sandprobe-probe";
export const BUNDLE_SCHEMA = 1;
export const MAX_BUNDLE_PROBES = 256;
export const MAX_INDEX_BYTES = 64 * 1024;
const MODULE_PREAMBLE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SEMVER = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface BundleIndexEntry {
  readonly name: string;
  readonly version: string;
  /** SHA-256 (64 lower-case hex digits) of the probe file as carried. */
  readonly sha256: string;
}

export interface BundleIndex {
  readonly schema: 1;
  readonly name: string;
  readonly version: string;
  readonly probes: readonly BundleIndexEntry[];
}

export interface BundledProbe {
  readonly entry: BundleIndexEntry;
  /** The probe file (a view into the bundle bytes). */
  readonly bytes: Uint8Array;
}

export interface ParsedBundle {
  readonly index: BundleIndex;
  readonly probes: readonly BundledProbe[];
  /** Whether a `signature` section comes first. */
  readonly signed: boolean;
}

function malformed(message: string, offset?: number): never {
  throw new SandprobeError("E_MALFORMED", message, offset === undefined ? {} : { offset });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const key of Object.keys(value)) if (!keys.includes(key)) malformed(`${where}: unknown field "${key}"`);
}

/** Validate a decoded index object strictly (unknown fields, bad names, duplicates are E_MALFORMED). */
export function validateIndex(value: unknown): BundleIndex {
  if (!isRecord(value)) malformed("bundle index must be a JSON object");
  onlyKeys(value, ["schema", "name", "version", "probes"], "bundle index");
  if (value.schema !== BUNDLE_SCHEMA) malformed(`bundle index "schema" must be ${BUNDLE_SCHEMA}`);
  if (typeof value.name !== "string" || !NAME.test(value.name)) malformed(`bundle "name" must match ${NAME}`);
  if (typeof value.version !== "string" || !SEMVER.test(value.version)) {
    malformed(`bundle "version" must be MAJOR.MINOR.PATCH`);
  }
  if (!Array.isArray(value.probes) || value.probes.length === 0 || value.probes.length > MAX_BUNDLE_PROBES) {
    malformed(`bundle "probes" must list 1 to ${MAX_BUNDLE_PROBES} probes`);
  }
  const seen = new Set<string>();
  const probes = value.probes.map((probe: unknown, i: number): BundleIndexEntry => {
    const where = `bundle probe ${i}`;
    if (!isRecord(probe)) malformed(`${where} must be an object`);
    onlyKeys(probe, ["name", "version", "sha256"], where);
    if (typeof probe.name !== "string" || !NAME.test(probe.name)) malformed(`${where}: "name" must match ${NAME}`);
    if (seen.has(probe.name)) malformed(`${where}: "${probe.name}" is listed twice`);
    seen.add(probe.name);
    if (typeof probe.version !== "string" || !SEMVER.test(probe.version)) {
      malformed(`${where}: "version" must be MAJOR.MINOR.PATCH`);
    }
    if (typeof probe.sha256 !== "string" || !SHA256_HEX.test(probe.sha256)) {
      malformed(`${where}: "sha256" must be 64 lower-case hex digits`);
    }
    return { name: probe.name, version: probe.version, sha256: probe.sha256 };
  });
  return { schema: 1, name: value.name, version: value.version, probes };
}

/** The index as canonical UTF-8 JSON: fixed key order, no white space. */
export function encodeIndex(index: BundleIndex): Uint8Array {
  const valid = validateIndex(index);
  const canonical = {
    schema: valid.schema,
    name: valid.name,
    version: valid.version,
    probes: valid.probes.map((p) => ({ name: p.name, version: p.version, sha256: p.sha256 })),
  };
  return new TextEncoder().encode(JSON.stringify(canonical));
}

export function decodeIndex(content: Uint8Array): BundleIndex {
  if (content.length > MAX_INDEX_BYTES) malformed(`bundle index is ${content.length} bytes (limit ${MAX_INDEX_BYTES})`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content));
  } catch (error) {
    malformed(`bundle index is not UTF-8 JSON: ${(error as Error).message}`);
  }
  return validateIndex(value);
}

function content(bytes: Uint8Array, section: Section): Uint8Array {
  return bytes.subarray(section.contentStart as number, section.end);
}

/**
 * Read a bundle's structure (no signature check). E_MALFORMED unless it is
 * exactly: preamble, optional signature, index, one probe section per index
 * entry in index order.
 */
export function parseBundle(bytes: Uint8Array, sections: readonly Section[] = readSections(bytes)): ParsedBundle {
  if (binaryKind(bytes) !== "module") malformed("a bundle uses the core module preamble 00 61 73 6d 01 00 00 00");
  let at = 0;
  const signed = sections[0]?.id === CUSTOM_SECTION_ID && sections[0]?.name === SIGNATURE_SECTION;
  if (signed) at++;
  const indexSection = sections[at];
  if (!indexSection || indexSection.id !== CUSTOM_SECTION_ID || indexSection.name !== BUNDLE_INDEX_SECTION) {
    malformed(`not a sandprobe bundle: no "${BUNDLE_INDEX_SECTION}" section after the signature`, indexSection?.start);
  }
  const index = decodeIndex(content(bytes, indexSection));
  const probeSections = sections.slice(at + 1);
  for (const section of probeSections) {
    if (section.id !== CUSTOM_SECTION_ID || section.name !== BUNDLE_PROBE_SECTION) {
      malformed(`bundle section at byte ${section.start} is not a "${BUNDLE_PROBE_SECTION}" section`, section.start);
    }
  }
  if (probeSections.length !== index.probes.length) {
    throw new SandprobeError(
      "E_BUNDLE_MISMATCH",
      `the index lists ${index.probes.length} probes but the bundle carries ${probeSections.length}: rebuild the bundle`,
    );
  }
  const probes = probeSections.map((section, i) => ({
    entry: index.probes[i] as BundleIndexEntry,
    bytes: content(bytes, section),
  }));
  return { index, probes, signed };
}

/** Name and version from a probe's manifest, read without any trust (for building an index). */
export function probeIdentity(probe: Uint8Array): { name: string; version: string } {
  const manifests = readSections(probe).filter((s) => s.id === CUSTOM_SECTION_ID && s.name === MANIFEST_SECTION);
  if (manifests.length !== 1) {
    throw new SandprobeError("E_MANIFEST", `a bundled probe needs exactly one "${MANIFEST_SECTION}" section`);
  }
  const manifest = decodeManifest(content(probe, manifests[0] as Section));
  return { name: manifest.name, version: manifest.version };
}

/** Assemble an unsigned bundle from its index and probe files (index order). */
export function assembleBundle(index: BundleIndex, probes: readonly Uint8Array[]): Uint8Array {
  if (probes.length !== index.probes.length) {
    throw new SandprobeError(
      "E_BUNDLE_MISMATCH",
      `the index lists ${index.probes.length} probes, ${probes.length} were given`,
    );
  }
  return concatBytes([
    MODULE_PREAMBLE,
    encodeCustomSection(BUNDLE_INDEX_SECTION, encodeIndex(index)),
    ...probes.map((p) => encodeCustomSection(BUNDLE_PROBE_SECTION, p)),
  ]);
}
