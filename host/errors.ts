/**
 * Every failure sandprobe reports carries a stable code. Codes never change
 * meaning; docs/errors.md lists them with what to do about each.
 */
export type ErrorCode =
  // Bytes that are not a well-formed module, component, manifest or signature.
  | "E_MALFORMED"
  // A feature the host refuses to run (memory64, shared memory, GC types, ...).
  | "E_UNSUPPORTED"
  // The probe imports something outside the allowed capabilities.
  | "E_IMPORT_NOT_ALLOWED"
  // The probe imports an allowed name with the wrong core signature.
  | "E_IMPORT_SIGNATURE"
  // The probe lacks an export the host needs (memory, cabi_realloc, a hook with the wrong type).
  | "E_EXPORT_MISSING"
  // The manifest is missing or invalid.
  | "E_MANIFEST"
  // WebAssembly.compile / instantiate refused the module.
  | "E_COMPILE"
  // The probe trapped (unreachable, out-of-bounds, abort, stack overflow).
  | "E_PROBE_TRAP"
  // The probe passed a (ptr, len) outside its memory to an import.
  | "E_GUEST_MEMORY"
  // The probe is quarantined after repeated failures.
  | "E_QUARANTINED"
  // A WebAssembly component the fast path cannot run (no core module, several
  // core modules such as a WASI adapter, nested components, imports the
  // component does not provide): run it with a component runtime (jco) instead.
  | "E_COMPONENT_UNSUPPORTED";

/** An error with a stable code. `detail` holds machine-readable context. */
export class SandprobeError extends Error {
  readonly code: ErrorCode;
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, detail: Record<string, unknown> = {}) {
    super(`${code}: ${message}`);
    this.name = "SandprobeError";
    this.code = code;
    this.detail = detail;
  }
}

export function isSandprobeError(value: unknown, code?: ErrorCode): value is SandprobeError {
  return value instanceof SandprobeError && (code === undefined || value.code === code);
}
