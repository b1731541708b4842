import { binaryKind } from "../../wasm/sections.js";
import { type ExtractOptions, extractCoreModule } from "./extract.js";

/**
 * The bytes to hand the fast path (ProbeRuntime / admitProbe): a core module
 * as it is, or the single core module of a probe component. Call it after
 * the signature of the whole file has been verified (host/trust's
 * verifyProbe accepts components), so what runs is what was signed.
 * Components the fast path cannot run throw E_COMPONENT_UNSUPPORTED.
 */
export function fastPathModule(bytes: Uint8Array, options: ExtractOptions = {}): Uint8Array {
  return binaryKind(bytes) === "module" ? bytes : extractCoreModule(bytes, options).core;
}
