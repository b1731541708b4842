/**
 * Build every probe under probes/{examples,hostile,testing,bench} from
 * AssemblyScript source, and under probes/{c,c-hostile,c-testing} from C (with
 * @yowasp/clang), into build/probes/<group>/<name>.wasm, with its manifest
 * (<name>.manifest.json beside the source) appended as the
 * `wasi-observability` custom section. One module per probe: asc merges all
 * entry files into one module, so each probe is built on its own, together
 * with probes/sdk/exports.ts.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { concatBytes, encodeCustomSection } from "../host/wasm/encode.js";
import { encodeManifest, MANIFEST_SECTION, validateManifest } from "../host/world/manifest.js";
import { compileAssemblyScript } from "./asc.js";
import { compileC } from "./clang.js";

export const PROBE_GROUPS = ["examples", "hostile", "testing", "bench", "c", "c-hostile", "c-testing"] as const;
export const BUILD_DIR = "build/probes";

export interface BuiltProbe {
  readonly group: string;
  readonly name: string;
  readonly path: string;
}

export async function buildProbe(group: string, file: string): Promise<BuiltProbe> {
  const isC = file.endsWith(".c");
  const name = basename(file, isC ? ".c" : ".ts");
  const source = join("probes", group, file);
  const manifestPath = join("probes", group, `${name}.manifest.json`);
  const manifest = validateManifest(JSON.parse(await readFile(manifestPath, "utf8")));
  const wasm = isC
    ? await compileC(source)
    : await compileAssemblyScript(["probes/sdk/exports.ts", source, "--config", "asconfig.json"], source);
  const out = concatBytes([wasm, encodeCustomSection(MANIFEST_SECTION, encodeManifest(manifest))]);
  const path = join(BUILD_DIR, group, `${name}.wasm`);
  await mkdir(join(BUILD_DIR, group), { recursive: true });
  await writeFile(path, out);
  return { group, name, path };
}

export async function buildAllProbes(): Promise<BuiltProbe[]> {
  const built: BuiltProbe[] = [];
  for (const group of PROBE_GROUPS) {
    let files: string[];
    try {
      files = (await readdir(join("probes", group))).filter(
        (f) => (f.endsWith(".ts") && !f.endsWith(".d.ts")) || f.endsWith(".c"),
      );
    } catch {
      continue;
    }
    for (const file of files.sort()) built.push(await buildProbe(group, file));
  }
  return built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const built = await buildAllProbes();
  console.log(`built ${built.length} probes into ${BUILD_DIR} in ${Math.round(performance.now() - started)} ms`);
}
