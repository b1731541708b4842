/**
 * What `sandprobe inspect` shows, as plain data (its --json output): the
 * section layout, imports and exports, the manifest, the signature data with
 * key ids and whether each signed set covers this file, and a bundle's index.
 * Nothing here verifies a signature.
 */

import { describeError, isSandprobeError } from "../errors.js";
import { BUNDLE_INDEX_SECTION, parseBundle } from "../trust/bundle/format.js";
import { contentHashes, signedLayout } from "../trust/signature/layout.js";
import { readSignatureData } from "../trust/signature/verify.js";
import { bytesEqual, toHex } from "../wasm/bytes.js";
import { parseModule } from "../wasm/module.js";
import type { BinaryKind, Section } from "../wasm/types.js";
import { decodeManifest, MANIFEST_SECTION } from "../world/manifest.js";

const MODULE_SECTIONS = [
  "custom",
  "type",
  "import",
  "function",
  "table",
  "memory",
  "global",
  "export",
  "start",
  "element",
  "code",
  "data",
  "data count",
  "tag",
];
const COMPONENT_SECTIONS = [
  "custom",
  "core module",
  "core instance",
  "core type",
  "component",
  "instance",
  "alias",
  "type",
  "canon",
  "start",
  "import",
  "export",
  "value",
];

export interface Description {
  readonly size: number;
  readonly kind: BinaryKind;
  readonly sections: readonly {
    index: number;
    id: number;
    kind: string;
    name?: string;
    offset: number;
    size: number;
  }[];
  readonly imports?: readonly { module: string; name: string; kind: string }[];
  readonly exports?: readonly { name: string; kind: string }[];
  readonly notes: readonly string[];
  readonly manifest?: unknown;
  readonly signature?: {
    readonly specVersion: number;
    readonly contentType: number;
    readonly hashFunction: number;
    /** This file's part hashes (the last covers everything after the signature section). */
    readonly fileHashes: readonly string[];
    readonly sets: readonly {
      readonly hashes: readonly string[];
      /** Whether this set's hashes include the hash of all of this file's signed content. */
      readonly coversFile: boolean;
      readonly signatures: readonly { keyId: string | null; algorithm: number; signature: string }[];
    }[];
  };
  readonly bundle?: unknown;
}

function errorText(error: unknown): string {
  if (isSandprobeError(error)) return describeError(error);
  throw error;
}

function sectionKind(kind: BinaryKind, id: number): string {
  return (kind === "module" ? MODULE_SECTIONS : COMPONENT_SECTIONS)[id] ?? `unknown (${id})`;
}

export async function describe(bytes: Uint8Array): Promise<Description> {
  const layout = signedLayout(bytes);
  const notes: string[] = [];
  const sections = layout.sections.map((s: Section, index) => ({
    index,
    id: s.id,
    kind: sectionKind(layout.kind, s.id),
    ...(s.name === undefined ? {} : { name: s.name }),
    offset: s.start,
    size: s.end - s.start,
  }));
  const description: {
    -readonly [K in keyof Description]: Description[K];
  } = { size: bytes.length, kind: layout.kind, sections, notes };

  if (layout.kind === "module") {
    try {
      const module = parseModule(bytes);
      description.imports = module.imports.map((i) => ({ module: i.module, name: i.name, kind: i.desc.kind }));
      description.exports = module.exports.map((e) => ({ name: e.name, kind: e.kind }));
    } catch (error) {
      notes.push(`imports/exports not decoded: ${errorText(error)}`);
    }
  } else {
    notes.push("component: top-level imports and exports are not decoded; use `jco wit` for its world");
  }

  const manifests = layout.sections.filter((s) => s.id === 0 && s.name === MANIFEST_SECTION);
  if (manifests.length > 1) notes.push(`${manifests.length} "${MANIFEST_SECTION}" sections`);
  const manifest = manifests[0];
  if (manifest) {
    try {
      description.manifest = decodeManifest(bytes.subarray(manifest.contentStart, manifest.end));
    } catch (error) {
      notes.push(`manifest: ${errorText(error)}`);
    }
  }

  if (layout.signatureSection) {
    try {
      const data = readSignatureData(bytes);
      const hashes = await contentHashes(bytes, layout);
      const full = hashes[hashes.length - 1] as Uint8Array;
      description.signature = {
        specVersion: data.specVersion,
        contentType: data.contentType,
        hashFunction: data.hashFunction,
        fileHashes: hashes.map(toHex),
        sets: data.sets.map((set) => ({
          hashes: set.hashes.map(toHex),
          coversFile: set.hashes.some((h) => bytesEqual(h, full)),
          signatures: set.signatures.map((s) => ({
            keyId: s.keyId.length === 0 ? null : toHex(s.keyId),
            algorithm: s.algorithm,
            signature: toHex(s.signature),
          })),
        })),
      };
    } catch (error) {
      notes.push(`signature: ${errorText(error)}`);
    }
  } else {
    notes.push("unsigned: no signature section first");
  }

  if (layout.sections.some((s) => s.id === 0 && s.name === BUNDLE_INDEX_SECTION)) {
    try {
      description.bundle = parseBundle(bytes, layout.sections).index;
    } catch (error) {
      notes.push(`bundle: ${errorText(error)}`);
    }
  }
  return description;
}

/** The text form of a description. */
export function renderDescription(file: string, d: Description): string {
  const out: string[] = [`${file}: ${d.kind}, ${d.size} bytes`, "", "Sections:"];
  for (const s of d.sections) {
    const name = s.name === undefined ? "" : ` "${printable(s.name)}"`;
    out.push(`  ${String(s.index).padStart(3)}  ${s.kind}${name}  at ${s.offset}, ${s.size} bytes`);
  }
  if (d.imports) {
    out.push("", `Imports (${d.imports.length}):`);
    for (const i of d.imports) out.push(`  ${i.kind.padEnd(6)} ${printable(i.module)} ${printable(i.name)}`);
  }
  if (d.exports) {
    out.push("", `Exports (${d.exports.length}):`);
    for (const e of d.exports) out.push(`  ${e.kind.padEnd(6)} ${printable(e.name)}`);
  }
  if (d.manifest !== undefined) out.push("", "Manifest:", `  ${JSON.stringify(d.manifest)}`);
  if (d.signature) {
    const sig = d.signature;
    out.push(
      "",
      `Signature: spec 0x0${sig.specVersion}, content type 0x0${sig.contentType}, hash 0x0${sig.hashFunction} (SHA-256)`,
    );
    out.push(`  file hashes: ${sig.fileHashes.join(", ")}`);
    sig.sets.forEach((set, i) => {
      out.push(
        `  set ${i}: ${set.hashes.length} hash(es), ${set.coversFile ? "covers this file" : "does NOT cover this file"}`,
      );
      for (const s of set.signatures) {
        const alg = s.algorithm === 1 ? "Ed25519" : `algorithm 0x${s.algorithm.toString(16)}`;
        out.push(`    - ${alg}, key id ${s.keyId ?? "(none)"}`);
      }
    });
    out.push("  (not verified: use 'sandprobe verify')");
  }
  if (d.bundle !== undefined) out.push("", "Bundle index:", `  ${JSON.stringify(d.bundle)}`);
  if (d.notes.length > 0) out.push("", "Notes:", ...d.notes.map((n) => `  ${n}`));
  return `${out.join("\n")}\n`;
}

/** Names come from untrusted files: never let them drive the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
