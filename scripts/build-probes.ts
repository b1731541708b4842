/**
 * Build every probe under probes/{examples,hostile,testing,bench} from
 * AssemblyScript source, under probes/{c,c-hostile,c-testing} from C (with
 * @yowasp/clang), and under probes/rust from Rust (with a system rustc that
 * has the wasm32 standard library, scripts/rustc.ts; skipped with a notice
 * without one), into build/probes/<group>/<name>.wasm, with its manifest
 * (<name>.manifest.json beside the source) appended as the
 * `wasi-observability` custom section. One module per probe: asc merges all
 * entry files into one module, so each probe is built on its own, together
 * with probes/sdk/exports.ts.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { concatBytes, encodeCustomSection } from "../host/wasm/encode.js";
import { encodeManifest, MANIFEST_SECTION, validateManifest } from "../host/world/manifest.js";
import { compileAssemblyScript } from "./asc.js";
import { compileC } from "./clang.js";
import { buildRustSdk, compileRust, findRustc } from "./rustc.js";

export const PROBE_GROUPS = ["examples", "hostile", "testing", "bench", "c", "c-hostile", "c-testing", "rust"] as const;
export const BUILD_DIR = "build/probes";

export interface BuiltProbe {
  readonly group: string;
  readonly name: string;
  readonly path: string;
}

/** A rustc with the wasm32 standard library and the SDK built with it, when there is one. */
export interface RustToolchain {
  readonly rustc: string;
  readonly sdk: string;
}

const SOURCE_EXTENSIONS = [".ts", ".c", ".rs"] as const;

export async function buildProbe(group: string, file: string, rust?: RustToolchain): Promise<BuiltProbe> {
  const extension = SOURCE_EXTENSIONS.find((e) => file.endsWith(e)) ?? ".ts";
  const name = basename(file, extension);
  const source = join("probes", group, file);
  const manifestPath = join("probes", group, `${name}.manifest.json`);
  const manifest = validateManifest(JSON.parse(await readFile(manifestPath, "utf8")));
  const path = join(BUILD_DIR, group, `${name}.wasm`);
  await mkdir(join(BUILD_DIR, group), { recursive: true });
  let wasm: Uint8Array;
  if (extension === ".c") wasm = await compileC(source);
  else if (extension === ".rs") {
    if (!rust) throw new Error(`${source}: no rustc with the wasm32 standard library`);
    await compileRust(rust.rustc, rust.sdk, source, path);
    wasm = new Uint8Array(await readFile(path));
  } else wasm = await compileAssemblyScript(["probes/sdk/exports.ts", source, "--config", "asconfig.json"], source);
  const out = concatBytes([wasm, encodeCustomSection(MANIFEST_SECTION, encodeManifest(manifest))]);
  await writeFile(path, out);
  return { group, name, path };
}

/** Find rustc and build the Rust SDK, or say loudly why the Rust probes are skipped. */
async function rustToolchain(): Promise<RustToolchain | undefined> {
  const rustc = await findRustc();
  if (!rustc) {
    console.warn(
      "build-probes: Rust probes NOT built: no rustc with the wasm32-unknown-unknown standard library " +
        "(Debian: apt-get install rustc libstd-rust-dev-wasm32 lld-14; .ci/run installs them)",
    );
    return undefined;
  }
  return { rustc, sdk: await buildRustSdk(rustc) };
}

export async function buildAllProbes(): Promise<BuiltProbe[]> {
  const built: BuiltProbe[] = [];
  let rust: RustToolchain | undefined | null = null; // null: not looked for yet
  for (const group of PROBE_GROUPS) {
    let files: string[];
    try {
      files = (await readdir(join("probes", group))).filter(
        (f) => (f.endsWith(".ts") && !f.endsWith(".d.ts")) || f.endsWith(".c") || f.endsWith(".rs"),
      );
    } catch {
      continue;
    }
    if (files.some((f) => f.endsWith(".rs"))) {
      if (rust === null) rust = await rustToolchain();
      if (!rust) {
        // A stale module from an earlier build must not stand in for one this build could not make.
        await rm(join(BUILD_DIR, group), { recursive: true, force: true });
        continue;
      }
    }
    for (const file of files.sort()) built.push(await buildProbe(group, file, rust ?? undefined));
  }
  return built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const built = await buildAllProbes();
  console.log(`built ${built.length} probes into ${BUILD_DIR} in ${Math.round(performance.now() - started)} ms`);
}
