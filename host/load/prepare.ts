import { SandprobeError } from "../errors.js";
import { type HostLimitOverrides, type HostLimits, hostLimits, probeLimits } from "../world/limits.js";
import { type AdmittedProbe, admitProbe } from "./admit.js";
import { sandboxModule } from "./sandbox.js";
import { checkModuleShape, shapeOfBytes } from "./shape.js";

/** An admitted probe, sandboxed under its own limits and compiled: what the runtime instantiates. */
export interface PreparedProbe extends AdmittedProbe {
  /** The probe's limits (the host's lowered by its manifest), computed once, here. */
  readonly limits: HostLimits;
  readonly compiled: WebAssembly.Module;
}

/**
 * Sandbox and compile an admitted probe under `host` limits. A module
 * compiled elsewhere (at deploy time, for runtimes such as workerd that
 * refuse to compile at run time) is accepted only when its imports, exports
 * and custom sections are those of exactly this sandboxed probe
 * (E_MODULE_MISMATCH otherwise; docs/edge.md says what this proves).
 */
export async function prepareProbe(
  admitted: AdmittedProbe,
  host: HostLimits,
  precompiled?: WebAssembly.Module,
): Promise<PreparedProbe> {
  const limits = probeLimits(host, admitted.manifest.limits);
  const sandboxed = sandboxModule(admitted.module, limits);
  const name = admitted.manifest.name;
  if (precompiled !== undefined) {
    checkModuleShape(precompiled, shapeOfBytes(sandboxed.bytes), name);
    return { ...admitted, limits, compiled: precompiled };
  }
  try {
    return { ...admitted, limits, compiled: await WebAssembly.compile(sandboxed.bytes as BufferSource) };
  } catch (error) {
    throw new SandprobeError("E_COMPILE", `${name}: ${(error as Error).message}`, { probe: name }, { cause: error });
  }
}

/**
 * What to precompile for a probe, for runtimes that forbid compiling at run
 * time (workerd): its verified bytes (module or component) admitted, then
 * limited and metered with the same host limits the runtime will be given.
 */
export function sandboxedProbeBytes(bytes: Uint8Array, limits: HostLimitOverrides = {}): Uint8Array {
  const admitted = admitProbe(bytes);
  return sandboxModule(admitted.module, probeLimits(hostLimits(limits), admitted.manifest.limits)).bytes;
}
