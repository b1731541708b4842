/**
 * `sandprobe pack`: a signed bundle + trust material + a worker entry in, a
 * ready workerd project out. Everything that can be checked is checked here,
 * before anything is written: every signature against the trust policy,
 * grants, the verifier (imports, capabilities, exports), compilation, and
 * instantiation with `init` in the sandbox. The worker checks again at
 * startup (host/edge/startup.ts); docs/edge.md has the trust model.
 *
 * Layout of the project:
 *   config.capnp                  workerd config (socket, modules, bindings, outbound)
 *   worker.mjs                    workerd entry: imports the data and wasm modules
 *   app.mjs                       the app + sandprobe + OTel SDK, bundled by esbuild
 *   sandprobe/bundle.bin          the signed bundle, byte for byte (a data module)
 *   sandprobe/probes/NAME.wasm    each probe as the runtime runs it: sandboxedProbeBytes of the
 *                                 signed file, limits capped and code metered (workerd compiles at load)
 *   sandprobe/pack.json           what was packed (for people; the worker does not read it)
 *   wrangler.toml                 with --wrangler: the same project for `wrangler deploy` (pack/wrangler.ts)
 */
import { mkdir, readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BundlePin } from "../../adapters/edge/startup.js";
import { SandprobeError } from "../../errors.js";
import { sandboxedProbeBytes } from "../../load/prepare.js";
import { ProbeRuntime } from "../../runtime/runtime.js";
import { parseBundle } from "../../trust/bundle/format.js";
import { verifyBundle } from "../../trust/bundle/verify.js";
import { inlineTrustKeys, type TrustConfig, trustPolicyFromConfig } from "../../trust/config.js";
import type { TrustPolicy } from "../../trust/policy.js";
import { decodePublicKey, publicKeyToPem } from "../../trust/signature/keys.js";
import { customSections, readSections } from "../../wasm/sections.js";
import { decodeManifest, MANIFEST_SECTION } from "../../world/manifest.js";
import { type CliIo, FileError, UsageError } from "../command.js";
import { readTrustFile } from "../trust-file.js";
import { type WorkerdBinding, type WorkerdModule, workerdConfig } from "./capnp.js";
import { workerNameFor, wranglerToml } from "./wrangler.js";

export const DEFAULT_PORT = 8787;
export const DEFAULT_COMPATIBILITY_DATE = "2025-06-01";

/** Trust material: a full trust file, or public keys only (then what the signed probes ask for is granted). */
export type PackTrust = { readonly file: string } | { readonly keyFiles: readonly string[] };

export interface PackOptions {
  readonly bundle: string;
  readonly trust: PackTrust;
  /** The worker entry: an ES module whose default export is `{ fetch(request, env, ctx, edge) }`. */
  readonly entry: string;
  readonly outDir: string;
  readonly port?: number;
  /** OTLP/HTTP traces URL written into the config; absent: read from $SANDPROBE_OTLP_URL when workerd starts. */
  readonly otlpUrl?: string;
  readonly serviceName?: string;
  readonly compatibilityDate?: string;
  /** Further bindings the app reads, each taken from workerd's environment variable of the same name. */
  readonly envBindings?: readonly string[];
  /** Write into a non-empty directory. */
  readonly force?: boolean;
  /** Path the worker answers with its probe status as JSON (default "/__sandprobe"); null: none. */
  readonly statusPath?: string | null;
  /** Also write wrangler.toml for `wrangler deploy`; `name` is the Worker's (default: from the bundle name). */
  readonly wrangler?: { readonly name?: string };
}

export interface PackResult {
  readonly outDir: string;
  readonly bundle: BundlePin;
  readonly probes: readonly { readonly name: string; readonly version: string; readonly file: string }[];
  readonly files: readonly string[];
}

interface LoadedTrust {
  readonly policy: TrustPolicy;
  /** The same policy as JSON, keys inline, for the worker to carry. */
  readonly config: TrustConfig;
}

async function pemOf(bytes: Uint8Array | string): Promise<string> {
  return publicKeyToPem(await decodePublicKey(bytes));
}

/** What each probe of the bundle asks for, read without trust: the grants of a keys-only policy. */
function requestedGrants(bundle: Uint8Array): Record<string, { capabilities: string[]; headers: string[] }> {
  const grants: Record<string, { capabilities: string[]; headers: string[] }> = {};
  for (const probe of parseBundle(bundle).probes) {
    const [section] = customSections(probe.bytes, readSections(probe.bytes), MANIFEST_SECTION);
    if (!section) continue; // verification reports it
    const manifest = decodeManifest(section);
    grants[manifest.name] = { capabilities: [...manifest.capabilities], headers: [...manifest.headers] };
  }
  return grants;
}

async function loadTrust(trust: PackTrust, bundle: Uint8Array, io: CliIo): Promise<LoadedTrust> {
  if ("file" in trust) {
    const { config, readKey } = await readTrustFile(trust.file, io);
    // The worker carries the same policy with every key inline: it has no files to read.
    return { policy: await trustPolicyFromConfig(config, readKey), config: await inlineTrustKeys(config, readKey) };
  }
  if (trust.keyFiles.length === 0) throw new UsageError("give --trust FILE or at least one -K/--public-key");
  const keys = [];
  for (const file of trust.keyFiles) keys.push({ publicKey: await pemOf(await io.readFile(file)) });
  const config: TrustConfig = { keys, grants: requestedGrants(bundle) };
  return { policy: await trustPolicyFromConfig(config), config };
}

async function ensureEmptyDir(dir: string, force: boolean): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw new FileError(`cannot read ${dir}: ${String(error)}`);
  }
  if (entries.length > 0 && !force) throw new FileError(`${dir} is not empty (pass --force to write into it)`);
  try {
    await mkdir(join(dir, "sandprobe", "probes"), { recursive: true });
  } catch (error) {
    throw new FileError(`cannot create ${dir}: ${(error as Error).message}`);
  }
}

/** Where one of sandprobe's own modules is, by its path under dist/host (this file is dist/host/cli/pack). */
function hostModule(path: string): string {
  return fileURLToPath(new URL(`../../${path}`, import.meta.url));
}

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<{ outputFiles?: { text: string }[] }>;
}

async function loadEsbuild(): Promise<EsbuildLike> {
  try {
    return (await import("esbuild")) as unknown as EsbuildLike;
  } catch {
    throw new UsageError("pack bundles the worker with esbuild: install it next to sandprobe (npm install -D esbuild)");
  }
}

/** The app module: the user's entry wrapped by probedWorker, with OTLP export; runtime-neutral. */
async function bundleApp(
  entry: string,
  packed: { trust: TrustConfig; pin: BundlePin; statusPath: string | null },
  serviceName: string,
): Promise<string> {
  const esbuild = await loadEsbuild();
  const contents = `// Generated by sandprobe pack.
import app from ${JSON.stringify(entry)};
import { probedWorker } from ${JSON.stringify(hostModule("adapters/edge/index.js"))};
import { otlpTelemetryFromEnv } from ${JSON.stringify(hostModule("telemetry/edge-otlp.js"))};

const PACKED = ${JSON.stringify(packed, null, 2)};
const SERVICE_NAME = ${JSON.stringify(serviceName)};

/** assets: { bundle: bytes of the signed bundle, modules?: { [probe]: WebAssembly.Module } } */
export function createWorker(assets) {
  return probedWorker(app, {
    ...PACKED,
    bundle: assets.bundle,
    ...(assets.modules ? { modules: assets.modules } : {}),
    telemetry: (env, clock) => otlpTelemetryFromEnv(env, clock, { serviceName: SERVICE_NAME }),
    runtimeName: (env) => env?.SANDPROBE_RUNTIME,
  });
}
`;
  try {
    const result = await esbuild.build({
      stdin: { contents, resolveDir: dirname(entry), sourcefile: "sandprobe-app.js", loader: "js" },
      bundle: true,
      format: "esm",
      // The browser build of every dependency: fetch, WebCrypto, no node: built-ins.
      platform: "browser",
      target: "es2022",
      write: false,
      outfile: "app.mjs",
      logLevel: "silent",
      legalComments: "none",
    });
    const text = result.outputFiles?.[0]?.text;
    if (text === undefined) throw new Error("esbuild wrote nothing");
    return text;
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors;
    const detail = errors?.length
      ? errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`).join("; ")
      : (error as Error).message;
    throw new FileError(`cannot bundle the worker entry ${entry}: ${detail}`);
  }
}

function workerdEntry(probes: readonly { name: string; file: string }[]): string {
  const imports = probes.map((p, i) => `import probe${i} from ${JSON.stringify(`./${p.file}`)};`);
  const modules = probes.map((p, i) => `    ${JSON.stringify(p.name)}: probe${i},`);
  return `// Generated by sandprobe pack: the workerd entry. The bundle arrives as a data
// module, the probes as wasm modules compiled by workerd when it loads them.
import { createWorker } from "./app.mjs";
import bundle from "./sandprobe/bundle.bin";
${imports.join("\n")}

const worker = createWorker({
  bundle,
  modules: {
${modules.join("\n")}
  },
});

export default {
  fetch: (request, env, ctx) => worker.fetch(request, env, ctx),
};
`;
}

/** Verify everything, then write the project. Throws SandprobeError (refused), UsageError or FileError. */
export async function packWorker(options: PackOptions, io: CliIo): Promise<PackResult> {
  const bundleBytes = await io.readFile(options.bundle);
  const trust = await loadTrust(options.trust, bundleBytes, io);

  // 1. Signatures, policy, grants, rollback: all or nothing.
  const verified = await verifyBundle(bundleBytes, trust.policy);
  // 2. The verifier, limits and metering, compilation, a trial instantiation (init runs, metered).
  const sandboxed: Uint8Array[] = [];
  const compiled: WebAssembly.Module[] = [];
  for (const probe of verified.probes) {
    const name = probe.manifest.name;
    const bytes = sandboxedProbeBytes(probe.bytes);
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(bytes as BufferSource);
    } catch (error) {
      throw new SandprobeError("E_COMPILE", `${name}: ${(error as Error).message}`, { probe: name }, { cause: error });
    }
    sandboxed.push(bytes);
    compiled.push(module);
  }
  // Load them as the worker will at startup (which checks each module against its probe) and run init.
  await new ProbeRuntime().prepare(
    verified.probes.map((probe, i) => ({ probe, module: compiled[i] as WebAssembly.Module })),
  );

  const entry = resolve(options.entry);
  const pin: BundlePin = { name: verified.name, version: verified.version, digest: verified.digest };
  const serviceName = options.serviceName ?? verified.name;
  const statusPath = options.statusPath === undefined ? "/__sandprobe" : options.statusPath;
  if (statusPath !== null && !statusPath.startsWith("/")) throw new UsageError("the status path must start with /");
  const app = await bundleApp(entry, { trust: trust.config, pin, statusPath }, serviceName);

  if (options.wrangler) {
    // Refuse a Worker name wrangler would refuse before anything is written.
    const name = options.wrangler.name ?? workerNameFor(verified.name);
    try {
      wranglerToml({ name, compatibilityDate: options.compatibilityDate ?? DEFAULT_COMPATIBILITY_DATE, bindings: [] });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }

  // 3. Write the project.
  const outDir = resolve(options.outDir);
  await ensureEmptyDir(outDir, options.force === true);
  const files: string[] = [];
  const write = async (file: string, bytes: Uint8Array | string) => {
    await io.writeFile(join(outDir, file), bytes);
    files.push(file);
  };
  const probes = verified.probes.map((p) => ({
    name: p.manifest.name,
    version: p.manifest.version,
    file: `sandprobe/probes/${p.manifest.name}.wasm`,
    sha256: p.digest,
  }));
  await write("sandprobe/bundle.bin", bundleBytes);
  for (const [i, bytes] of sandboxed.entries()) await write(probes[i]!.file, bytes);
  await write("app.mjs", app);
  await write("worker.mjs", workerdEntry(probes));
  const modules: WorkerdModule[] = [
    { name: "worker.mjs", kind: "esModule", file: "worker.mjs" },
    { name: "app.mjs", kind: "esModule", file: "app.mjs" },
    { name: "sandprobe/bundle.bin", kind: "data", file: "sandprobe/bundle.bin" },
    ...probes.map((p): WorkerdModule => ({ name: p.file, kind: "wasm", file: p.file })),
  ];
  const bindings: WorkerdBinding[] = [
    options.otlpUrl === undefined
      ? { name: "SANDPROBE_OTLP_URL", fromEnvironment: "SANDPROBE_OTLP_URL" }
      : { name: "SANDPROBE_OTLP_URL", text: options.otlpUrl },
    { name: "SANDPROBE_SERVICE_NAME", text: serviceName },
    { name: "SANDPROBE_RUNTIME", text: "workerd" },
    { name: "SANDPROBE_OTLP_LINGER_MS", fromEnvironment: "SANDPROBE_OTLP_LINGER_MS" },
    ...(options.envBindings ?? []).map((name): WorkerdBinding => ({ name, fromEnvironment: name })),
  ];
  const compatibilityDate = options.compatibilityDate ?? DEFAULT_COMPATIBILITY_DATE;
  let config: string;
  let wrangler: string | undefined;
  try {
    config = workerdConfig({ port: options.port ?? DEFAULT_PORT, compatibilityDate, modules, bindings });
    if (options.wrangler) {
      const name = options.wrangler.name ?? workerNameFor(verified.name);
      wrangler = wranglerToml({ name, compatibilityDate, bindings });
    }
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await write("config.capnp", config);
  if (wrangler !== undefined) await write("wrangler.toml", wrangler);
  const record = {
    packedBy: "sandprobe pack",
    bundle: pin,
    probes,
    sandbox: "probes/*.wasm = sandboxedProbeBytes(signed probe), default host limits (docs/metering.md)",
    trust: { keys: trust.config.keys.length, threshold: trust.config.threshold ?? 1 },
  };
  await write("sandprobe/pack.json", `${JSON.stringify(record, null, 2)}\n`);
  return { outDir, bundle: pin, probes, files };
}
