/**
 * Worker startup: re-verify, inside the worker, everything that can be
 * verified there before any probe code runs. The signed bundle arrives as
 * data (bytes); probes arrive either as those bytes (Deno, Node: sandboxed
 * and compiled here) or as modules compiled at deploy time from
 * `sandboxedProbeBytes` (workerd, which refuses to compile at run time),
 * which the runtime checks against the same function of the verified bytes.
 */

import { SandprobeError } from "../../errors.js";
import type { ProbeInfo, ProbeRuntime, ProbeSource } from "../../runtime/runtime.js";
import { type VerifiedBundle, verifyBundle } from "../../trust/bundle/verify.js";
import { edgeTrustPolicy, type TrustConfig } from "../../trust/config.js";
import type { HostLimitOverrides } from "../../world/limits.js";

/** What pack recorded about the bundle it verified: the worker accepts that bundle and no other. */
export interface BundlePin {
  readonly name: string;
  readonly version: string;
  /** SHA-256 (hex) of the whole bundle file. */
  readonly digest: string;
}

export interface EdgeProbeAssets {
  /** The signed bundle file, as shipped with the worker (a data module, a file). */
  readonly bundle: ArrayBuffer | Uint8Array;
  readonly trust: TrustConfig;
  /** When set, a bundle with another digest is refused (E_BUNDLE_MISMATCH). */
  readonly pin?: BundlePin;
  /**
   * Modules compiled at deploy time from `sandboxedProbeBytes(probe, limits)`,
   * by probe name. When given, every probe of the bundle must have one (and
   * only those): nothing is compiled here.
   */
  readonly modules?: Readonly<Record<string, WebAssembly.Module>>;
  /** The host limits the probes run under; pack metered the modules with the same. */
  readonly limits?: HostLimitOverrides;
}

export interface LoadedEdgeProbes {
  readonly bundle: VerifiedBundle;
  readonly probes: readonly ProbeInfo[];
}

export interface VerifiedEdgeProbes {
  readonly bundle: VerifiedBundle;
  /** What to hand to `ProbeRuntime.replaceAll`, in bundle order. */
  readonly sources: readonly ProbeSource[];
}

function bytesOf(data: ArrayBuffer | Uint8Array): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new SandprobeError("E_MALFORMED", "the bundle given to the worker is not bytes (ArrayBuffer or Uint8Array)");
}

/**
 * Verify the bundle (every signature, the trust policy, manifests, grants,
 * the pin) and match each precompiled module to its verified probe. Rejects
 * with the SandprobeError of the first check that fails.
 */
export async function verifyEdgeProbes(assets: EdgeProbeAssets): Promise<VerifiedEdgeProbes> {
  const policy = await edgeTrustPolicy(assets.trust);
  const bundle = await verifyBundle(bytesOf(assets.bundle), policy);
  const { pin } = assets;
  if (pin && (bundle.digest !== pin.digest || bundle.name !== pin.name || bundle.version !== pin.version)) {
    throw new SandprobeError(
      "E_BUNDLE_MISMATCH",
      `the worker was packed with bundle "${pin.name}" ${pin.version} (sha256 ${pin.digest}) but was given "${bundle.name}" ${bundle.version} (sha256 ${bundle.digest}): pack the worker with this bundle`,
      { expected: pin.digest, actual: bundle.digest },
    );
  }
  const { modules } = assets;
  if (!modules) return { bundle, sources: bundle.probes };
  const names = new Set(bundle.probes.map((p) => p.manifest.name));
  for (const name of Object.keys(modules)) {
    if (!names.has(name)) {
      throw new SandprobeError(
        "E_MODULE_MISMATCH",
        `a module is shipped for "${name}", which the bundle does not carry`,
        {
          probe: name,
        },
      );
    }
  }
  const sources = bundle.probes.map((probe): ProbeSource => {
    const name = probe.manifest.name;
    const module = Object.hasOwn(modules, name) ? modules[name] : undefined;
    if (module === undefined) {
      throw new SandprobeError(
        "E_MODULE_MISMATCH",
        `no precompiled module for probe "${name}" and this runtime compiles none: pack the worker again`,
        { probe: name },
      );
    }
    // The runtime checks that the module is this probe as it runs it (limits capped, code metered).
    return { probe, module };
  });
  return { bundle, sources };
}

/**
 * Verify the worker's probes and make them the runtime's loaded set: the
 * bundle as `verifyEdgeProbes` checks it, then each precompiled module
 * against its sandboxed probe as the runtime loads it (E_MODULE_MISMATCH).
 */
export async function loadEdgeProbes(runtime: ProbeRuntime, assets: EdgeProbeAssets): Promise<LoadedEdgeProbes> {
  const verified = await verifyEdgeProbes(assets);
  const probes = await runtime.replaceAll(verified.sources);
  return { bundle: verified.bundle, probes };
}
