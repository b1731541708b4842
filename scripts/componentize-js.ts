/**
 * Build a JavaScript probe into a WebAssembly Component with
 * @bytecodealliance/componentize-js (installed by `npm ci`; its engine,
 * StarlingMonkey, ships in the package: no network).
 *
 * Two things make the component a fast-path probe:
 * - every optional engine feature is disabled (stdio, random, clocks, http,
 *   fetch-event), so the component imports nothing outside the probe world;
 * - componentize-js imports every function of every interface in the world,
 *   used or not, so the probe is built against a copy of wit/ whose `http`
 *   interface keeps only the functions its manifest's capabilities grant.
 *   The verifier then sees exactly the imports the manifest asks for (a
 *   component may import a subset of an interface's functions).
 *
 * The manifest is appended to the component's top level, where signature
 * verification and the fast path read it.
 */
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { componentize } from "@bytecodealliance/componentize-js";
import { concatBytes, encodeCustomSection } from "../host/wasm/encode.js";
import { type Capability, encodeManifest, MANIFEST_SECTION, type Manifest } from "../host/world/manifest.js";

/** The engine features a probe never needs: each one would import WASI interfaces outside the probe world. */
export const DISABLED_FEATURES = ["stdio", "random", "clocks", "http", "fetch-event"] as const;

/** The `http` function each capability grants (wit/probe.wit). */
const HTTP_FUNCTION_CAPABILITY: ReadonlyMap<string, Capability> = new Map([
  ["method", "http.method"],
  ["route", "http.route"],
  ["status", "http.status"],
  ["received-at", "http.received-at"],
  ["header", "http.header"],
]);

/**
 * probe.wit with the `http` functions the capabilities do not grant removed
 * (with their doc comments). Everything else is kept byte for byte.
 */
export function witForCapabilities(wit: string, capabilities: readonly Capability[]): string {
  const out: string[] = [];
  let inHttp = false;
  let docs: string[] = [];
  for (const line of wit.split("\n")) {
    if (/^\s*interface\s+http\s*\{/.test(line)) inHttp = true;
    else if (inHttp && /^\s*\}/.test(line)) inHttp = false;
    if (inHttp && /^\s*\/\/\//.test(line)) {
      docs.push(line);
      continue;
    }
    const fn = inHttp ? /^\s*([a-z][a-z0-9-]*)\s*:\s*func\b/.exec(line) : null;
    const capability = fn ? HTTP_FUNCTION_CAPABILITY.get(fn[1] as string) : undefined;
    if (fn && (capability === undefined || !capabilities.includes(capability))) {
      if (capability === undefined) throw new Error(`wit/probe.wit: http.${fn[1]} has no capability to grant it`);
      docs = [];
      continue;
    }
    out.push(...docs, line);
    docs = [];
  }
  return out.join("\n");
}

export interface JsBuildOptions {
  /** The WIT package of the probe world (default wit/). */
  readonly witDir?: string;
  /** Where the per-probe WIT copy is written (default build/wit/<name>). */
  readonly scratchDir?: string;
}

/** Componentize `source` (an ES module exporting init, request, response) under `manifest`. */
export async function compileJs(source: string, manifest: Manifest, options: JsBuildOptions = {}): Promise<Uint8Array> {
  const witDir = options.witDir ?? "wit";
  const scratch = options.scratchDir ?? join("build", "wit", manifest.name);
  await mkdir(scratch, { recursive: true });
  await cp(join(witDir, "deps"), join(scratch, "deps"), { recursive: true });
  const wit = await readFile(join(witDir, "probe.wit"), "utf8");
  await writeFile(join(scratch, "probe.wit"), witForCapabilities(wit, manifest.capabilities));
  const { component } = await componentize({
    sourcePath: source,
    witPath: scratch,
    worldName: "probe",
    disableFeatures: [...DISABLED_FEATURES],
  });
  return concatBytes([component, encodeCustomSection(MANIFEST_SECTION, encodeManifest(manifest))]);
}
