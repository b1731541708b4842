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
  | "E_COMPONENT_UNSUPPORTED"
  // --- Signing and trust (host/signing, host/trust, host/bundle) ---
  // No `signature` section first in the module (and no detached signature given).
  | "E_UNSIGNED"
  // A signature does not verify, or the signed hashes do not cover these bytes (tampered).
  | "E_SIGNATURE_INVALID"
  // No key in the trust store matches any signature.
  | "E_KEY_UNKNOWN"
  // The only valid signatures come from revoked keys.
  | "E_KEY_REVOKED"
  // The only valid signatures come from keys not allowed to sign this probe or bundle name.
  | "E_KEY_OUT_OF_SCOPE"
  // Fewer distinct trusted keys signed than the policy's threshold requires.
  | "E_THRESHOLD"
  // The version is older than the one already accepted for this name.
  | "E_ROLLBACK"
  // The manifest requests capabilities or headers the operator did not grant.
  | "E_CAPABILITY_DENIED"
  // Key bytes that are not an Ed25519 key in a supported encoding.
  | "E_KEY_INVALID"
  // A trust policy that cannot be applied (threshold above the key count, bad scope pattern, ...).
  | "E_POLICY"
  // A bundle whose index does not match the probes it carries.
  | "E_BUNDLE_MISMATCH"
  // --- Sandbox limits (host/sandbox) ---
  // A metered hook ran out of fuel (its per-invocation budget) and was stopped.
  | "E_FUEL_EXHAUSTED"
  // The code uses an instruction outside the feature set the metering pass understands (SIMD, threads, tail calls, ...).
  | "E_UNSUPPORTED_OPCODE"
  // A memory's declared minimum is above the pages the host allows this probe.
  | "E_MEMORY_LIMIT"
  // A table's declared minimum is above the elements the host allows this probe.
  | "E_TABLE_LIMIT"
  // The module declares more globals than the host allows.
  | "E_GLOBAL_LIMIT"
  // Host limits that cannot be applied (a negative fuel budget, more memory pages than 32-bit memory has, ...).
  | "E_LIMITS"
  // --- Fleet (bundle sources, persisted version ledger) ---
  // A bundle source could not deliver a bundle (network error, timeout, HTTP error status, answer over the size cap, unreadable file).
  | "E_SOURCE"
  // The persisted version ledger cannot be read (corrupt, wrong schema) or written.
  | "E_LEDGER"
  // --- Edge workers (host/edge) ---
  // A precompiled module shipped with a worker does not match the verified probe it stands for.
  | "E_MODULE_MISMATCH";

/** An error with a stable code. `detail` holds machine-readable context. */
export class SandprobeError extends Error {
  readonly code: ErrorCode;
  readonly detail: Readonly<Record<string, unknown>>;

  /**
   * `message` says what went wrong and what to do, without the code (it is in
   * `code`); `cause` is the error this one wraps, if any.
   */
  constructor(
    code: ErrorCode,
    message: string,
    detail: Record<string, unknown> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SandprobeError";
    this.code = code;
    this.detail = detail;
  }

  /** "SandprobeError [E_CODE]: message", the way Node names coded errors. */
  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

/** "E_CODE: message" for a SandprobeError, the message for any other error: what a log line or a CLI prints. */
export function describeError(error: unknown): string {
  if (error instanceof SandprobeError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export function isSandprobeError(value: unknown, code?: ErrorCode): value is SandprobeError {
  return value instanceof SandprobeError && (code === undefined || value.code === code);
}
