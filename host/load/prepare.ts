import { SandprobeError } from "../errors.js";
import { type HostLimitOverrides, type HostLimits, hostLimits, probeLimits } from "../world/limits.js";
import { type AdmittedProbe, admitProbe } from "./admit.js";
import { sandboxedShape, sandboxModule } from "./sandbox.js";
import { checkModuleShape } from "./shape.js";

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
  options: PrepareOptions = {},
): Promise<PreparedProbe> {
  const limits = probeLimits(host, admitted.manifest.limits);
  const name = admitted.manifest.name;
  if (precompiled !== undefined) {
    // The shape the sandboxed bytes would have, without metering the code again (the deploy step did).
    checkModuleShape(precompiled, sandboxedShape(admitted.module, limits), name);
    return { ...admitted, limits, compiled: precompiled };
  }
  const sandboxed = sandboxModule(admitted.module, limits);
  try {
    return { ...admitted, limits, compiled: await compileModule(sandboxed.bytes, options.batch === true) };
  } catch (error) {
    throw new SandprobeError("E_COMPILE", `${name}: ${(error as Error).message}`, { probe: name }, { cause: error });
  }
}

export interface PrepareOptions {
  /**
   * One of several probes prepared together (a bundle): always compile off
   * the calling thread, so the engine compiles them in parallel while the
   * next probe is sandboxed.
   */
  readonly batch?: boolean;
}

/**
 * A lone module up to this size compiles synchronously: for a probe-sized module
 * the async API's hand-offs to a compile task and back cost more than the
 * compile (17 KB: ~0.3 ms in `new WebAssembly.Module`, ~0.6 ms through
 * `WebAssembly.compile`, Node 20), and at this size the thread is blocked
 * for at most ~1 ms. Larger modules compile off the calling thread.
 */
const SYNC_COMPILE_LIMIT = 128 * 1024;

async function compileModule(bytes: Uint8Array, batch: boolean): Promise<WebAssembly.Module> {
  if (!batch && bytes.length <= SYNC_COMPILE_LIMIT) {
    try {
      return new WebAssembly.Module(bytes as BufferSource);
    } catch (error) {
      // A browser's main thread refuses synchronous compiles above its own (smaller) limit: compile asynchronously then.
      if (!(error instanceof RangeError)) throw error;
    }
  }
  return WebAssembly.compile(bytes as BufferSource);
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
