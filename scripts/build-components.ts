/**
 * Turn every example probe (build/probes/examples/*.wasm, from
 * `npm run build:probes`) into a WebAssembly Component with jco's API: embed
 * the probe world (wit/, world `probe`, string-encoding=utf16 for the
 * AssemblyScript examples, utf8 for the C probes in build/probes/c/) and
 * `component new`, into build/components/<group>/.
 * Then print each component's world (`jco wit`) and check it against the
 * world jco builds from wit/ alone: same exports, and imports only from the
 * probe world. jco keeps the core module's custom sections, so the manifest
 * (`wasi-observability`) travels inside the component's core module; the
 * build also copies it to the component's top level, where signature
 * verification (host/trust) reads it. With `--key FILE` (a wasmsign2 secret
 * key) each component is signed too. JavaScript probes (probes/js and probes/js-hostile) are
 * built from source by componentize-js (scripts/componentize-js.ts) into
 * build/components/<group>/ and checked the same way.
 */

import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { componentEmbed, componentNew, componentWit } from "@bytecodealliance/jco";
import { findComponentManifest } from "../host/load/component/manifest.js";
import { decodeSecretKey, type SecretKey } from "../host/trust/signature/keys.js";
import { signModule } from "../host/trust/signature/sign.js";
import { concatBytes, encodeCustomSection } from "../host/wasm/encode.js";
import { MANIFEST_SECTION, validateManifest } from "../host/world/manifest.js";
import { worldInterface } from "../host/world/names.js";
import { compileJs } from "./componentize-js.js";

export const COMPONENT_DIR = "build/components";
export const PROBE_DIR = "build/probes";
export const WIT_DIR = "wit";
export const WORLD = "probe";
/** JavaScript probes (probes/<group>/*.js), built from source into components by componentize-js. */
export const JS_GROUPS = ["js", "js-hostile"] as const;

export interface BuiltComponent {
  readonly group: string;
  readonly name: string;
  readonly path: string;
  readonly bytes: Uint8Array;
  /** The world `jco wit` prints for the component. */
  readonly wit: string;
}

/** The imports and exports of a world as `jco wit` prints it. */
export interface WorldShape {
  /** Imported interface names, e.g. "sandprobe:probe/trace@0.1.0". */
  readonly imports: readonly string[];
  /** Export lines without the keyword, e.g. "response: func()". */
  readonly exports: readonly string[];
}

/** Read the import and export lines of the first world in printed WIT. */
export function parsePrintedWorld(wit: string): WorldShape {
  const imports: string[] = [];
  const exports: string[] = [];
  const start = wit.search(/^\s*world\s+[\w-]+\s*\{/m);
  if (start < 0) throw new Error("printed WIT has no world");
  for (const raw of wit.slice(start).split("\n").slice(1)) {
    const line = raw.trim();
    if (line === "}") break;
    const match = /^(import|export)\s+(.+);$/.exec(line);
    if (!match) continue;
    const [, keyword, item] = match as unknown as [string, string, string];
    (keyword === "import" ? imports : exports).push(item.replace(/\s+/g, " "));
  }
  return { imports: imports.sort(), exports: exports.sort() };
}

/**
 * Problems with a component's world, compared with the probe world: every
 * export of the world must be there with the same signature and nothing
 * more; imports may be a subset (wit-component drops interfaces the core
 * module never calls) but never something outside the world.
 */
export function worldProblems(actual: WorldShape, expected: WorldShape): string[] {
  const problems: string[] = [];
  for (const item of expected.exports) if (!actual.exports.includes(item)) problems.push(`missing export ${item}`);
  for (const item of actual.exports) if (!expected.exports.includes(item)) problems.push(`unexpected export ${item}`);
  for (const item of actual.imports) {
    // An interface at a semver-compatible version (componentize-js: monotonic-clock@0.2.12) is the world's own.
    if (!expected.imports.includes(worldInterface(item) ?? item)) problems.push(`unexpected import ${item}`);
  }
  return problems;
}

export interface ComponentizeOptions {
  /** Directory of the WIT package holding the world (default: wit/). */
  readonly witDir?: string;
  readonly world?: string;
  /** Sign each component with this key (wasmsign2 format, signature section first). */
  readonly key?: SecretKey;
  /** How the core module lays out strings: utf16 (AssemblyScript, the default) or utf8 (C). */
  readonly stringEncoding?: "utf16" | "utf8";
}

/**
 * Embed the probe world into a core probe and make it a component, with the
 * core module's manifest copied to the component's top level (identical
 * bytes; extractCoreModule refuses two manifests that differ).
 */
export async function componentize(core: Uint8Array, options: ComponentizeOptions = {}): Promise<Uint8Array> {
  const embedded = await componentEmbed({
    binary: core,
    witPath: resolve(options.witDir ?? WIT_DIR),
    world: options.world ?? WORLD,
    stringEncoding: options.stringEncoding ?? "utf16",
  });
  const component = await componentNew(embedded);
  const manifest = findComponentManifest(component);
  return manifest ? concatBytes([component, encodeCustomSection(MANIFEST_SECTION, manifest)]) : component;
}

/** The world shape of wit/'s probe world, from a component jco builds with a dummy module. */
export async function expectedWorld(options: ComponentizeOptions = {}): Promise<WorldShape> {
  const embedded = await componentEmbed({
    dummy: true,
    witPath: resolve(options.witDir ?? WIT_DIR),
    world: options.world ?? WORLD,
    stringEncoding: "utf16",
  });
  return parsePrintedWorld(await componentWit(await componentNew(embedded)));
}

/** Check a component's world against the probe world, sign it if asked, write it to build/components/<group>/. */
async function checkAndWrite(
  group: string,
  name: string,
  component: Uint8Array,
  expected: WorldShape,
  options: ComponentizeOptions,
): Promise<BuiltComponent> {
  const wit = await componentWit(component);
  const problems = worldProblems(parsePrintedWorld(wit), expected);
  if (problems.length > 0) throw new Error(`${group}/${name}: world does not match wit/: ${problems.join("; ")}`);
  const bytes = options.key ? (await signModule(component, options.key)).bytes : component;
  const path = join(COMPONENT_DIR, group, `${name}.wasm`);
  await mkdir(join(COMPONENT_DIR, group), { recursive: true });
  await writeFile(path, bytes);
  return { group, name, path, bytes, wit };
}

/** Build and check one component; throws naming the probe when its world does not match. */
export async function buildComponent(
  group: string,
  file: string,
  expected: WorldShape,
  options: ComponentizeOptions = {},
): Promise<BuiltComponent> {
  const name = basename(file, ".wasm");
  const core = new Uint8Array(await readFile(join(PROBE_DIR, group, file)));
  let bytes: Uint8Array;
  try {
    bytes = await componentize(core, options);
  } catch (error) {
    throw new Error(`jco could not componentize ${group}/${name}: ${String(error)}`);
  }
  return checkAndWrite(group, name, bytes, expected, options);
}

/** Build every probe of a group (default: the examples) into a checked component. */
export async function buildAllComponents(
  group = "examples",
  options: ComponentizeOptions = {},
): Promise<BuiltComponent[]> {
  const expected = await expectedWorld(options);
  const files = (await readdir(join(PROBE_DIR, group))).filter((f) => f.endsWith(".wasm")).sort();
  const built: BuiltComponent[] = [];
  for (const file of files) built.push(await buildComponent(group, file, expected, options));
  return built;
}

/** Build one JavaScript probe with componentize-js and check its world like any other component. */
export async function buildJsComponent(
  group: string,
  file: string,
  expected: WorldShape,
  options: ComponentizeOptions = {},
): Promise<BuiltComponent> {
  const name = basename(file, ".js");
  const manifest = validateManifest(JSON.parse(await readFile(join("probes", group, `${name}.manifest.json`), "utf8")));
  const bytes = await compileJs(join("probes", group, file), manifest, {
    ...(options.witDir ? { witDir: options.witDir } : {}),
    scratchDir: join("build", "wit", group, name),
  });
  return checkAndWrite(group, name, bytes, expected, options);
}

/** Every JavaScript probe of JS_GROUPS, two at a time (each build is ~10-15 s of one core). */
export async function buildAllJsComponents(options: ComponentizeOptions = {}): Promise<BuiltComponent[]> {
  const expected = await expectedWorld(options);
  const jobs: Array<[string, string]> = [];
  for (const group of JS_GROUPS) {
    for (const file of (await readdir(join("probes", group))).filter((f) => f.endsWith(".js")).sort()) {
      jobs.push([group, file]);
    }
  }
  const built: BuiltComponent[] = [];
  for (let i = 0; i < jobs.length; i += 2) {
    const pair = jobs.slice(i, i + 2).map(([group, file]) => buildJsComponent(group, file, expected, options));
    built.push(...(await Promise.all(pair)));
  }
  return built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const flag = (name: string) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const witDir = flag("--wit");
  const keyFile = flag("--key");
  const key = keyFile ? await decodeSecretKey(new Uint8Array(await readFile(keyFile))) : undefined;
  const common = { ...(witDir ? { witDir } : {}), ...(key ? { key } : {}) };
  // No stale Rust component may outlive a build without rustc.
  if (!existsSync(join(PROBE_DIR, "rust"))) await rm(join(COMPONENT_DIR, "rust"), { recursive: true, force: true });
  const built = [
    ...(await buildAllComponents("examples", common)),
    // The C probes lower strings as UTF-8: the component says so in its canon options.
    ...(await buildAllComponents("c", { ...common, stringEncoding: "utf8" })),
    // Rust probes, when build:probes found a rustc for them (scripts/rustc.ts).
    ...(existsSync(join(PROBE_DIR, "rust"))
      ? await buildAllComponents("rust", { ...common, stringEncoding: "utf8" })
      : []),
    ...(await buildAllJsComponents(common)),
  ];
  const took = Math.round(performance.now() - started);
  const signed = key ? ", signed" : "";
  console.log(
    `built ${built.length} components into ${COMPONENT_DIR} (world checked against ${WIT_DIR}/${signed}) in ${took} ms`,
  );
}
