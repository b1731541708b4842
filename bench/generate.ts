/**
 * Probes of a chosen size for the cold-start case: AssemblyScript sources
 * generated into a temporary directory (N exported functions of real code:
 * loops, branches, arithmetic, each with its own constants) and built with
 * asc's JS API like scripts/build-probes.ts, cached under build/bench-probes.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { concatBytes, encodeCustomSection } from "../host/wasm/encode.js";
import { CUSTOM_SECTION_ID, readSections } from "../host/wasm/sections.js";
import { encodeManifest, MANIFEST_SECTION, type Manifest } from "../host/world/manifest.js";
import { compileAssemblyScript } from "../scripts/asc.js";

/** Bump when the generator changes, so cached builds are rebuilt. */
const GENERATOR_VERSION = 1;
const CACHE = "build/bench-probes";

function source(functions: number): string {
  const lines = [
    "export function init(): void {}",
    "export function request(): void {}",
    "export function response(): void {}",
  ];
  for (let i = 0; i < functions; i++) {
    const mul = (i % 97) + 3;
    const shift = (i % 13) + 1;
    const bit = 1 << (i % 20);
    lines.push(
      `export function f${i}(x: i32, y: i32): i32 { let a = x ^ ${(i * 2654435761) >>> 0}; ` +
        `for (let j = 0; j < y; j++) { a = (a * ${mul} + j) ^ (a >>> ${shift}); if (a & ${bit}) a += ${i}; else a -= y; } ` +
        `return a + ${i % 1000}; }`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function compile(file: string, runtime: "stub" | "incremental"): Promise<Uint8Array> {
  return compileAssemblyScript(
    [
      "probes/sdk/exports.ts",
      file,
      "--config",
      "asconfig.json",
      "--runtime",
      runtime,
      // Large generated sources build in ~1 s at -O0 and ~10x longer at -O3; the code stays real code.
      "--optimizeLevel",
      "0",
      "--shrinkLevel",
      "0",
    ],
    file,
  );
}

function manifestFor(name: string): Manifest {
  return {
    schema: 1,
    name,
    version: "1.0.0",
    hooks: ["request", "response"],
    capabilities: [],
    headers: [],
    limits: {},
  };
}

/** A probe of about `targetBytes` (1 KB uses the stub runtime: the incremental GC alone is ~3 KB). */
export async function sizedProbe(targetBytes: number): Promise<Uint8Array> {
  const name = `bench-size-${targetBytes}`;
  const cached = join(CACHE, `${name}.v${GENERATOR_VERSION}.wasm`);
  try {
    return new Uint8Array(await readFile(cached));
  } catch {}
  const dir = await mkdtemp(join(tmpdir(), "sandprobe-bench-"));
  try {
    const runtime = targetBytes < 3000 ? "stub" : "incremental";
    // About 97 bytes per generated function at -O0 (measured), on top of the runtime.
    const functions = runtime === "stub" ? 0 : Math.max(0, Math.round((targetBytes - 3600) / 97));
    const file = resolve(dir, "probe.ts");
    await writeFile(file, source(functions));
    const wasm = await compile(file, runtime);
    const bytes = concatBytes([wasm, encodeCustomSection(MANIFEST_SECTION, encodeManifest(manifestFor(name)))]);
    await mkdir(CACHE, { recursive: true });
    await writeFile(cached, bytes);
    return bytes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `bytes` with its manifest's name replaced (to put one probe in a bundle under several names). */
export function renamed(bytes: Uint8Array, manifest: Manifest, name: string): Uint8Array {
  const kept = readSections(bytes)
    .filter((s) => !(s.id === CUSTOM_SECTION_ID && s.name === MANIFEST_SECTION))
    .map((s) => bytes.subarray(s.start, s.end));
  return concatBytes([
    bytes.subarray(0, 8),
    ...kept,
    encodeCustomSection(MANIFEST_SECTION, encodeManifest({ ...manifest, name })),
  ]);
}
