/**
 * workerd projects without sandprobe's packer: the example app alone (the
 * bench's baseline) and its JS twin (plain OpenTelemetry instrumentation,
 * twin-worker.ts), bundled with esbuild into one module each.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type WorkerdBinding, workerdConfig } from "../../../host/cli/pack/capnp.js";
import { BUNDLE_NAME, EXAMPLE_WORKER } from "./fixture.js";

/** The compiled JS twin (dist/test/support/edge/twin-worker.js). */
export const TWIN_WORKER = fileURLToPath(new URL("./twin-worker.js", import.meta.url));

/** The bindings the probed worker reads for OTLP, from the environment workerd starts in. */
const OTLP_BINDINGS: readonly WorkerdBinding[] = [
  { name: "SANDPROBE_OTLP_URL", fromEnvironment: "SANDPROBE_OTLP_URL" },
  { name: "SANDPROBE_OTLP_LINGER_MS", fromEnvironment: "SANDPROBE_OTLP_LINGER_MS" },
  { name: "SANDPROBE_RUNTIME", text: "workerd" },
  // pack names the service after the bundle.
  { name: "SANDPROBE_SERVICE_NAME", text: BUNDLE_NAME },
];

async function plainProject(dir: string, entry: string, bindings: readonly WorkerdBinding[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    outfile: join(dir, "app.mjs"),
    logLevel: "silent",
  });
  const config = workerdConfig({
    port: 8787,
    compatibilityDate: "2025-06-01",
    modules: [{ name: "app.mjs", kind: "esModule", file: "app.mjs" }],
    bindings,
  });
  await writeFile(join(dir, "config.capnp"), config);
  return dir;
}

/** The example app alone: no sandprobe, no OpenTelemetry. */
export function baselineProject(dir: string): Promise<string> {
  return plainProject(dir, EXAMPLE_WORKER, []);
}

/** The example app instrumented in plain JavaScript with the probed worker's spans and OTLP setup. */
export function twinProject(dir: string): Promise<string> {
  return plainProject(dir, TWIN_WORKER, OTLP_BINDINGS);
}
